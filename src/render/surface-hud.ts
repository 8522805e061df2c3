/**
 * What the 3D view draws over the scene: a colour bar (for the surface colouring or the slices),
 * µm ticks along the three domain edges that meet at the origin, with the axis names x, y, z,
 * and a title line. The ticks are 3D line segments in the view's scene; their labels and the
 * bar's text are drawn into a 2D canvas at the projected positions and shown, with the bar, in an
 * orthographic overlay scene rendered after the 3D one — so the WebGL canvas alone is the whole
 * picture (the PNG export) and the labels follow every orbit step.
 */
import {
  BufferAttribute,
  BufferGeometry,
  CanvasTexture,
  DataTexture,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshBasicMaterial,
  NearestFilter,
  OrthographicCamera,
  PlaneGeometry,
  RGBAFormat,
  SRGBColorSpace,
  Scene,
  UnsignedByteType,
  Vector3,
  type Camera,
} from 'three';
import type { ColormapName } from '../io/colormap.ts';
import { lut, niceLength, tickLabel } from './fields.ts';
import { fitTextTexture, textCanvas, type TextBox } from './map-view.ts';

export interface HudBar {
  colormap: ColormapName;
  range: [number, number];
  label: string;
  unit: string;
}

/** Where the overlay's parts are, CSS pixels from the canvas's top-left corner. */
export interface HudLayout {
  bar: { x: number; y: number; w: number; h: number } | null;
  /** Tick spacing along the edges, µm. */
  tickUm: number;
  labels: TextBox[];
}

const INK = '#e8edf2';
const BAR_W = 14;

