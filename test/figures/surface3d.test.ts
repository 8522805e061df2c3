/**
 * The headless surface renderer (src/browser/surface.html through src/figures/surface3d.ts): a
 * sphere of ξ rendered by three.js in headless Chromium must come back as a PNG whose lit pixels
 * cover the sphere's projected disc (computed from the view's fixed camera), shaded rather than
 * flat-filled, the same bytes on a second render (no clocks), and coloured when colorBy is given.
 * Skipped, with the reason, when this machine has no Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { chromiumMissingReason } from '../../src/browser/chromium.ts';
import { registerSurfaceRenderer, startSurfaceSession, SURFACE_PX, type SurfaceSession } from '../../src/figures/surface3d.ts';
import { morphologySpec, setSurfaceRenderer } from '../../src/figures/morphology.ts';
import { surfaceStats } from '../../src/render/pixel-stats.ts';
import { SURFACE_BACKGROUND } from '../../src/render/surface-view.ts';

const missing = chromiumMissingReason();
const BG: [number, number, number] = [(SURFACE_BACKGROUND >> 16) & 255, (SURFACE_BACKGROUND >> 8) & 255, SURFACE_BACKGROUND & 255];

// a 10 µm cube (40³ cells of 0.25 µm) with a ξ sphere of radius 3 µm at its centre
const N = 40,
  DX = 0.25e-6,
  R_UM = 3;
const n: [number, number, number] = [N, N, N];
const W = 480,
  H = 360;

function sphere(): { xi: Float64Array; z: Float64Array } {
  const xi = new Float64Array(N * N * N),
    z = new Float64Array(N * N * N);
  const c = (N * DX * 1e6) / 2,
    h = DX * 1e6;
  for (let k = 0; k < N; k++)
    for (let j = 0; j < N; j++)
      for (let i = 0; i < N; i++) {
        const q = i + N * (j + N * k);
        const r = Math.hypot((i + 0.5) * h - c, (j + 0.5) * h - c, (k + 0.5) * h - c);
        // the model's interface profile (width ~ 2 cells): ξ = ½ exactly at r = R
        xi[q] = 0.5 * (1 - Math.tanh((r - R_UM) / (2 * h)));
        z[q] = (k + 0.5) / N;
      }
  return { xi, z };
}

/**
 * Expected radius (px) of the sphere's image. Both cameras of the page (the figures' 'growth-up'
 * used here and SurfaceView.frame's oblique one) look at the domain centre from
 * dist = r_box / sin(min(½fov_v, ½fov_h)) × 1.02 with fov_v = 40°; a
 * sphere centred on the view axis subtends a cone of half-angle asin(R/dist), which meets the
 * image plane in a circle of radius tan(asin(R/dist)) / tan(½fov_v) × H/2.
 */
function expectedRadiusPx(): number {
  const L = N * DX * 1e6;
  const rBox = (Math.sqrt(3) * L) / 2;
  const vHalf = (40 * Math.PI) / 360;
  const hHalf = Math.atan(Math.tan(vHalf) * (W / H));
  const dist = (rBox / Math.sin(Math.min(vHalf, hHalf))) * 1.02;
  return (Math.tan(Math.asin(R_UM / dist)) / Math.tan(vHalf)) * (H / 2);
}

const decode = (bytes: Uint8Array) => {
  const p = PNG.sync.read(Buffer.from(bytes));
  return { width: p.width, height: p.height, data: p.data };
};

