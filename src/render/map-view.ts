/**
 * The 2D map: one field of a 2D run (or a slice of a 3D one) drawn with three.js
 * (WebGLRenderer, orthographic camera in CSS pixels): the colour-mapped cells (one texel per
 * cell, nearest filtering, y up), the ξ = 0.5 contour (white line with a black halo, as in the
 * PNG writer), a colour bar with its range and unit, a µm scale bar, a title and, when asked, a
 * line-profile segment. Text is drawn into a 2D canvas used as a texture over the scene, so the
 * WebGL canvas alone is the complete picture (the PNG export is exactly what is shown). The
 * title shrinks, then is cut with an ellipsis, to fit the canvas; every text box is in layout()
 * so tests can check that nothing overlaps or leaves the canvas. Works on a page's canvas and on
 * an OffscreenCanvas in a worker (render-worker.ts).
 */
import {
  CanvasTexture,
  Color,
  DataTexture,
  Group,
  Mesh,
  MeshBasicMaterial,
  NearestFilter,
  OrthographicCamera,
  PlaneGeometry,
  RGBAFormat,
  SRGBColorSpace,
  Scene,
  UnsignedByteType,
  Vector2,
  WebGLRenderer,
} from 'three';
import { LineMaterial } from 'three/addons/lines/LineMaterial.js';
import { LineSegments2 } from 'three/addons/lines/LineSegments2.js';
import { LineSegmentsGeometry } from 'three/addons/lines/LineSegmentsGeometry.js';
import type { ColormapName } from '../io/colormap.ts';
import { contourSegments } from './contour.ts';
import { colorize, lut, niceLength, tickLabel } from './fields.ts';

export interface MapSpec {
  /** Cell values, index i + nx*j (x to the right, y up). */
  data: ArrayLike<number>;
  nx: number;
  ny: number;
  /** Cell size, µm. */
  dxUm: number;
  colormap: ColormapName;
  range: [number, number];
  title: string;
  unit: string;
  /** ξ on the same cells: its 0.5 contour is drawn. */
  contour?: ArrayLike<number>;
  /** A line-profile segment to draw, endpoints in µm from the map's lower-left corner. */
  profile?: [number, number, number, number] | null;
}

/** A text's box in CSS pixels from the canvas's top-left corner. */
export interface TextBox {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where the parts of the picture are, in CSS pixels from the canvas's top-left corner. */
export interface MapLayout {
  width: number;
  height: number;
  map: { x: number; y: number; w: number; h: number };
  bar: { x: number; y: number; w: number; h: number };
  scaleBar: { x: number; y: number; w: number; lengthUm: number };
  /** The texts drawn: title, unit (absent when the quantity has none), tick labels, scale label. */
  text: { title: TextBox & { fontPx: number }; unit: TextBox | null; ticks: TextBox[]; scale: TextBox };
}

/** A 2D canvas for text: an element on a page, an OffscreenCanvas in a worker. */
export function textCanvas(): HTMLCanvasElement | OffscreenCanvas {
  return typeof document !== 'undefined' ? document.createElement('canvas') : new OffscreenCanvas(1, 1);
}

/**
 * Sizes a text canvas to width × height device pixels and returns the texture to draw it with: a
 * GPU texture keeps the size it was created with, so a resized canvas gets a new one, put on
 * `material` (the old one disposed); an unchanged size keeps `tex`.
 */
export function fitTextTexture(
  c: HTMLCanvasElement | OffscreenCanvas,
  tex: CanvasTexture<HTMLCanvasElement | OffscreenCanvas>,
  material: MeshBasicMaterial,
  width: number,
  height: number,
): CanvasTexture<HTMLCanvasElement | OffscreenCanvas> {
  if (c.width === width && c.height === height) return tex;
  c.width = width;
  c.height = height;
  tex.dispose();
  const t = new CanvasTexture(c);
  t.colorSpace = SRGBColorSpace;
  material.map = t;
  material.needsUpdate = true;
  return t;
}

/** Size and pixel ratio of a view's canvas (a worker cannot ask the page). */
export interface ViewSize {
  width: number;
  height: number;
  dpr: number;
}

/**
 * The cell under a point of the map canvas (CSS pixels from its top-left corner) and the point
 * in µm from the map's lower-left corner; null off the map.
 */
export function cellAt(
  l: MapLayout,
  nx: number,
  ny: number,
  dxUm: number,
  px: number,
  py: number,
): { i: number; j: number; xUm: number; yUm: number } | null {
  const u = (px - l.map.x) / l.map.w,
    v = (l.map.y + l.map.h - py) / l.map.h;
  if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) return null;
  return { i: Math.min(nx - 1, Math.floor(u * nx)), j: Math.min(ny - 1, Math.floor(v * ny)), xUm: u * nx * dxUm, yUm: v * ny * dxUm };
}