export class SurfaceHud {
  readonly scene = new Scene();
  readonly camera = new OrthographicCamera(0, 1, 1, 0, -10, 10);
  /** The tick marks (µm) along the edges through the origin, in the 3D scene's coordinates. */
  readonly ticks = new LineSegments(new BufferGeometry(), new LineBasicMaterial({ color: 0xc9d2db }));
  private barMesh = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ color: 0xffffff }));
  private barTex: DataTexture | null = null;
  private textCanvas = textCanvas();
  private textTex = new CanvasTexture(this.textCanvas);
  private text = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ map: this.textTex, transparent: true, depthTest: false }));
  private L = new Vector3(1, 1, 1);
  private tickUm = 1;
  private bar: HudBar | null = null;
  private title = '';
  private lay: HudLayout = { bar: null, tickUm: 1, labels: [] };

  constructor() {
    this.textTex.colorSpace = SRGBColorSpace;
    this.text.renderOrder = 10;
    this.text.position.z = 5;
    this.scene.add(this.barMesh, this.text);
  }

  /** The domain (µm): rebuilds the tick marks at a round spacing (about four per longest edge). */
  setDomain(L: Vector3): void {
    this.L = L.clone();
    this.tickUm = niceLength(Math.max(L.x, L.y, L.z) / 4);
    const len = 0.03 * Math.max(L.x, L.y, L.z);
    const pos: number[] = [];
    // ticks along x point along −y, along y and z they point along −x: outside the box
    for (let t = 0; t <= L.x + 1e-9; t += this.tickUm) pos.push(t, 0, 0, t, -len, 0);
    for (let t = 0; t <= L.y + 1e-9; t += this.tickUm) pos.push(0, t, 0, -len, t, 0);
    for (let t = 0; t <= L.z + 1e-9; t += this.tickUm) pos.push(0, 0, t, -len, 0, t);
    this.ticks.geometry.dispose();
    const g = new BufferGeometry();
    g.setAttribute('position', new BufferAttribute(new Float32Array(pos), 3));
    this.ticks.geometry = g;
  }

  /** The colour bar (null: none) and the title line. */
  setContent(bar: HudBar | null, title: string): void {
    this.bar = bar;
    this.title = title;
    if (bar && (!this.barTex || this.barTex.userData.cmap !== bar.colormap)) {
      this.barTex?.dispose();
      const t = lut(bar.colormap);
      const px = new Uint8Array(4 * 256);
      for (let q = 0; q < 256; q++) {
        px.set(t.subarray(3 * q, 3 * q + 3), 4 * q);
        px[4 * q + 3] = 255;
      }
      this.barTex = new DataTexture(px, 1, 256, RGBAFormat, UnsignedByteType);
      this.barTex.colorSpace = SRGBColorSpace;
      this.barTex.magFilter = this.barTex.minFilter = NearestFilter;
      this.barTex.userData.cmap = bar.colormap;
      this.barTex.needsUpdate = true;
      this.barMesh.material.map = this.barTex;
      this.barMesh.material.needsUpdate = true;
    }
  }

  /** Lays the overlay out for a canvas of width × height CSS pixels seen through `view` (call before each render). */
  update(view: Camera, width: number, height: number, dpr: number): void {
    this.camera.right = width;
    this.camera.top = height;
    this.camera.updateProjectionMatrix();
    const c = this.textCanvas;
    this.textTex = fitTextTexture(
      c,
      this.textTex,
      this.text.material,
      Math.max(1, Math.round(width * dpr)),
      Math.max(1, Math.round(height * dpr)),
    );
    const g = c.getContext('2d') as CanvasRenderingContext2D;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.fillStyle = INK;
    g.font = '12px sans-serif';
    const labels: TextBox[] = [];
    const put = (text: string, x: number, y: number, align: CanvasTextAlign = 'center') => {
      g.textAlign = align;
      g.textBaseline = 'middle';
      g.fillText(text, x, y);
      const w = g.measureText(text).width;
      labels.push({ text, x: align === 'center' ? x - w / 2 : align === 'right' ? x - w : x, y: y - 7, w, h: 14 });
    };
    const project = (p: Vector3): [number, number] | null => {
      const q = p.clone().project(view);
      if (q.z < -1 || q.z > 1) return null;
      return [((q.x + 1) / 2) * width, ((1 - q.y) / 2) * height];
    };
    // tick labels (every other tick on a crowded edge), then the axis names past the edge ends
    const L = this.L,
      len = 0.08 * Math.max(L.x, L.y, L.z);
    const edges: [Vector3, Vector3, number][] = [
      [new Vector3(1, 0, 0), new Vector3(0, -len, 0), L.x],
      [new Vector3(0, 1, 0), new Vector3(-len, 0, 0), L.y],
      [new Vector3(0, 0, 1), new Vector3(-len, 0, 0), L.z],
    ];
    const names = ['x', 'y', 'z'];
    edges.forEach(([dir, off, size], a) => {
      const n = Math.floor(size / this.tickUm + 1e-9);
      const every = n > 6 ? 2 : 1;
      for (let k = 0; k <= n; k += every) {
        if (a > 0 && k === 0) continue; // the origin is labelled once, on x
        const p = project(
          dir
            .clone()
            .multiplyScalar(k * this.tickUm)
            .add(off),
        );
        if (p) put(String(Number((k * this.tickUm).toPrecision(6))), p[0], p[1]);
      }
      const end = project(
        dir
          .clone()
          .multiplyScalar(size + 1.5 * len)
          .add(off.clone().multiplyScalar(0.5)),
      );
      if (end) put(`${names[a]} (µm)`, end[0], end[1]);
    });
    if (this.title) {
      g.font = '13px sans-serif';
      put(this.title, 10, 14, 'left');
    }
    let bar: HudLayout['bar'] = null;
    this.barMesh.visible = this.bar !== null;
    if (this.bar) {
      const h = Math.min(220, Math.max(80, height * 0.4));
      bar = { x: width - 74, y: 46, w: BAR_W, h };
      this.barMesh.scale.set(BAR_W, h, 1);
      this.barMesh.position.set(bar.x + BAR_W / 2, height - bar.y - h / 2, 0);
      g.font = '12px sans-serif';
      const [lo, hi] = this.bar.range;
      put(this.bar.label, width - 8, bar.y - 30, 'right');
      if (this.bar.unit) put(this.bar.unit, bar.x, bar.y - 15, 'left');
      for (const [v, y] of [
        [hi, bar.y],
        [(lo + hi) / 2, bar.y + h / 2],
        [lo, bar.y + h],
      ] as const) {
        g.fillRect(bar.x + BAR_W, y - 0.5, 4, 1);
        put(tickLabel(v, lo, hi), bar.x + BAR_W + 6, y, 'left');
      }
      g.strokeStyle = INK;
      g.strokeRect(bar.x - 0.5, bar.y - 0.5, BAR_W + 1, h + 1);
    }
    this.textTex.needsUpdate = true;
    this.text.scale.set(width, height, 1);
    this.text.position.set(width / 2, height / 2, 5);
    this.lay = { bar, tickUm: this.tickUm, labels };
  }

  layout(): HudLayout {
    return this.lay;
  }

  dispose(): void {
    this.ticks.geometry.dispose();
    this.barTex?.dispose();
    this.textTex.dispose();
  }
}