describe.skipIf(missing !== null)(`surface renderer (headless Chromium)${missing ? ` — skipped: ${missing}` : ''}`, () => {
  let ses: SurfaceSession;
  const { xi, z } = sphere();
  beforeAll(async () => {
    ses = await startSurfaceSession();
  });
  afterAll(async () => {
    await ses?.close();
  });

  it('draws the ξ = ½ sphere as a lit, shaded disc of the projected size, the same bytes every time', async () => {
    const png = await ses.render(xi, n, DX, { width: W, height: H });
    const p = decode(png);
    expect([p.width, p.height]).toEqual([W, H]);
    expect(ses.lastTriangles).toBeGreaterThan(1000);
    // surface pixels inside a disc 10 % larger than the expected image; the domain outline's
    // edges also differ from the background, so only the disc region is compared
    const r0 = expectedRadiusPx();
    let inDisc = 0,
      cx = 0,
      cy = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = 4 * (y * W + x);
        const off = Math.max(Math.abs(p.data[o] - BG[0]), Math.abs(p.data[o + 1] - BG[1]), Math.abs(p.data[o + 2] - BG[2])) > 24;
        if (off && Math.hypot(x + 0.5 - W / 2, y + 0.5 - H / 2) < 1.1 * r0) {
          inDisc++;
          cx += x + 0.5;
          cy += y + 0.5;
        }
      }
    const ratio = inDisc / (Math.PI * r0 * r0);
    const st = surfaceStats(p, BG);
    console.log(
      `surface: ${ses.lastTriangles} triangles; expected disc radius ${r0.toFixed(1)} px; surface pixels in the disc / πr² = ${ratio.toFixed(4)}; ` +
        `centroid (${(cx / inDisc).toFixed(1)}, ${(cy / inDisc).toFixed(1)}) vs (${W / 2}, ${H / 2}); coverage of the picture ${(100 * st.coverage).toFixed(2)} %; luminance p10–p90 ${st.luma.p10.toFixed(0)}–${st.luma.p90.toFixed(0)}, ${st.levels} levels`,
    );
    // tolerance 6 %: the faceted mesh lies inside the sphere by ~h²/(8R) ≈ 0.003 µm (0.1 % of the
    // area); the antialiased rim adds or drops up to half a pixel of radius (±1/r0 ≈ ±1.7 % of the
    // area at r0 ≈ 58 px); rim pixels on the unlit side that come within 24 of the background are
    // not counted (measured: ~1.5 %); outline edges crossing the 10 % annulus add a few hundred
    // pixels at most (~3 %)
    expect(Math.abs(ratio - 1)).toBeLessThan(0.06);
    // the disc is centred: the camera looks at the domain centre, where the sphere is (the dropped
    // dark rim lies on one side and shifts the centroid towards the lit side by ~1–2 px: 5 % of r0)
    expect(Math.abs(cx / inDisc - W / 2)).toBeLessThan(0.05 * r0);
    expect(Math.abs(cy / inDisc - H / 2)).toBeLessThan(0.05 * r0);
    // shading, not a flat fill: a lit sphere spans a wide range of brightness
    expect(st.luma.p90 - st.luma.p10).toBeGreaterThan(30);
    expect(st.levels).toBeGreaterThan(40);
    // deterministic: the same field gives the same bytes (fixed camera, nothing animated)
    const again = await ses.render(xi, n, DX, { width: W, height: H });
    expect(Buffer.from(again).equals(Buffer.from(png))).toBe(true);
  });

  it('colours the surface by a field (colorBy): the metal grey turns into colour-table hues', async () => {
    const chroma = (bytes: Uint8Array) => {
      const p = decode(bytes);
      let s = 0,
        k = 0;
      for (let q = 0; q < W * H; q++) {
        const o = 4 * q;
        const r = p.data[o],
          g = p.data[o + 1],
          b = p.data[o + 2];
        if (Math.max(Math.abs(r - BG[0]), Math.abs(g - BG[1]), Math.abs(b - BG[2])) <= 24) continue;
        s += Math.max(r, g, b) - Math.min(r, g, b);
        k++;
      }
      return s / k;
    };
    const plain = chroma(await ses.render(xi, n, DX, { width: W, height: H }));
    const coloured = chroma(await ses.render(xi, n, DX, { width: W, height: H, colorBy: { data: z, colormap: 'viridis', range: [0, 1] } }));
    console.log(`mean chroma (max − min channel) of surface pixels: plain ${plain.toFixed(1)}, coloured by z ${coloured.toFixed(1)}`);
    expect(coloured).toBeGreaterThan(2 * plain + 20);
  });

  it('a registered renderer turns a 3D morphology panel into the surface picture (no axes, no mid-plane)', async () => {
    setSurfaceRenderer((x, nn, dx) => ses.render(x, nn, dx));
    try {
      const spec = await morphologySpec('t', [], [{ label: 'sphere', xi, n, dx: DX, dims: 3 }]);
      type Chart = { title: { text: string }; mark: { type: string }; encoding: { x: unknown }; data: { values: { url: unknown }[] } };
      const chart = (spec.hconcat as Chart[])[0];
      expect(chart.title.text).toBe('sphere (ξ = ½ surface)');
      expect(chart.mark.type).toBe('image');
      expect(chart.encoding.x).toEqual({ value: 0 });
      const url = chart.data.values[0].url as string;
      const p = decode(new Uint8Array(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64')));
      expect([p.width, p.height]).toEqual([SURFACE_PX.width, SURFACE_PX.height]);
      expect(surfaceStats(p, BG).coverage).toBeGreaterThan(0.02);
    } finally {
      setSurfaceRenderer(null);
    }
  });

  it('refuses a field that does not fit the grid, before anything is drawn', async () => {
    await expect(ses.render(new Float64Array(10), n, DX)).rejects.toThrow(/ξ has 10 values/);
    await expect(ses.render(xi, n, -1)).rejects.toThrow(/dx must be/);
  });
});

describe('surface renderer without Chromium', () => {
  it('registerSurfaceRenderer() registers nothing and says why when Chromium is missing', () => {
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    try {
      const r = registerSurfaceRenderer();
      expect('missing' in r && r.missing).toMatch(/CHROMIUM_PATH=\/nonexistent\/chromium does not exist/);
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});
