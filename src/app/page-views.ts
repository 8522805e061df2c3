/**
 * The page's pictures from one frame: the 2D map (a 2D run, or the z slice of a 3D one) with its
 * colour range (the quantity's fixed default, auto, or the user's), the 3D surface with slices,
 * colour bar and µm axes, the line profile plot and the value under the pointer. The main thread
 * only prepares what to draw (slices, ranges, titles) and keeps the frame's arrays for the
 * readout and the profile; the drawing happens in the views (views-client.ts: the render worker,
 * or the main thread where a browser cannot). The 3D view's orbit controls run here on a stand-in
 * camera whose position and target are sent along.
 */
import { PerspectiveCamera } from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import uPlot from 'uplot';
import type { ColormapName } from '../io/colormap.ts';
import type { Scenario } from '../model/scenario.ts';
import { autoRange, slice } from '../render/fields.ts';
import { cellAt, type MapLayout, type MapSpec, type ViewSize } from '../render/map-view.ts';
import { lineProfile, type Profile } from '../render/profile.ts';
import type { QuantityInfo } from '../render/quantities.ts';
import type { HudLayout } from '../render/surface-hud.ts';
import type { VolumeSpec } from '../render/surface-view.ts';
import type { CameraState, RenderRequest } from '../render/views-core.ts';
import type { Frame } from './engine.ts';
import { axisLabel } from './plots.ts';
import type { RangeMode } from './url-state.ts';
import { startViews, type ViewsClient } from './views-client.ts';

export interface DrawRequest {
  s: Scenario;
  frame: Frame;
  q: QuantityInfo;
  colormap: ColormapName;
  range: RangeMode;
  /** 3D: the quantity colouring the surface (null: plain metal), the slices (fractions 0..1, null: off) and the map's z. */
  colorBy: QuantityInfo | null;
  slices: { x: number | null; y: number | null; z: number | null };
  zFrac: number;
  /** The line profile: off (null), or on along a segment in µm on the map (null segment: along x through the middle). */
  profile: { segment: [number, number, number, number] | null } | null;
}

/** The colour range a mode gives for a quantity's values. */
export function resolveRange(mode: RangeMode, q: QuantityInfo, values: ArrayLike<number>): [number, number] {
  if (mode.mode === 'fixed') return [mode.lo, mode.hi];
  if (mode.mode === 'default' && q.defaultRange) return q.defaultRange;
  return autoRange(values);
}

const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(5))) : String(v));
const dpr = () => window.devicePixelRatio || 1;
const sizeOf = (c: HTMLCanvasElement): ViewSize => ({ width: Math.max(1, c.clientWidth), height: Math.max(1, c.clientHeight), dpr: dpr() });

export class PageViews {
  readonly views: ViewsClient;
  /** The range of the last map picture (what "lock" keeps). */
  shownRange: [number, number] = [0, 1];
  /** The map's layout and the 3D overlay's, from the last render. */
  layout: MapLayout | null = null;
  hud: HudLayout | null = null;
  triangles = 0;
  /** Views whose WebGL context was lost (from the last render). */
  lost: string[] = [];
  private mapData: { data: Float64Array; nx: number; ny: number; dxUm: number; z: number | null; q: QuantityInfo } | null = null;
  private profileChart: uPlot | null = null;
  private profileOf = '';
  private profileAt = -Infinity;
  private profileTimer: ReturnType<typeof setTimeout> | null = null;
  /** The last profile (its CSV export). */
  profile: { p: Profile; q: QuantityInfo } | null = null;
  /** The segment drawn last, µm. */
  segment: [number, number, number, number] | null = null;
  private three = false;
  /** Stand-in camera and its orbit controls (3D). */
  private cam = new PerspectiveCamera(40, 1, 0.01, 1e5);
  private controls: OrbitControls;
  private syncing = false;
  /** Called after the user moved the 3D camera. */
  onCamera: (c: CameraState) => void = () => {};

