/**
 * The browser page (examples/browser/index.html, `npm run serve`): pick or load a scenario,
 * edit it with live controls (validated by the CLI's parseScenario, refused with its messages),
 * run it on the chosen backend (createBackend's order and log; `?backend=` forces one), watch
 * the 2D map and the 3D surface (src/render/), export the fields as .vti and the picture as
 * .png, share the scenario through the URL. It also installs the backend host
 * (src/browser/backend-host.ts) so Node can drive backends in this very page, and exposes
 * `window.lidendriteApp` for the headless tests (test/browser/page.test.ts).
 */
import type { BackendName } from '../backends/create.ts';
import { installBackendHost } from '../browser/backend-host.ts';
import { encodeWire } from '../browser/wire.ts';
import { encodeVti } from '../io/vti.ts';
import { parseScenario, ScenarioError, type Scenario } from '../model/scenario.ts';
import { autoRange, QUANTITIES, quantityValues, slice, type PhysFields, type Quantity } from '../render/fields.ts';
import { MapView, type MapLayout } from '../render/map-view.ts';
import { SurfaceView } from '../render/surface-view.ts';
import { CONTROLS, controlText, parseControlText, withValue } from './controls.ts';
import { SimRunner, type RunnerStatus } from './runner.ts';
import { EXAMPLES } from './scenarios.ts';
import { backendFromQuery, decodeScenarioHash, encodeScenarioHash, hashParam } from './url-state.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A canvas's content box in CSS pixels of the page (the drawing buffer maps onto it). */
function rect(c: HTMLCanvasElement): Rect {
  const r = c.getBoundingClientRect();
  const cs = getComputedStyle(c);
  const bl = parseFloat(cs.borderLeftWidth) || 0,
    bt = parseFloat(cs.borderTopWidth) || 0;
  return { x: r.x + bl, y: r.y + bt, width: c.clientWidth, height: c.clientHeight };
}

/** What the headless tests read and drive (no clocks in anything they compare). */
export interface AppApi {
  ready: boolean;
  /** Bumped after every picture update. */
  frame: number;
  status(): RunnerStatus & { scenarioError: string | null; triangles: number; quantity: Quantity };
  /** `n` steps (paused), then a redraw. */
  stepN(n: number): Promise<void>;
  redraw(): Promise<void>;
  /** Map and 3D canvas positions in CSS pixels of the page, and the map's inner layout. */
  layout(): { mapCanvas: Rect; surfaceCanvas: Rect | null; map: MapLayout | null };
  /** Current ξ, c̃, φ (wire-encoded typed arrays). */
  fields(): Promise<unknown>;
  /** The scenario JSON the page runs. */
  scenario(): unknown;
  setQuantity(q: Quantity): Promise<void>;
  /** The .vti export of the current fields (text: uncompressed VTK XML is ASCII). */
  exportVti(): Promise<string | null>;
  /** The PNG export of a view (base64). */
  exportPng(view: 'map' | 'surface'): Promise<string | null>;
}

declare global {
  interface Window {
    lidendriteApp?: AppApi;
  }
}

let backendName: BackendName = 'auto';
let raw: unknown = null;
let scenario: Scenario | null = null;
let runner: SimRunner | null = null;
let lastFields: PhysFields | null = null;
let scenarioError: string | null = null;
let quantity: Quantity = 'xi';
let frame = 0;
let chain: Promise<unknown> = Promise.resolve();
const mapView = new MapView($<HTMLCanvasElement>('map'));
let surfaceView: SurfaceView | null = null;

/** Serialises UI actions (each waits for the one before). */
function act(f: () => Promise<void> | void): Promise<void> {
  const p = chain.then(f).catch((e) => showErrors(e instanceof Error ? e.message : String(e)));
  chain = p;
  return p;
}

function showErrors(text: string | null): void {
  scenarioError = text;
  const box = $('errors');
  box.hidden = text === null;
  box.textContent = text ?? '';
}

// ------------------------------------------------------------------ controls

function buildControls(): void {
  const form = $('controls');
  for (const def of CONTROLS) {
    const row = document.createElement('label');
    row.className = 'ctl';
    row.dataset.ctl = def.id;
    const input = document.createElement('input');
    input.id = `ctl-${def.id}`;
    input.name = def.id;
    input.type = 'text';
    row.append(def.label, input);
    const hint = document.createElement('small');
    hint.textContent = def.hint;
    row.append(hint);
    form.append(row);
    input.addEventListener('change', () => act(() => applyControl(def.id, input.value)));
  }
  form.addEventListener('submit', (e) => e.preventDefault());
}