const MARGIN = { left: 16, right: 110, top: 58, bottom: 48 };
const BAR_W = 18;
const BG = 0xffffff;
const INK = '#141414';

export class MapView {
  readonly renderer: WebGLRenderer;
  private scene = new Scene();
  private camera = new OrthographicCamera(0, 1, 1, 0, -10, 10);
  private field: Group = new Group();
  private mapMesh: Mesh<PlaneGeometry, MeshBasicMaterial>;
  private tex: DataTexture | null = null;
  private barMesh: Mesh<PlaneGeometry, MeshBasicMaterial>;
  private barTex: DataTexture | null = null;
  private scaleMesh: Mesh<PlaneGeometry, MeshBasicMaterial>;
  private halo: LineSegments2;
  private line: LineSegments2;
  private profHalo: LineSegments2;
  private profLine: LineSegments2;
  private text: Mesh<PlaneGeometry, MeshBasicMaterial>;
  private textCanvas: HTMLCanvasElement | OffscreenCanvas;
  private textTex: CanvasTexture<HTMLCanvasElement | OffscreenCanvas>;
  private spec: MapSpec | null = null;
  private lay: MapLayout | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    size?: ViewSize,
  ) {
    // preserveDrawingBuffer: the picture stays readable for toBlob and screenshots after a frame
    this.renderer = new WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(size?.dpr ?? (typeof window !== 'undefined' ? window.devicePixelRatio : 1) ?? 1);
    this.scene.background = new Color(BG);
    this.mapMesh = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ color: 0xffffff }));
    this.field.add(this.mapMesh);
    const haloMat = new LineMaterial({ color: 0x000000, linewidth: 4, worldUnits: false });
    const lineMat = new LineMaterial({ color: 0xffffff, linewidth: 2, worldUnits: false });
    this.halo = new LineSegments2(new LineSegmentsGeometry(), haloMat);
    this.line = new LineSegments2(new LineSegmentsGeometry(), lineMat);
    this.halo.position.z = 1;
    this.line.position.z = 2;
    this.field.add(this.halo, this.line);
    // the profile segment: magenta (in none of the colormaps) over a black halo
    this.profHalo = new LineSegments2(new LineSegmentsGeometry(), new LineMaterial({ color: 0x000000, linewidth: 5, worldUnits: false }));
    this.profLine = new LineSegments2(new LineSegmentsGeometry(), new LineMaterial({ color: 0xff00ff, linewidth: 2.5, worldUnits: false }));
    this.profHalo.position.z = 3;
    this.profLine.position.z = 4;
    this.profHalo.visible = this.profLine.visible = false;
    this.field.add(this.profHalo, this.profLine);
    this.scene.add(this.field);
    this.barMesh = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ color: 0xffffff }));
    this.scaleMesh = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ color: new Color(INK) }));
    this.scene.add(this.barMesh, this.scaleMesh);
    this.textCanvas = textCanvas();
    this.textTex = new CanvasTexture(this.textCanvas);
    this.textTex.colorSpace = SRGBColorSpace;
    this.text = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ map: this.textTex, transparent: true, depthTest: false }));
    this.text.position.z = 5;
    this.text.renderOrder = 10;
    this.scene.add(this.text);
    const el = canvas as Partial<HTMLCanvasElement>;
    this.setSize(size?.width ?? (el.clientWidth || 800), size?.height ?? (el.clientHeight || 500));
  }

  /** Resizes the drawing buffer (CSS pixels). */
  setSize(width: number, height: number): void {
    this.renderer.setSize(width, height, false);
    this.camera.left = 0;
    this.camera.right = width;
    this.camera.top = height;
    this.camera.bottom = 0;
    this.camera.updateProjectionMatrix();
    const dpr = this.renderer.getPixelRatio();
    for (const l of [this.halo, this.line, this.profHalo, this.profLine]) l.material.resolution.set(width * dpr, height * dpr);
    if (this.spec) this.show(this.spec);
  }

  /** Draws a field (call render() or let the caller's frame loop do it). */
  show(spec: MapSpec): void {
    const { nx, ny, dxUm } = spec;
    if (spec.data.length !== nx * ny) throw new Error(`MapView: data has ${spec.data.length} values, the grid ${nx * ny}`);
    this.spec = spec;
    const size = this.renderer.getSize(new Vector2());
    const W = size.x,
      H = size.y;
    // the map keeps the domain's aspect ratio inside the space the margins leave
    const Lx = nx * dxUm,
      Ly = ny * dxUm;
    const availW = Math.max(10, W - MARGIN.left - MARGIN.right),
      availH = Math.max(10, H - MARGIN.top - MARGIN.bottom);
    const ppu = Math.min(availW / Lx, availH / Ly);
    const mw = Math.floor(Lx * ppu),
      mh = Math.floor(Ly * ppu);
    const mx = MARGIN.left,
      myTop = MARGIN.top;
    // cells: a texture with one texel per cell (sRGB values straight from the colour table)
    const pixels = colorize(spec.data, spec.colormap, spec.range);
    if (!this.tex || this.tex.image.width !== nx || this.tex.image.height !== ny) {
      this.tex?.dispose();
      this.tex = new DataTexture(pixels, nx, ny, RGBAFormat, UnsignedByteType);
      this.tex.magFilter = NearestFilter;
      this.tex.minFilter = NearestFilter;
      this.tex.colorSpace = SRGBColorSpace;
      this.mapMesh.material.map = this.tex;
      this.mapMesh.material.needsUpdate = true;
    } else {
      (this.tex.image.data as Uint8Array).set(pixels);
    }
    this.tex.needsUpdate = true;
    // the field group is in µm with the origin at the map's lower-left corner
    this.field.position.set(mx, H - myTop - mh, 0);
    this.field.scale.set(mw / Lx, mh / Ly, 1);
    this.mapMesh.scale.set(Lx, Ly, 1);
    this.mapMesh.position.set(Lx / 2, Ly / 2, 0);
    // the ξ = 0.5 contour through the cell centres
    const seg = spec.contour
      ? contourSegments({ data: spec.contour, nx, ny, spacing: dxUm, origin: [dxUm / 2, dxUm / 2] }, 0.5)
      : new Float32Array(0);
    const pos3 = new Float32Array((seg.length / 2) * 3);
    for (let p = 0; p < seg.length / 2; p++) {
      pos3[3 * p] = seg[2 * p];
      pos3[3 * p + 1] = seg[2 * p + 1];
    }
    for (const l of [this.halo, this.line]) {
      l.geometry.dispose();
      l.geometry = new LineSegmentsGeometry();
      if (pos3.length) l.geometry.setPositions(pos3);
      l.visible = pos3.length > 0;
    }
    const pr = spec.profile;
    for (const l of [this.profHalo, this.profLine]) {
      l.geometry.dispose();
      l.geometry = new LineSegmentsGeometry();
      if (pr) l.geometry.setPositions([pr[0], pr[1], 0, pr[2], pr[3], 0]);
      l.visible = !!pr;
    }
    // colour bar: a 1 x 256 texture of the colour table, maximum at the top
    const bx = mx + mw + 24,
      bh = Math.max(mh, 120),
      byTop = myTop;
    if (!this.barTex || this.barTex.userData.cmap !== spec.colormap) {
      this.barTex?.dispose();
      const t = lut(spec.colormap);
      const px = new Uint8Array(4 * 256);
      for (let q = 0; q < 256; q++) {
        px.set(t.subarray(3 * q, 3 * q + 3), 4 * q);
        px[4 * q + 3] = 255;
      }
      this.barTex = new DataTexture(px, 1, 256, RGBAFormat, UnsignedByteType);
      this.barTex.colorSpace = SRGBColorSpace;
      this.barTex.magFilter = NearestFilter;
      this.barTex.minFilter = NearestFilter;
      this.barTex.userData.cmap = spec.colormap;
      this.barTex.needsUpdate = true;
      this.barMesh.material.map = this.barTex;
      this.barMesh.material.needsUpdate = true;
    }
    this.barMesh.scale.set(BAR_W, bh, 1);
    this.barMesh.position.set(bx + BAR_W / 2, H - byTop - bh / 2, 0);
    // scale bar: a round length near a fifth of the domain width
    const lengthUm = niceLength(Lx / 5);
    const sw = lengthUm * ppu;
    const sy = myTop + mh + 12;
    this.scaleMesh.scale.set(sw, 5, 1);
    this.scaleMesh.position.set(mx + sw / 2, H - sy - 2.5, 0);
    this.lay = {
      width: W,
      height: H,
      map: { x: mx, y: myTop, w: mw, h: mh },
      bar: { x: bx, y: byTop, w: BAR_W, h: bh },
      scaleBar: { x: mx, y: sy, w: sw, lengthUm },
      text: { title: { text: '', x: 0, y: 0, w: 0, h: 0, fontPx: 0 }, unit: null, ticks: [], scale: { text: '', x: 0, y: 0, w: 0, h: 0 } },
    };
    this.drawText(spec, this.lay);
  }

  private drawText(spec: MapSpec, l: MapLayout): void {
    const dpr = this.renderer.getPixelRatio();
    const c = this.textCanvas;
    this.textTex = fitTextTexture(c, this.textTex, this.text.material, Math.round(l.width * dpr), Math.round(l.height * dpr));
    const g = c.getContext('2d') as CanvasRenderingContext2D;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, l.width, l.height);
    g.fillStyle = INK;
    g.strokeStyle = '#5a5a5a';
    g.lineWidth = 1;
    g.textBaseline = 'top';
    // the title: 15 px, smaller down to 10 px when the canvas is narrow, then cut with an ellipsis
    const room = l.width - l.map.x - 8;
    let fontPx = 15;
    g.font = `${fontPx}px sans-serif`;
    while (fontPx > 10 && g.measureText(spec.title).width > room) g.font = `${--fontPx}px sans-serif`;
    let title = spec.title;
    if (g.measureText(title).width > room) {
      while (title.length > 1 && g.measureText(title + '…').width > room) title = title.slice(0, -1);
      title += '…';
    }
    g.fillText(title, l.map.x, 12);
    const box = (text: string, x: number, y: number, h: number): TextBox => ({ text, x, y, w: g.measureText(text).width, h });
    const titleBox = { ...box(title, l.map.x, 12, fontPx + 2), fontPx };
    g.strokeRect(l.map.x - 0.5, l.map.y - 0.5, l.map.w + 1, l.map.h + 1);
    g.strokeRect(l.bar.x - 0.5, l.bar.y - 0.5, l.bar.w + 1, l.bar.h + 1);
    g.font = '13px sans-serif';
    // the unit sits above the top tick label (which is centred on the bar's top edge), not on it
    let unit: TextBox | null = null;
    if (spec.unit) {
      unit = box(spec.unit, l.bar.x, l.bar.y - 28, 15);
      g.fillText(spec.unit, unit.x, unit.y);
    }
    const [lo, hi] = spec.range;
    const ticks: [number, number][] = [
      [hi, l.bar.y],
      [(lo + hi) / 2, l.bar.y + l.bar.h / 2],
      [lo, l.bar.y + l.bar.h],
    ];
    g.textBaseline = 'middle';
    const tickBoxes: TextBox[] = [];
    for (const [v, y] of ticks) {
      g.fillRect(l.bar.x + l.bar.w, y - 0.5, 5, 1);
      const t = tickLabel(v, lo, hi);
      g.fillText(t, l.bar.x + l.bar.w + 8, y);
      tickBoxes.push(box(t, l.bar.x + l.bar.w + 8, y - 7.5, 15));
    }
    g.textBaseline = 'top';
    const scaleText = `${tickLabel(l.scaleBar.lengthUm, 0, l.scaleBar.lengthUm)} µm`;
    g.fillText(scaleText, l.scaleBar.x, l.scaleBar.y + 10);
    l.text = { title: titleBox, unit, ticks: tickBoxes, scale: box(scaleText, l.scaleBar.x, l.scaleBar.y + 10, 15) };
    this.textTex.needsUpdate = true;
    this.text.scale.set(l.width, l.height, 1);
    this.text.position.set(l.width / 2, l.height / 2, 5);
  }

  /** The layout of the last show() (null before). */
  layout(): MapLayout | null {
    return this.lay;
  }

  render(): void {
    this.renderer.render(this.scene, this.camera);
  }

  dispose(): void {
    this.tex?.dispose();
    this.barTex?.dispose();
    this.textTex.dispose();
    for (const l of [this.halo, this.line, this.profHalo, this.profLine]) l.geometry.dispose();
    this.renderer.dispose();
  }
}