  constructor(
    readonly mapCanvas: HTMLCanvasElement,
    readonly surfaceCanvas: HTMLCanvasElement,
    private profileBox: HTMLElement,
    place: 'auto' | 'main',
  ) {
    this.views = startViews(mapCanvas, surfaceCanvas, sizeOf(mapCanvas), place);
    this.cam.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.cam, surfaceCanvas);
    this.controls.addEventListener('change', () => {
      if (this.syncing) return;
      const c = this.cameraState();
      void this.send({ camera: c });
      this.onCamera(c);
    });
  }

  cameraState(): CameraState {
    const p = this.cam.position,
      t = this.controls.target;
    return [p.x, p.y, p.z, t.x, t.y, t.z];
  }

  /** Moves the 3D camera (a link's camera) without reporting it back as a user move. */
  setCamera(c: readonly number[]): Promise<void> {
    this.syncCamera(c);
    return this.send({ camera: [...c] as CameraState }).then(() => undefined);
  }

  private syncCamera(c: readonly number[]): void {
    this.syncing = true;
    this.cam.position.set(c[0], c[1], c[2]);
    this.controls.target.set(c[3], c[4], c[5]);
    this.controls.update();
    this.syncing = false;
  }

  private async send(r: RenderRequest): Promise<void> {
    const res = await this.views.render(r);
    this.layout = res.map;
    this.hud = res.hud;
    this.triangles = res.triangles;
    this.lost = res.lost;
    // the view frames a new grid itself: the stand-in camera follows
    if (res.camera && !r.camera) this.syncCamera(res.camera);
  }

  /** Shows or hides the 3D view. */
  configure(three: boolean): Promise<void> {
    this.three = three;
    this.surfaceCanvas.hidden = !three;
    return this.resize();
  }

  /** Fits both canvases to their boxes (the 3D camera is kept). */
  resize(): Promise<void> {
    // a canvas squeezed to almost nothing is in passing (a layout in flux): keep the last size
    if (this.mapCanvas.clientWidth < 40 || this.mapCanvas.clientHeight < 40) return Promise.resolve();
    const s = this.three ? sizeOf(this.surfaceCanvas) : null;
    if (s) {
      this.cam.aspect = s.width / s.height;
      this.cam.updateProjectionMatrix();
    }
    if (this.profileChart) this.profileChart.setSize({ width: this.profileWidth(), height: 170 });
    return this.send({ size: { map: sizeOf(this.mapCanvas), surface: s } });
  }

  private profileWidth(): number {
    return Math.max(240, Math.min(900, (this.profileBox.parentElement?.clientWidth ?? 600) - 16));
  }

  /** Draws a frame; resolves when the picture is on the canvases. */
  draw(r: DrawRequest): Promise<void> {
    const { s, frame, q } = r;
    const [nx, ny, nz] = s.grid.n;
    const dxUm = s.grid.dx * 1e6;
    const values = frame.fields[q.id];
    if (!values) return Promise.resolve();
    const xi = frame.fields.xi;
    const t = frame.time.toPrecision(4);
    const range = resolveRange(r.range, q, values);
    this.shownRange = range;
    let data = values,
      contour = xi,
      z: number | null = null;
    if (s.grid.dims === 3) {
      const k = Math.min(nz - 1, Math.floor(r.zFrac * nz));
      data = slice(values, s.grid.n, 'z', k).data;
      contour = slice(xi, s.grid.n, 'z', k).data;
      z = (k + 0.5) * dxUm;
    }
    const seg = r.profile ? (r.profile.segment ?? [0, (ny * dxUm) / 2, nx * dxUm, (ny * dxUm) / 2]) : null;
    this.segment = seg;
    this.mapData = { data, nx, ny, dxUm, z, q };
    const map: MapSpec = {
      data,
      nx,
      ny,
      dxUm,
      colormap: r.colormap,
      range,
      title: `${s.name}: ${q.label}, t = ${t} s${z === null ? '' : `, z = ${z.toPrecision(3)} µm`}`,
      unit: q.unit,
      contour,
      profile: seg,
    };
    let surface: VolumeSpec | undefined;
    if (s.grid.dims === 3) {
      const cb = r.colorBy ? frame.fields[r.colorBy.id] : undefined;
      const cbRange =
        r.colorBy && cb ? (r.range.mode === 'default' && r.colorBy.defaultRange ? r.colorBy.defaultRange : autoRange(cb)) : null;
      const anySlice = r.slices.x !== null || r.slices.y !== null || r.slices.z !== null;
      surface = {
        n: s.grid.n,
        dxUm,
        xi,
        colorBy: r.colorBy && cb && cbRange ? { data: cb, colormap: r.colorBy.colormap, range: cbRange } : null,
        sliceField: { data: values, colormap: r.colormap, range },
        slices: r.slices,
        hud: {
          bar:
            r.colorBy && cb && cbRange
              ? { colormap: r.colorBy.colormap, range: cbRange, label: `surface: ${r.colorBy.label}`, unit: r.colorBy.unit }
              : anySlice
                ? { colormap: r.colormap, range, label: `slices: ${q.label}`, unit: q.unit }
                : null,
          title: `t = ${t} s`,
        },
      };
    }
    if (seg) this.drawProfile(q);
    else {
      this.profile = null;
      this.profileBox.hidden = true;
    }
    return this.send({ map, ...(surface ? { surface } : {}) });
  }

  private drawProfile(q: QuantityInfo): void {
    const m = this.mapData;
    if (!m || !this.segment) return;
    const p = lineProfile(m.data, m.nx, m.ny, m.dxUm, this.segment);
    this.profile = { p, q };
    this.profileBox.hidden = false;
    const title = `profile of ${q.label}${m.z === null ? '' : ` (z = ${m.z.toPrecision(3)} µm)`}`;
    if (!this.profileChart || this.profileOf !== title) {
      if (this.profileTimer) clearTimeout(this.profileTimer);
      this.profileTimer = null;
      this.profileAt = -Infinity;
      this.profileChart?.destroy();
      this.profileBox.replaceChildren();
      const fig = document.createElement('figure');
      this.profileBox.append(fig);
      this.profileChart = new uPlot(
        {
          title,
          width: this.profileWidth(),
          height: 170,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false } },
          axes: [
            { label: 'distance along the line (µm)', size: 36, labelSize: 14 },
            { size: 56, values: (_u: uPlot, v: number[]) => v.map(axisLabel) },
          ],
          series: [{}, { label: q.id, stroke: '#ad1457', width: 1.5, points: { show: false } }],
        },
        [[], []],
        fig,
      );
      this.profileOf = title;
    }
    // like the plots, at most twice a second while frames stream in (the data above is always current)
    const wait = this.profileAt + 500 - performance.now();
    if (this.profileTimer) return;
    const put = () => {
      this.profileTimer = null;
      this.profileAt = performance.now();
      const cur = this.profile!.p;
      this.profileChart?.setData([cur.s, cur.v] as unknown as uPlot.AlignedData);
    };
    if (wait <= 0) put();
    else this.profileTimer = setTimeout(put, wait);
  }

  /** The map point under a canvas point (CSS px from the canvas's corner): µm on the map and the cell. */
  pointAt(px: number, py: number) {
    const m = this.mapData;
    return this.layout && m ? cellAt(this.layout, m.nx, m.ny, m.dxUm, px, py) : null;
  }

  /** "x = …, y = … µm (cell i, j): label = value unit" for a canvas point, or null off the map. */
  readout(px: number, py: number): string | null {
    const c = this.pointAt(px, py),
      m = this.mapData;
    if (!c || !m) return null;
    const v = m.data[c.i + m.nx * c.j];
    const where = `x = ${c.xUm.toFixed(2)} µm, y = ${c.yUm.toFixed(2)} µm${m.z === null ? '' : `, z = ${m.z.toFixed(2)} µm`} (cell ${c.i}, ${c.j})`;
    return `${where}: ${m.q.label.split(' (')[0]} = ${num(v)}${m.q.unit ? ' ' + m.q.unit : ''}`;
  }
}