function fillControls(): void {
  for (const def of CONTROLS) {
    const input = $<HTMLInputElement>(`ctl-${def.id}`);
    input.value = controlText(def, raw, scenario);
    input.removeAttribute('aria-invalid');
    (input.parentElement as HTMLElement).hidden = !!def.only3d && scenario?.grid.dims !== 3;
  }
}

async function applyControl(id: string, text: string): Promise<void> {
  const def = CONTROLS.find((c) => c.id === id)!;
  const next = withValue(raw, def.path, parseControlText(text));
  const sameGrid = !def.reset;
  const ok = await applyScenario(next, sameGrid ? 'continue' : 'reset');
  const input = $<HTMLInputElement>(`ctl-${id}`);
  if (!ok) input.setAttribute('aria-invalid', 'true');
}

// ------------------------------------------------------------------ scenario and runner

/** Validates `next` like the CLI; on success replaces the run (continuing from the current fields when asked). */
async function applyScenario(next: unknown, mode: 'reset' | 'continue'): Promise<boolean> {
  let s: Scenario;
  try {
    s = parseScenario(next);
  } catch (e) {
    if (e instanceof ScenarioError) {
      showErrors(e.message);
      return false;
    }
    throw e;
  }
  showErrors(null);
  const sameGrid = scenario !== null && s.grid.dims === scenario.grid.dims && s.grid.n.every((v, a) => v === scenario!.grid.n[a]);
  const wasRunning = runner?.status().running ?? false;
  await runner?.pause();
  const from = mode === 'continue' && runner && sameGrid ? await runner.snapshot() : undefined;
  await runner?.dispose();
  runner = null;
  raw = next;
  scenario = s;
  updateUrl();
  fillControls();
  syncPicker();
  setState('starting the backend…');
  runner = await SimRunner.create(s, backendName, from);
  runner.onUpdate = () => draw();
  configureViews();
  await draw();
  if (wasRunning) runner.run();
  return true;
}

/** The scenario and the map's quantity in the hash (a link to this view). */
function updateUrl(): void {
  history.replaceState(null, '', `${location.pathname}${location.search}#${encodeScenarioHash(raw)}&q=${quantity}`);
}

function syncPicker(): void {
  const pick = $<HTMLSelectElement>('scenario-pick');
  const text = JSON.stringify(raw);
  const hit = EXAMPLES.find((e) => JSON.stringify(e.raw) === text);
  pick.value = hit ? hit.id : '(custom)';
}

function configureViews(): void {
  const three = scenario?.grid.dims === 3;
  $('view3d-controls').hidden = !three;
  $('export-png3d').hidden = !three;
  const surf = $<HTMLCanvasElement>('surface');
  surf.hidden = !three;
  if (three && !surfaceView) surfaceView = new SurfaceView(surf);
  resize();
}

function resize(): void {
  const m = $<HTMLCanvasElement>('map');
  mapView.setSize(m.clientWidth, m.clientHeight);
  const s = $<HTMLCanvasElement>('surface');
  if (surfaceView && !s.hidden) surfaceView.setSize(s.clientWidth, s.clientHeight);
}

function setState(text: string): void {
  $('st-state').textContent = text;
}

function showStatus(): void {
  if (!runner) return;
  const st = runner.status();
  $('st-time').textContent = st.time.toPrecision(4);
  $('st-step').textContent = String(st.step);
  $('st-rate').textContent = st.running || st.stepsPerSecond > 0 ? st.stepsPerSecond.toFixed(1) : '–';
  $('st-backend').textContent = `${st.backend} — ${st.device}`;
  $('backend-log').textContent = st.log.join('\n');
  setState(st.error ? `stopped: ${st.error}` : st.finished ? 'finished (end time reached)' : st.running ? 'running' : 'paused');
}

/**
 * Redraw for a UI change: while the run loop is stepping it redraws on its own within
 * drawEveryMs (reading the fields between two of its steps, never in the middle of one).
 */
async function requestDraw(): Promise<void> {
  if (runner?.status().running) return;
  await draw();
}

