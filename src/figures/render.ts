/**
 * Vega-Lite → SVG → PNG. Every figure of `lidendrite figures` (and the sweep map) is a Vega-Lite
 * spec compiled by vega-lite, laid out and drawn to SVG by vega's headless View (renderer
 * 'none', view.toSVG()), and rasterised by resvg. Axes, ticks, legends and titles are vega's;
 * nothing here draws them by hand.
 *
 * Text: resvg turns SVG text into glyph outlines from the fonts it can find. We bundle none and
 * load the system fonts (DejaVu Sans / Liberation Sans on Debian); textRenders() says whether
 * a label actually comes out as pixels, and renderFigure() refuses to write a PNG without text
 * (a figure with silently missing labels would be worse than none).
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Font families, in order of preference; the first two ship with Debian/Ubuntu. */
export const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

/** A Vega-Lite spec (typed loosely: the builders in src/figures construct them as plain JSON). */
export type VlSpec = Record<string, unknown>;

/** Shared look: fonts, sizes, a white background. Builders may override any of it. */
export const BASE_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  title: { fontSize: 15, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#444' },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#e4e4e4' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0, titleLimit: 0 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#888' },
};

/** Compiles a Vega-Lite spec (BASE_CONFIG merged under its own config) to a Vega spec. */
export function compileSpec(spec: VlSpec): vega.Spec {
  const config = deepMerge(BASE_CONFIG, (spec.config as Record<string, unknown>) ?? {});
  // vega-lite's warnings (e.g. merged legends) are about layout choices, not data: errors only
  return vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...spec, config } as never, {
    logger: vega.logger(vega.Error) as never,
  }).spec as vega.Spec;
}

/** A laid-out headless view of `spec` (call finalize() when done). */
export async function headlessView(spec: VlSpec): Promise<vega.View> {
  const view = new vega.View(vega.parse(compileSpec(spec)), { renderer: 'none', logLevel: vega.Warn });
  await view.runAsync();
  return view;
}

/** The SVG text of a Vega-Lite spec. */
export async function specToSvg(spec: VlSpec): Promise<string> {
  const view = await headlessView(spec);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The SVG text of a Vega-Lite spec, synchronously (for callers that cannot await, such as the
 * sweep map of `sweep collect`). vega's toSVG() is async only because it waits for external
 * resources (image URLs); with inline data and data-URL images nothing is pending, so running
 * the dataflow with run() and rendering with vega's own headless SVG renderer gives the same
 * text (test/figures checks it against toSVG()). The view size and origin are computed as vega's
 * renderHeadless does (padding + autosize origin).
 */
export function specToSvgSync(spec: VlSpec): { svg: string; view: vega.View } {
  const view = new vega.View(vega.parse(compileSpec(spec)), { renderer: 'none', logLevel: vega.Warn });
  view.run();
  const v = view as unknown as { _viewWidth: number; _viewHeight: number; _origin: [number, number] };
  const pad = view.padding() as { left: number; right: number; top: number; bottom: number };
  const w = Math.max(0, v._viewWidth + pad.left + pad.right);
  const h = Math.max(0, v._viewHeight + pad.top + pad.bottom);
  // vega re-exports vega-scenegraph's headless SVG renderer; vega-typings does not declare it
  const Ctor = (vega as unknown as { SVGStringRenderer: new (loader: unknown) => SvgStringRenderer }).SVGStringRenderer;
  const r = new Ctor(view.loader());
  r.initialize(null, w, h, [pad.left + v._origin[0], pad.top + v._origin[1]], 1).background(view.background());
  r.render((view.scenegraph() as unknown as { root: unknown }).root);
  const svg = r.svg();
  if (!svg) throw new Error('specToSvgSync: vega rendered nothing');
  return { svg, view };
}

interface SvgStringRenderer {
  initialize(el: null, width: number, height: number, origin: [number, number], scale: number): SvgStringRenderer;
  background(color: unknown): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string | null;
}

/** The offset of the plotting origin inside the SVG (padding + autosize origin), px. */
export function plotOrigin(view: vega.View): [number, number] {
  const pad = view.padding() as { left: number; top: number };
  const o = view.origin();
  return [pad.left + o[0], pad.top + o[1]];
}

/** Rasterises SVG text; `scale` multiplies the SVG's own size (2 = print-quality PNG). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    logLevel: 'off',
  });
  const png = r.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
}

/** SVG and PNG of a Vega-Lite spec. Throws if this machine has no font resvg can draw text with. */
export async function renderFigure(spec: VlSpec, scale = 2): Promise<RenderedFigure> {
  const why = textRenders();
  if (why !== true) throw new Error(why);
  const svg = await specToSvg(spec);
  return { svg, png: svgToPng(svg, scale) };
}

let textCheck: true | string | null = null;

/**
 * true when resvg draws text with the system fonts; otherwise the reason (which packages to
 * install). Checked once per process by rendering a word and counting dark pixels.
 */
export function textRenders(): true | string {
  if (textCheck !== null) return textCheck;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="24"><rect width="80" height="24" fill="white"/>` +
    `<text x="2" y="18" font-family="${FONT_FAMILY}" font-size="16" fill="black">Li µm</text></svg>`;
  const r = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, logLevel: 'off' }).render();
  const px = r.pixels;
  let dark = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 128) dark++;
  textCheck =
    dark > 20
      ? true
      : 'figures: no usable font found for text in figures (resvg drew no glyphs); install one, e.g. `apt-get install fonts-dejavu-core`';
  return textCheck;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const av = out[k];
    out[k] =
      av && v && typeof av === 'object' && typeof v === 'object' && !Array.isArray(av) && !Array.isArray(v)
        ? deepMerge(av as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
