/**
 * The 3D view: the lithium surface ξ = 0.5 of a 3D run (src/render/isosurface.ts, closed on the
 * domain faces so metal on the current collector is capped), lit (hemisphere light plus a
 * directional light that follows the camera, so shading reads from every side) and orbitable
 * (three's OrbitControls), optionally coloured by c̃ or φ, with movable slice planes that show a
 * field on a plane normal to x, y or z, and the domain's outline. Coordinates in µm; the
 * current collector is the x = 0 face. With `hud` (the browser app) it also draws a colour bar,
 * µm ticks on the edges through the origin and the axis names (surface-hud.ts); the figures'
 * surface renderer leaves them out. WebGLRenderer only (WebGPURenderer draws nothing in
 * headless Chromium here, ../shared/spec/environment.md).
 */
import {
  BoxGeometry,
  BufferAttribute,
  BufferGeometry,
  Color,
  DataTexture,
  DirectionalLight,
  DoubleSide,
  EdgesGeometry,
  HemisphereLight,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshBasicMaterial,
  MeshStandardMaterial,
  NearestFilter,
  PerspectiveCamera,
  PlaneGeometry,
  RGBAFormat,
  SRGBColorSpace,
  Scene,
  UnsignedByteType,
  Vector2,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import type { ColormapName } from '../io/colormap.ts';
import { autoRange, colorize, slice, type Axis } from './fields.ts';
import { extractIsosurface } from './isosurface.ts';
import type { ViewSize } from './map-view.ts';
import { SurfaceHud, type HudBar, type HudLayout } from './surface-hud.ts';

export interface VolumeSpec {
  n: [number, number, number];
  /** Cell size, µm. */
  dxUm: number;
  xi: ArrayLike<number>;
  /** Colour the surface by this field (per vertex, interpolated on the surface); none: plain metal. */
  colorBy?: { data: ArrayLike<number>; colormap: ColormapName; range?: [number, number] } | null;
  /** Field shown on the slice planes. */
  sliceField?: { data: ArrayLike<number>; colormap: ColormapName; range?: [number, number] } | null;
  /** Slice positions as a fraction 0..1 of the domain along each axis; null/undefined: no slice. */
  slices?: Partial<Record<Axis, number | null>>;
  /** The overlay's colour bar and title (views made with hud only). */
  hud?: { bar: HudBar | null; title: string };
}

const METAL = 0xb9c3cc;
/** Background colour of the 3D view (sRGB; the tests tell surface pixels from it). */
export const SURFACE_BACKGROUND = 0x1d2127;
const BG = SURFACE_BACKGROUND;

export class SurfaceView {
  readonly renderer: WebGLRenderer;
  readonly camera = new PerspectiveCamera(40, 1, 0.01, 1e5);
  /** Orbit controls on the canvas (views made with `controls: false`, e.g. in a worker, have none: setCamera() moves them). */
  readonly controls: OrbitControls | null;
  /** The point the camera looks at (the controls' target when there are controls). */
  readonly target = new Vector3();
  private scene = new Scene();
  private surface: Mesh<BufferGeometry, MeshStandardMaterial>;
  private outline: LineSegments;
  private slicePlanes = new Map<Axis, Mesh<PlaneGeometry, MeshBasicMaterial>>();
  private key = new DirectionalLight(0xffffff, 2.2);
  private dims: [number, number, number] | null = null;
  private dxUm = 1;
  /** Triangles in the last surface (diagnostics and tests). */
  triangles = 0;
  private hud: SurfaceHud | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement | OffscreenCanvas,
    opts: { hud?: boolean; controls?: boolean; size?: ViewSize } = {},
  ) {
    this.renderer = new WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(opts.size?.dpr ?? (typeof window !== 'undefined' ? window.devicePixelRatio : 1) ?? 1);
    this.scene.background = new Color(BG);
    this.scene.add(new HemisphereLight(0xdfe8f0, 0x3a3328, 0.9));
    // the key light rides with the camera (added to it), up and to the left of the view direction
    this.key.position.set(-0.6, 0.8, 0.4);
    this.camera.add(this.key);
    this.scene.add(this.camera);
    const mat = new MeshStandardMaterial({ color: METAL, metalness: 0.25, roughness: 0.45, side: DoubleSide });
    this.surface = new Mesh(new BufferGeometry(), mat);
    this.scene.add(this.surface);
    this.outline = new LineSegments(new BufferGeometry(), new LineBasicMaterial({ color: 0x8a96a3 }));
    this.scene.add(this.outline);
    if (opts.hud) {
      this.hud = new SurfaceHud();
      this.scene.add(this.hud.ticks);
      // the overlay is drawn over the finished 3D picture
      this.renderer.autoClear = false;
    }
    if (opts.controls !== false && typeof HTMLCanvasElement !== 'undefined' && canvas instanceof HTMLCanvasElement) {
      this.controls = new OrbitControls(this.camera, canvas);
      this.controls.target = this.target;
      this.controls.addEventListener('change', () => this.render());
    } else this.controls = null;
    const el = canvas as Partial<HTMLCanvasElement>;
    this.setSize(opts.size?.width ?? (el.clientWidth || 800), opts.size?.height ?? (el.clientHeight || 500));
  }

  setSize(width: number, height: number): void {
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    if (this.dims) this.frame(this.domain());
  }

  private domain(): Vector3 {
    const n = this.dims!;
    return new Vector3(n[0], n[1], n[2]).multiplyScalar(this.dxUm);
  }

  /** Rebuilds the surface and slices from the fields. */
  show(spec: VolumeSpec): void {
    const { n, dxUm } = spec;
    const N = n[0] * n[1] * n[2];
    if (spec.xi.length !== N) throw new Error(`SurfaceView: ξ has ${spec.xi.length} values, the grid ${N}`);
    const L = new Vector3(n[0] * dxUm, n[1] * dxUm, n[2] * dxUm);
    const first = !this.dims || this.dims.some((v, a) => v !== n[a]) || this.dxUm !== dxUm;
    this.dims = [...n];
    this.dxUm = dxUm;
    // samples at the cell centres; closed: caps lie on the domain faces
    const iso = extractIsosurface(
      { data: spec.xi, n, spacing: dxUm, origin: [dxUm / 2, dxUm / 2, dxUm / 2] },
      { level: 0.5, closed: true, outside: 0, attributes: spec.colorBy ? { v: spec.colorBy.data } : undefined },
    );
    const g = new BufferGeometry();
    g.setAttribute('position', new BufferAttribute(iso.positions, 3));
    g.setAttribute('normal', new BufferAttribute(iso.normals, 3));
    g.setIndex(new BufferAttribute(iso.indices, 1));
    const mat = this.surface.material;
    if (spec.colorBy) {
      const range = spec.colorBy.range ?? autoRange(spec.colorBy.data);
      const rgba = colorize(iso.attributes.v, spec.colorBy.colormap, range);
      const rgb = new Float32Array(iso.attributes.v.length * 3);
      const c = new Color();
      for (let v = 0; v < rgb.length / 3; v++) {
        // vertex colours are linear in three's pipeline: convert from the table's sRGB
        c.setRGB(rgba[4 * v] / 255, rgba[4 * v + 1] / 255, rgba[4 * v + 2] / 255, SRGBColorSpace);
        rgb[3 * v] = c.r;
        rgb[3 * v + 1] = c.g;
        rgb[3 * v + 2] = c.b;
      }
      g.setAttribute('color', new BufferAttribute(rgb, 3));
      mat.vertexColors = true;
      mat.color.set(0xffffff);
    } else {
      mat.vertexColors = false;
      mat.color.set(METAL);
    }
    mat.needsUpdate = true;
    this.surface.geometry.dispose();
    this.surface.geometry = g;
    this.triangles = iso.indices.length / 3;
    if (first) {
      this.outline.geometry.dispose();
      const box = new BoxGeometry(L.x, L.y, L.z);
      box.translate(L.x / 2, L.y / 2, L.z / 2);
      this.outline.geometry = new EdgesGeometry(box);
      box.dispose();
      this.hud?.setDomain(L);
      this.frame(L);
    }
    if (spec.hud) this.hud?.setContent(spec.hud.bar, spec.hud.title);
    this.updateSlices(spec, L);
  }

  /** Places the camera to see the whole domain from an oblique angle (the default view). */
  frame(L: Vector3): void {
    const centre = L.clone().multiplyScalar(0.5);
    const r = L.length() / 2;
    // the bounding sphere must fit the narrower of the two fields of view
    const vHalf = (this.camera.fov * Math.PI) / 360;
    const hHalf = Math.atan(Math.tan(vHalf) * this.camera.aspect);
    const dist = (r / Math.sin(Math.min(vHalf, hHalf))) * 1.02;
    // from the electrolyte side (large x), above and to the side: the deposit faces the viewer
    const dir = new Vector3(1.0, -0.75, 0.85).normalize();
    this.camera.up.set(0, 0, 1);
    this.camera.position.copy(centre).addScaledVector(dir, dist);
    this.camera.near = dist / 100;
    this.camera.far = dist * 10;
    this.camera.updateProjectionMatrix();
    this.target.copy(centre);
    this.aim();
  }

  private updateSlices(spec: VolumeSpec, L: Vector3): void {
    const n = spec.n;
    for (const axis of ['x', 'y', 'z'] as const) {
      const frac = spec.slices?.[axis];
      let plane = this.slicePlanes.get(axis);
      if (frac === undefined || frac === null || !spec.sliceField) {
        if (plane) plane.visible = false;
        continue;
      }
      const a = { x: 0, y: 1, z: 2 }[axis];
      const index = Math.min(n[a] - 1, Math.max(0, Math.floor(frac * n[a])));
      const s = slice(spec.sliceField.data, n, axis, index);
      const range = spec.sliceField.range ?? autoRange(spec.sliceField.data);
      const px = colorize(s.data, spec.sliceField.colormap, range);
      if (!plane) {
        plane = new Mesh(new PlaneGeometry(1, 1), new MeshBasicMaterial({ side: DoubleSide, transparent: true, opacity: 0.92 }));
        this.slicePlanes.set(axis, plane);
        this.scene.add(plane);
      }
      plane.visible = true;
      const old = plane.material.map;
      const tex = new DataTexture(px, s.nu, s.nv, RGBAFormat, UnsignedByteType);
      tex.colorSpace = SRGBColorSpace;
      tex.magFilter = NearestFilter;
      tex.minFilter = NearestFilter;
      tex.needsUpdate = true;
      plane.material.map = tex;
      plane.material.needsUpdate = true;
      old?.dispose();
      // the plane's local (u, v) axes map onto the slice's (u, v) axes (see fields.ts slice())
      const pos = (index + 0.5) * spec.dxUm;
      plane.rotation.set(0, 0, 0);
      if (axis === 'z') {
        plane.scale.set(L.x, L.y, 1);
        plane.position.set(L.x / 2, L.y / 2, pos);
      }
      if (axis === 'y') {
        plane.scale.set(L.x, L.z, 1);
        plane.rotation.set(Math.PI / 2, 0, 0);
        plane.position.set(L.x / 2, pos, L.z / 2);
      }
      if (axis === 'x') {
        plane.scale.set(L.y, L.z, 1);
        plane.rotation.set(Math.PI / 2, Math.PI / 2, 0, 'ZXY');
        plane.position.set(pos, L.y / 2, L.z / 2);
      }
    }
  }

  /** The camera's position and target (µm). */
  cameraState(): [number, number, number, number, number, number] {
    const p = this.camera.position,
      t = this.target;
    return [p.x, p.y, p.z, t.x, t.y, t.z];
  }

  /** Places the camera (position and target, µm; e.g. from a shared link). */
  setCamera(c: readonly number[]): void {
    this.camera.position.set(c[0], c[1], c[2]);
    this.target.set(c[3], c[4], c[5]);
    const dist = this.camera.position.distanceTo(this.target);
    this.camera.near = dist / 100;
    this.camera.far = dist * 10;
    this.camera.updateProjectionMatrix();
    this.aim();
  }

  /** Points the camera at the target (through the controls when there are any). */
  private aim(): void {
    if (this.controls) this.controls.update();
    else {
      this.camera.lookAt(this.target);
      this.camera.updateMatrixWorld();
    }
  }

  /** The overlay's layout of the last render (null without hud). */
  hudLayout(): HudLayout | null {
    return this.hud?.layout() ?? null;
  }

  render(): void {
    if (!this.hud) {
      this.renderer.render(this.scene, this.camera);
      return;
    }
    const size = this.renderer.getSize(new Vector2());
    this.renderer.clear();
    this.renderer.render(this.scene, this.camera);
    this.hud.update(this.camera, size.x, size.y, this.renderer.getPixelRatio());
    this.renderer.clearDepth();
    this.renderer.render(this.hud.scene, this.hud.camera);
  }

  dispose(): void {
    this.controls?.dispose();
    this.surface.geometry.dispose();
    this.outline.geometry.dispose();
    this.hud?.dispose();
    for (const p of this.slicePlanes.values()) {
      p.material.map?.dispose();
      p.geometry.dispose();
    }
    this.renderer.dispose();
  }
}