/** Reads the fields and redraws both views. */
async function draw(): Promise<void> {
  if (!runner || !scenario) return;
  const s = scenario;
  const f = await runner.fields();
  lastFields = f;
  showStatus();
  const [nx, ny, nz] = s.grid.n;
  const dxUm = s.grid.dx * 1e6;
  const info = QUANTITIES[quantity];
  const values = quantityValues(quantity, s, f);
  const t = runner.time.toPrecision(4);
  if (s.grid.dims === 2) {
    mapView.show({
      data: values,
      nx,
      ny,
      dxUm,
      colormap: info.colormap,
      range: info.fixedRange ?? autoRange(values),
      title: `${s.name}: ${info.label}, t = ${t} s`,
      unit: info.unit,
      contour: f.xi,
    });
  } else {
    const zIndex = Math.min(nz - 1, Math.floor(Number($<HTMLInputElement>('slice-z-pos').value) * nz));
    const sl = slice(values, s.grid.n, 'z', zIndex);
    mapView.show({
      data: sl.data,
      nx,
      ny,
      dxUm,
      colormap: info.colormap,
      range: info.fixedRange ?? autoRange(values),
      title: `${s.name}: ${info.label}, t = ${t} s, z = ${((zIndex + 0.5) * dxUm).toPrecision(3)} µm`,
      unit: info.unit,
      contour: slice(f.xi, s.grid.n, 'z', zIndex).data,
    });
    const colorBy = $<HTMLSelectElement>('color-by').value as 'none' | 'c' | 'phi';
    const slices: Record<'x' | 'y' | 'z', number | null> = { x: null, y: null, z: null };
    for (const a of ['x', 'y', 'z'] as const) {
      if ($<HTMLInputElement>(`slice-${a}`).checked) slices[a] = Number($<HTMLInputElement>(`slice-${a}-pos`).value);
    }
    surfaceView!.show({
      n: s.grid.n,
      dxUm,
      xi: f.xi,
      colorBy: colorBy === 'none' ? null : { data: f[colorBy], colormap: QUANTITIES[colorBy].colormap },
      sliceField: { data: values, colormap: info.colormap, range: info.fixedRange },
      slices,
    });
    surfaceView!.render();
  }
  mapView.render();
  frame++;
}

// ------------------------------------------------------------------ exports

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** The current fields as a .vti file: the run writer's layout (cell data xi, c, phi; TIME, STEP), uncompressed (zlib is Node's). */
function vtiBytes(): { bytes: Uint8Array; name: string } | null {
  if (!scenario || !runner || !lastFields) return null;
  const s = scenario;
  const st = runner.status();
  const bytes = encodeVti({
    dims: s.grid.n,
    spacing: [s.grid.dx, s.grid.dx, s.grid.dx],
    fields: [
      { name: 'xi', data: lastFields.xi },
      { name: 'c', data: lastFields.c },
      { name: 'phi', data: lastFields.phi },
    ],
    fieldData: { TIME: st.time, STEP: st.step },
    compress: false,
  });
  return { bytes, name: `${s.name}_step${st.step}.vti` };
}

function exportVti(): void {
  const v = vtiBytes();
  if (v) download(new Blob([v.bytes as BlobPart], { type: 'application/xml' }), v.name);
}

