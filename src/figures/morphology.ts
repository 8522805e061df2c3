/**
 * Morphology panels: ξ maps of several runs side by side (one per value of a parameter), each
 * with axes in µm, the ξ = ½ contour, and its morphology numbers in the panel title; one shared
 * ξ colour legend and caption. The map pixels come from src/io/png.ts (renderFieldPng, the same
 * images a run writes), cropped to the map; vega draws everything around them (image marks).
 *
 * 3D runs: when a SurfaceRenderer is registered with setSurfaceRenderer() (src/figures/surface3d.ts:
 * three.js in headless Chromium), a 3D panel shows the lit ξ = ½ surface from a fixed camera
 * (growth direction up the picture), with no axes (a perspective picture has no µm scale; the panel note gives the
 * domain size); otherwise it shows the z mid-plane slice and says so in its title.
 */
import { PNG } from 'pngjs';
import { midPlaneSlice, renderFieldPngWithLayout } from '../io/png.ts';
import type { Morphology } from '../analysis/morphology.ts';

export interface MorphologyPanel {
  /** Panel heading, e.g. "V = −0.45 V". */
  label: string;
  xi: Float64Array;
  /** Grid cells (nz = 1 in 2D) and spacing (m). */
  n: [number, number, number];
  dx: number;
  dims: 2 | 3;
  morphology?: Morphology;
  /** Extra line under the label (time, charge). */
  note?: string;
}

/**
 * Hook for 3D surface images (PNG bytes of the ξ = ½ surface from a fixed camera, 2 × SURFACE_PANEL
 * pixels, drawn at SURFACE_PANEL size). src/figures/surface3d.ts registers its headless three.js renderer here;
 * null: none available.
 */
export type SurfaceRenderer = (xi: Float64Array, n: [number, number, number], dx: number) => Promise<Uint8Array>;
let surfaceRenderer: SurfaceRenderer | null = null;
export function setSurfaceRenderer(r: SurfaceRenderer | null): void {
  surfaceRenderer = r;
}
/** Size (px) a surface picture is drawn at in a panel (the renderer's 4:3 picture, halved). */
export const SURFACE_PANEL = { width: 360, height: 270 } as const;

/** The map part of renderFieldPng's image (no title, colour bar or scale bar), as a PNG data URL. */
export function mapImage(xi: Float64Array, nx: number, ny: number, dxMeters: number): { url: string; w: number; h: number } {
  const { png, layout } = renderFieldPngWithLayout({
    data: xi,
    nx,
    ny,
    dxMeters,
    title: '',
    unit: '-',
    colormap: 'viridis',
    range: [0, 1],
    contour: { data: xi, level: 0.5 },
  });
  const src = PNG.sync.read(Buffer.from(png));
  const { x, y, w, h } = layout.map;
  const out = new PNG({ width: w, height: h });
  for (let r = 0; r < h; r++) src.data.copy(out.data, r * w * 4, ((y + r) * src.width + x) * 4, ((y + r) * src.width + x + w) * 4);
  return { url: `data:image/png;base64,${PNG.sync.write(out, { colorType: 2 }).toString('base64')}`, w, h };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? String(+v.toPrecision(d)) : 'n/a');

/** One line of morphology numbers for a panel title. */
export function morphologyLine(m: Morphology): string {
  const parts = [`tip − mean ${fmt(m.tipOverMean)} µm`, `roughness ${fmt(m.roughness)} µm`];
  if (Number.isFinite(m.lengthPerWidth)) parts.push(`contour/width ${fmt(m.lengthPerWidth, 4)}`);
  return parts.join(', ');
}

/** Vega-Lite spec of the panels (async: a 3D panel may call the surface renderer). */
export async function morphologySpec(
  title: string,
  subtitle: string[],
  panels: MorphologyPanel[],
  opts: { pxPerUm?: number } = {},
): Promise<Record<string, unknown>> {
  if (panels.length === 0) throw new Error('morphology: no panels');
  const maxLx = Math.max(...panels.map((p) => p.n[0] * p.dx * 1e6));
  const pxPerUm = opts.pxPerUm ?? Math.min(24, 300 / maxLx);
  const charts = [];
  for (const p of panels) {
    const [nx, ny, nz] = p.n;
    let slice = p.xi,
      where = '';
    if (p.dims === 3) {
      if (surfaceRenderer) where = ' (ξ = ½ surface)';
      else {
        slice = midPlaneSlice(p.xi, nx, ny, nz, 'z');
        where = ' (z mid-plane slice)';
      }
    }
    const Lx = nx * p.dx * 1e6,
      Ly = ny * p.dx * 1e6;
    const lines = [p.label + where, ...(p.note ? [p.note] : []), ...(p.morphology ? [morphologyLine(p.morphology)] : [])];
    if (p.dims === 3 && surfaceRenderer) {
      const url = `data:image/png;base64,${Buffer.from(await surfaceRenderer(p.xi, p.n, p.dx)).toString('base64')}`;
      const { width, height } = SURFACE_PANEL;
      charts.push({
        title: { text: lines[0], subtitle: lines.slice(1), fontSize: 12, subtitleFontSize: 10 },
        width,
        height,
        data: { values: [{ url }] },
        mark: { type: 'image', width, height, align: 'left', baseline: 'top', aspect: false },
        encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
      });
      continue;
    }
    const img = mapImage(slice, nx, ny, p.dx);
    const width = Math.round(Lx * pxPerUm),
      height = Math.round(Ly * pxPerUm);
    charts.push({
      title: { text: lines[0], subtitle: lines.slice(1), fontSize: 12, subtitleFontSize: 10 },
      width,
      height,
      layer: [
        {
          data: { values: [{ url: img.url }] },
          mark: { type: 'image', width, height, align: 'left', baseline: 'top', aspect: false },
          encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
        },
        {
          data: {
            values: [
              { x: 0, y: 0, xi: 0 },
              { x: Lx, y: Ly, xi: 1 },
            ],
          },
          mark: { type: 'point', opacity: 0 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'x, growth direction (µm)', scale: { domain: [0, Lx], nice: false } },
            y: { field: 'y', type: 'quantitative', title: 'y (µm)', scale: { domain: [0, Ly], nice: false } },
            color: {
              field: 'xi',
              type: 'quantitative',
              title: 'ξ (1 = Li metal; white line: ξ = ½)',
              scale: { scheme: 'viridis', domain: [0, 1] },
              legend: { orient: 'bottom', gradientLength: 200 },
            },
          },
        },
      ],
      resolve: { scale: { x: 'independent', y: 'independent' } },
    });
  }
  return {
    title: { text: title, subtitle },
    hconcat: charts,
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared' } },
  };
}