/** What canvas.toBlob gives for a view (the PNG export), base64. */
function pngBase64(canvas: HTMLCanvasElement): Promise<string | null> {
  return new Promise((resolve) =>
    canvas.toBlob(async (b) => {
      if (!b) {
        resolve(null);
        return;
      }
      const bytes = new Uint8Array(await b.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      resolve(btoa(bin));
    }, 'image/png'),
  );
}

function exportPng(canvas: HTMLCanvasElement, suffix: string): void {
  if (!scenario || !runner) return;
  const name = `${scenario.name}_${suffix}_step${runner.status().step}.png`;
  canvas.toBlob((b) => {
    if (b) download(b, name);
  }, 'image/png');
}

// ------------------------------------------------------------------ start

function wire(): void {
  const pick = $<HTMLSelectElement>('scenario-pick');
  for (const e of EXAMPLES) pick.add(new Option(e.id, e.id));
  pick.add(new Option('(custom: from the link or a file)', '(custom)'));
  pick.addEventListener('change', () =>
    act(async () => {
      const e = EXAMPLES.find((x) => x.id === pick.value);
      if (e) await applyScenario(e.raw, 'reset');
    }),
  );
  $('load').addEventListener('click', () => $<HTMLInputElement>('load-file').click());
  $<HTMLInputElement>('load-file').addEventListener('change', (ev) =>
    act(async () => {
      const input = ev.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = '';
      if (!file) return;
      let next: unknown;
      try {
        next = JSON.parse((await file.text()).replace(/^\uFEFF/, ''));
      } catch (e) {
        // the CLI's wording for a file that is not JSON (src/io/load.ts)
        showErrors(`invalid scenario:\n  - ${file.name}: not valid JSON (${(e as Error).message})`);
        return;
      }
      await applyScenario(next, 'reset');
    }),
  );
  $('save').addEventListener('click', () => {
    const name = scenario?.name ?? 'scenario';
    download(new Blob([JSON.stringify(raw, null, 2) + '\n'], { type: 'application/json' }), `${name}.json`);
  });
  $('share').addEventListener('click', () => {
    void navigator.clipboard?.writeText(location.href).catch(() => {});
  });
  $('run').addEventListener('click', () =>
    act(() => {
      runner?.run();
      showStatus();
    }),
  );
  $('pause').addEventListener('click', () =>
    act(async () => {
      await runner?.pause();
      await draw();
    }),
  );
  $('step').addEventListener('click', () =>
    act(async () => {
      await runner?.stepN(1);
      await draw();
    }),
  );
  $('reset').addEventListener('click', () =>
    act(async () => {
      await applyScenario(raw, 'reset');
    }),
  );
  $('quantity').addEventListener('change', () =>
    act(async () => {
      quantity = $<HTMLSelectElement>('quantity').value as Quantity;
      updateUrl();
      await requestDraw();
    }),
  );
  for (const id of ['color-by', 'slice-x', 'slice-y', 'slice-z', 'slice-x-pos', 'slice-y-pos', 'slice-z-pos']) {
    $(id).addEventListener(id.endsWith('-pos') ? 'input' : 'change', () => act(() => requestDraw()));
  }
  $('export-vti').addEventListener('click', exportVti);
  $('export-png').addEventListener('click', () => exportPng(mapView.canvas, `${quantity}-map`));
  $('export-png3d').addEventListener('click', () => surfaceView && exportPng(surfaceView.canvas, '3d'));
  new ResizeObserver(() =>
    act(async () => {
      resize();
      await requestDraw();
    }),
  ).observe($('views'));
}

async function start(): Promise<void> {
  installBackendHost();
  buildControls();
  wire();
  const api: AppApi = {
    ready: false,
    get frame() {
      return frame;
    },
    status: () => ({ ...(runner?.status() ?? ({} as RunnerStatus)), scenarioError, triangles: surfaceView?.triangles ?? 0, quantity }),
    stepN: (n) =>
      act(async () => {
        await runner?.stepN(n);
        await draw();
      }),
    redraw: () => act(() => requestDraw()),
    layout: () => ({
      mapCanvas: rect(mapView.canvas),
      surfaceCanvas: surfaceView && !surfaceView.canvas.hidden ? rect(surfaceView.canvas) : null,
      map: mapView.layout(),
    }),
    fields: async () => {
      await chain;
      return lastFields ? encodeWire(lastFields) : null;
    },
    scenario: () => raw,
    setQuantity: (q) =>
      act(async () => {
        quantity = q;
        $<HTMLSelectElement>('quantity').value = q;
        updateUrl();
        await requestDraw();
      }),
    exportVti: async () => {
      await chain;
      const v = vtiBytes();
      return v ? new TextDecoder().decode(v.bytes) : null;
    },
    exportPng: async (view) => {
      await chain;
      const c = view === 'map' ? mapView.canvas : surfaceView?.canvas;
      return c ? pngBase64(c) : null;
    },
  };
  window.lidendriteApp = api;
  const problems: string[] = [];
  try {
    backendName = backendFromQuery(location.search);
  } catch (e) {
    problems.push((e as Error).message);
  }
  let initial: unknown = null;
  try {
    initial = decodeScenarioHash(location.hash);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const q = hashParam(location.hash, 'q');
  if (q !== null) {
    if (q in QUANTITIES) {
      quantity = q as Quantity;
      $<HTMLSelectElement>('quantity').value = q;
    } else problems.push(`#q=${q} is not one of ${Object.keys(QUANTITIES).join(', ')}`);
  }
  await act(async () => {
    const fallback = EXAMPLES.find((e) => e.id === 'default') ?? EXAMPLES[0];
    if (initial === null || !(await applyScenario(initial, 'reset'))) {
      const kept = scenarioError;
      await applyScenario(fallback.raw, 'reset');
      if (kept) problems.push(`the scenario in the link was refused; showing "${fallback.id}" instead:\n${kept}`);
    }
    if (problems.length) showErrors(problems.join('\n'));
  });
  api.ready = true;
}

void start();
