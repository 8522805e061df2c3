/**
 * The browser page (examples/browser/index.html, `npm run serve`): pick, load or edit a scenario
 * (form controls for the common switches and a JSON editor for everything, both validated by the
 * CLI's parseScenario and refused with its messages), run it in the solver worker on the chosen
 * backend (sim-client.ts; createBackend's order and log), watch the map, the 3D surface, live
 * plots of the metrics and a line profile, read values under the pointer, export the fields
 * (.vti), the pictures (.png), the metrics (.csv) and the profile (.csv), and share all of it
 * (scenario, view, backend) through the link. It also installs the backend host
 * (src/browser/backend-host.ts) so Node can drive backends in this very page, and exposes
 * `window.lidendriteApp` for the headless tests (test/browser/page.test.ts).
 */
import type { BackendName } from '../backends/create.ts';
import { installBackendHost } from '../browser/backend-host.ts';
import { encodeWire } from '../browser/wire.ts';
import { COLORMAPS, type ColormapName } from '../io/colormap.ts';
import { encodeVti } from '../io/vti.ts';
import { parseScenario, ScenarioError, type Scenario } from '../model/scenario.ts';
import type { MapLayout } from '../render/map-view.ts';
import { profileCsv } from '../render/profile.ts';
import type { QuantityInfo } from '../render/quantities.ts';
import type { HudLayout } from '../render/surface-hud.ts';
import { changeKind, type ChangeKind } from './controls.ts';
import { ScenarioEditor } from './editor.ts';
import type { Frame } from './engine.ts';
import { buildForms, fillForms } from './forms.ts';
import { MetricsHistory } from './history.ts';
import { PageViews } from './page-views.ts';
import { Plots } from './plots.ts';
import { SimRunner } from './runner.ts';
import { EXAMPLES } from './scenarios.ts';
import { copyLink, type ShareResult } from './share.ts';
import { startSim } from './sim-client.ts';
import {
  backendFromQuery,
  decodeScenarioHash,
  encodeHash,
  queryWithBackend,
  threadFromQuery,
  viewFromHash,
  type RangeMode,
  type ViewState,
} from './url-state.ts';

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

export interface AppStatus {
  time: number;
  step: number;
  dt: number;
  end: number;
  running: boolean;
  finished: boolean;
  /** Steps per second while running; null when paused. */
  stepsPerSecond: number | null;
  backend: string;
  device: string;
  /** Where the solver steps: 'worker' or 'main'. */
  where: string;
  log: string[];
  error: string | null;
  scenarioError: string | null;
  triangles: number;
  quantity: string;
  quantities: QuantityInfo[];
  range: [number, number];
  rangeMode: RangeMode;
  colormap: ColormapName;
  /** Metrics rows collected and the plots shown (id, points). */
  rows: number;
  plots: { id: string; points: number }[];
  crossOriginIsolated: boolean;
  /** Where the pictures are drawn: 'worker' or 'main'. */
  renderWhere: string;
  /** Views whose WebGL context the browser took away. */
  lostViews: string[];
  /** The 3D camera (position and target, µm); null for a 2D run. */
  camera: number[] | null;
}

/** What the headless tests read and drive (no clocks in anything they compare). */
export interface AppApi {
  ready: boolean;
  /** Bumped after every picture update. */
  frame: number;
  status(): AppStatus;
  /** `n` steps (paused), then a redraw. */
  stepN(n: number): Promise<void>;
  redraw(): Promise<void>;
  /** Map and 3D canvas positions in CSS pixels of the page, the map's inner layout and the 3D overlay's. */
  layout(): { mapCanvas: Rect; surfaceCanvas: Rect | null; map: MapLayout | null; hud: HudLayout | null };
  /** Current ξ, c̃, φ (wire-encoded typed arrays), read now. */
  fields(): Promise<unknown>;
  /** The scenario JSON the page runs. */
  scenario(): unknown;
  setQuantity(q: string): Promise<void>;
  /** The .vti export of the current fields (text: uncompressed VTK XML is ASCII). */
  exportVti(): Promise<string | null>;
  /** The PNG export of a view (base64). */
  exportPng(view: 'map' | 'surface'): Promise<string | null>;
  /** The metrics CSV export (text). */
  exportCsv(): string;
  /** The line profile CSV export (text). */
  exportProfile(): string | null;
  /** What the pointer readout says at a point of the map canvas (CSS px from its corner). */
  readoutAt(px: number, py: number): string | null;
  /** The last copy-link outcome. */
  lastShare(): ShareResult | null;
}

declare global {
  interface Window {
    lidendriteApp?: AppApi;
  }
}

let backendName: BackendName = 'auto';
let place: 'auto' | 'main' = 'auto';
let raw: unknown = null;
let scenario: Scenario | null = null;
let runner: SimRunner | null = null;
let scenarioError: string | null = null;
let quantities: QuantityInfo[] = [];
const view: ViewState = { quantity: 'xi', colormap: null, range: { mode: 'default' }, camera: null };
let frameCount = 0;
let share: ShareResult | null = null;
let chain: Promise<unknown> = Promise.resolve();
const metrics = new MetricsHistory();
let views: PageViews;
const plots = new Plots($('plots'));
let editor: ScenarioEditor;

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

const quantity = (): QuantityInfo => quantities.find((q) => q.id === view.quantity) ?? quantities[0];
const colormap = (): ColormapName => view.colormap ?? quantity()?.colormap ?? 'viridis';

// ------------------------------------------------------------------ scenario and run

/**
 * Validates `next` like the CLI; on success runs it: 'reset' starts from the initial state,
 * 'continue' carries the current fields, time and metrics over to the new physics, and a change
 * of the end or output time alone just moves the end time of the running simulation.
 */
async function applyScenario(next: unknown, mode: ChangeKind | 'auto', newEngine = false): Promise<boolean> {
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
  const kind = runner && raw !== null ? changeKind(raw, next) : 'reset';
  // a new backend needs a new engine even when the scenario is the same
  const effective: ChangeKind | 'time' = mode === 'reset' || kind === 'reset' ? 'reset' : newEngine ? 'continue' : kind;
  const wasRunning = runner?.isRunning ?? false;
  await runner?.pause();
  if (effective === 'time' && runner) {
    await runner.setEnd(s.time.end);
    raw = next;
    scenario = s;
    afterScenario();
    await runner.refresh();
    if (wasRunning) runner.run();
    return true;
  }
  const from = effective === 'continue' && runner ? await runner.client.continuation() : undefined;
  await runner?.client.close();
  runner = null;
  raw = next;
  scenario = s;
  afterScenario();
  setState('starting the backend…');
  const client = await startSim({ scenario: next, backend: backendName, from }, place);
  const r = new SimRunner(client);
  runner = r;
  quantities = client.info.quantities;
  if (from) metrics.newSegment(client.info.columns);
  else metrics.reset(client.info.columns);
  fillViewControls();
  await views.configure(s.grid.dims === 3);
  plots.configure(s, client.info.columns);
  r.want = want;
  r.onFrame = onFrame;
  r.onState = showStatus;
  await r.refresh();
  await drawn;
  // the first picture frames the camera on the domain; a camera from the link wins
  if (s.grid.dims === 3 && view.camera) await views.setCamera(view.camera);
  if (wasRunning) r.run();
  return true;
}

/** Everything that follows the scenario JSON: the link, the forms, the editor, the picker. */
function afterScenario(): void {
  updateUrl();
  fillForms(raw, scenario);
  editor.set(JSON.stringify(raw, null, 2));
  syncPicker();
}

/** The quantities a frame must carry: the map's and the surface colouring's. */
function want(): string[] {
  const w = [quantity()?.id ?? 'xi'];
  const cb = $<HTMLSelectElement>('color-by').value;
  if (scenario?.grid.dims === 3 && cb !== 'none') w.push(cb);
  return w;
}

/** The latest picture's promise (resolves when it is on the canvases). */
let drawn: Promise<void> = Promise.resolve();

function onFrame(f: Frame): void {
  if (metrics.add(f.row)) plots.schedule(metrics);
  showStatus();
  drawn = draw(f);
}

function draw(f: Frame | null = runner?.last ?? null): Promise<void> {
  if (!f || !scenario || !quantity()) return Promise.resolve();
  const q = quantity();
  if (!f.fields[q.id]) return Promise.resolve();
  const cbId = $<HTMLSelectElement>('color-by').value;
  const sl = (a: 'x' | 'y' | 'z') =>
    $<HTMLInputElement>(`slice-${a}`).checked ? Number($<HTMLInputElement>(`slice-${a}-pos`).value) : null;
  const done = views.draw({
    s: scenario,
    frame: f,
    q,
    colormap: colormap(),
    range: view.range,
    colorBy: quantities.find((x) => x.id === cbId) ?? null,
    slices: { x: sl('x'), y: sl('y'), z: sl('z') },
    zFrac: Number($<HTMLInputElement>('slice-z-pos').value),
    profile: $<HTMLInputElement>('profile-draw').checked ? { segment: profileSeg } : null,
  });
  if (view.range.mode !== 'fixed') {
    $<HTMLInputElement>('range-lo').value = String(Number(views.shownRange[0].toPrecision(4)));
    $<HTMLInputElement>('range-hi').value = String(Number(views.shownRange[1].toPrecision(4)));
  }
  return done.then(() => {
    frameCount++;
  });
}

/** Redraw for a view change: from the last frame when it has the quantities, else after reading them. */
async function requestDraw(): Promise<void> {
  const f = runner?.last;
  const need = want();
  if (f && need.every((id) => f.fields[id])) {
    await draw(f);
    return;
  }
  // while running the next frame brings them
  if (runner && !runner.isRunning) {
    await runner.refresh();
    await drawn;
  }
}

/** The scenario, the view and the backend in the link. */
function updateUrl(): void {
  if (raw === null) return;
  const search = queryWithBackend(location.search, backendName);
  window.history.replaceState(null, '', `${location.pathname}${search}#${encodeHash(raw, view)}`);
}

function syncPicker(): void {
  const pick = $<HTMLSelectElement>('scenario-pick');
  const text = JSON.stringify(raw);
  const hit = EXAMPLES.find((e) => JSON.stringify(e.raw) === text);
  pick.value = hit ? hit.id : '(custom)';
}

function setState(text: string): void {
  $('st-state').textContent = text;
}

function showStatus(): void {
  const r = runner;
  if (!r) return;
  const f = r.last;
  const info = r.client.info;
  $('st-time').textContent = f ? f.time.toPrecision(4) : '–';
  $('st-step').textContent = f ? String(f.step) : '–';
  const rate = r.stepsPerSecond();
  $('st-rate').textContent = rate === null ? '–' : rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3);
  const dev = `${info.backend} — ${info.device}${r.client.where === 'main' ? ' (main thread)' : ''}`;
  $('st-backend').textContent = dev;
  $('st-backend-wrap').title = dev;
  $('backend-log').textContent = info.log.join('\n');
  const finished = f?.finished ?? false;
  $('extend').hidden = !finished;
  setState(
    f?.error ? `stopped: ${f.error}` : r.isRunning ? 'running' : finished ? 'finished (end time reached): extend it to run on' : 'paused',
  );
}

// ------------------------------------------------------------------ view controls

function fillViewControls(): void {
  const qs = $<HTMLSelectElement>('quantity');
  qs.replaceChildren(...quantities.map((q) => new Option(q.label, q.id)));
  if (!quantities.some((q) => q.id === view.quantity)) view.quantity = quantities[0]?.id ?? 'xi';
  qs.value = view.quantity!;
  const cb = $<HTMLSelectElement>('color-by');
  const keep = cb.value || 'none';
  cb.replaceChildren(new Option('metal', 'none'), ...quantities.filter((q) => q.id !== 'xi').map((q) => new Option(q.label, q.id)));
  cb.value = Array.from(cb.options).some((o) => o.value === keep) ? keep : 'none';
  $<HTMLSelectElement>('colormap').value = colormap();
  $<HTMLSelectElement>('range-mode').value = view.range.mode;
  if (view.range.mode === 'fixed') {
    $<HTMLInputElement>('range-lo').value = String(view.range.lo);
    $<HTMLInputElement>('range-hi').value = String(view.range.hi);
  }
  const three = scenario?.grid.dims === 3;
  $('view3d-controls').hidden = !three;
  $('export-png3d').hidden = !three;
}

function setRange(mode: RangeMode): void {
  view.range = mode;
  $<HTMLSelectElement>('range-mode').value = mode.mode;
  updateUrl();
}

/** The range typed into the two boxes; null (with the reason shown) when it is not one. */
function typedRange(): RangeMode | null {
  const lo = Number($<HTMLInputElement>('range-lo').value),
    hi = Number($<HTMLInputElement>('range-hi').value);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    showErrors(
      `colour range: needs two numbers with min < max (got "${$<HTMLInputElement>('range-lo').value}", "${$<HTMLInputElement>('range-hi').value}")`,
    );
    return null;
  }
  showErrors(null);
  return { mode: 'fixed', lo, hi };
}

// ------------------------------------------------------------------ pointer: readout and profile

let profileSeg: [number, number, number, number] | null = null;

function wirePointer(): void {
  const canvas = views.mapCanvas;
  const local = (ev: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top] as const;
  };
  let dragFrom: { xUm: number; yUm: number } | null = null;
  canvas.addEventListener('pointermove', (ev) => {
    const [x, y] = local(ev);
    $('readout').textContent = views.readout(x, y) ?? 'move the pointer over the map to read values';
    if (dragFrom) {
      const p = views.pointAt(x, y);
      if (p) {
        profileSeg = [dragFrom.xUm, dragFrom.yUm, p.xUm, p.yUm];
        void draw();
      }
    }
  });
  canvas.addEventListener('pointerleave', () => {
    $('readout').textContent = 'move the pointer over the map to read values';
  });
  canvas.addEventListener('pointerdown', (ev) => {
    if (!$<HTMLInputElement>('profile-draw').checked) return;
    const [x, y] = local(ev);
    const p = views.pointAt(x, y);
    if (!p) return;
    dragFrom = p;
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener('pointerup', () => {
    dragFrom = null;
  });
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

/** The current fields as a .vti file: every quantity of the run as cell data (TIME, STEP), uncompressed (zlib is Node's). */
async function vtiBytes(): Promise<{ bytes: Uint8Array; name: string } | null> {
  if (!scenario || !runner) return null;
  const s = scenario;
  const f = await runner.client.frame(['*']);
  const bytes = encodeVti({
    dims: s.grid.n,
    spacing: [s.grid.dx, s.grid.dx, s.grid.dx],
    fields: Object.entries(f.fields).map(([name, data]) => ({ name, data })),
    fieldData: { TIME: f.time, STEP: f.step },
    compress: false,
  });
  return { bytes, name: `${s.name}_step${f.step}.vti` };
}

/** A view's PNG export, base64. */
async function pngBase64(which: 'map' | 'surface'): Promise<string | null> {
  const b = await views.views.png(which);
  if (!b) return null;
  const bytes = new Uint8Array(await b.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

async function exportPng(which: 'map' | 'surface', suffix: string): Promise<void> {
  if (!scenario || !runner) return;
  const name = `${scenario.name}_${suffix}_step${runner.last?.step ?? 0}.png`;
  const b = await views.views.png(which);
  if (b) download(b, name);
}

// ------------------------------------------------------------------ start

function wire(): void {
  const pick = $<HTMLSelectElement>('scenario-pick');
  for (const e of EXAMPLES) pick.add(new Option(e.label, e.id));
  pick.add(new Option('(custom: from the link, a file or the editor)', '(custom)'));
  pick.addEventListener('change', () =>
    act(async () => {
      const e = EXAMPLES.find((x) => x.id === pick.value);
      if (e) await applyScenario(e.raw, 'reset');
    }),
  );
  const bpick = $<HTMLSelectElement>('backend-pick');
  bpick.value = backendName;
  bpick.addEventListener('change', () =>
    act(async () => {
      backendName = bpick.value as BackendName;
      // the same run on another backend: continue from the current fields
      await applyScenario(raw, 'continue', true);
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
  $('share').addEventListener('click', async () => {
    updateUrl();
    share = await copyLink(location.href, $<HTMLInputElement>('share-url'), $('share-msg'));
  });
  $('run').addEventListener('click', () => act(() => runner?.run()));
  $('pause').addEventListener('click', () => act(async () => void (await runner?.pause())));
  $('step').addEventListener('click', () => act(async () => void (await runner?.stepN(1))));
  $('reset').addEventListener('click', () => act(async () => void (await applyScenario(raw, 'reset'))));
  $('extend').addEventListener('click', () =>
    act(async () => {
      if (!scenario) return;
      const end = Number((2 * scenario.time.end).toPrecision(6));
      const next = JSON.parse(JSON.stringify(raw));
      next.time = { ...next.time, end: `${end} s` };
      if (await applyScenario(next, 'continue')) runner?.run();
    }),
  );
  buildForms(
    $('switches'),
    $('controls'),
    () => raw,
    (next, kind, input) =>
      new Promise<boolean>((resolve) => {
        void act(async () => {
          const ok = await applyScenario(next, kind);
          if (!ok) input.setAttribute('aria-invalid', 'true');
          resolve(ok);
        });
      }),
  );
  editor = new ScenarioEditor(
    $<HTMLTextAreaElement>('editor'),
    $('editor-errors'),
    (next) => void act(async () => void (await applyScenario(next, 'auto'))),
    $('editor-revert'),
    $('editor-apply'),
  );
  $('quantity').addEventListener('change', () =>
    act(async () => {
      view.quantity = $<HTMLSelectElement>('quantity').value;
      // a new quantity starts from its own default colours and range unless a range is locked
      view.colormap = null;
      if (view.range.mode === 'fixed') view.range = { mode: 'default' };
      fillViewControls();
      updateUrl();
      await requestDraw();
    }),
  );
  const cm = $<HTMLSelectElement>('colormap');
  for (const c of COLORMAPS) cm.add(new Option(c, c));
  cm.addEventListener('change', () =>
    act(async () => {
      view.colormap = cm.value as ColormapName;
      updateUrl();
      await draw();
    }),
  );
  $('range-mode').addEventListener('change', () =>
    act(() => {
      const m = $<HTMLSelectElement>('range-mode').value;
      if (m === 'fixed') {
        const r = typedRange();
        if (r) setRange(r);
      } else setRange({ mode: m as 'auto' | 'default' });
      return draw();
    }),
  );
  for (const id of ['range-lo', 'range-hi'])
    $(id).addEventListener('change', () =>
      act(() => {
        const r = typedRange();
        if (r) setRange(r);
        return draw();
      }),
    );
  $('range-lock').addEventListener('click', () =>
    act(() => {
      setRange({ mode: 'fixed', lo: views.shownRange[0], hi: views.shownRange[1] });
      return draw();
    }),
  );
  $('profile-draw').addEventListener('change', () => act(() => draw()));
  for (const id of ['color-by', 'slice-x', 'slice-y', 'slice-z', 'slice-x-pos', 'slice-y-pos', 'slice-z-pos']) {
    $(id).addEventListener(id.endsWith('-pos') ? 'input' : 'change', () => act(() => requestDraw()));
  }
  $('export-vti').addEventListener('click', async () => {
    const v = await vtiBytes();
    if (v) download(new Blob([v.bytes as BlobPart], { type: 'application/xml' }), v.name);
  });
  $('export-png').addEventListener('click', () => void exportPng('map', `${view.quantity}-map`));
  $('export-png3d').addEventListener('click', () => void exportPng('surface', '3d'));
  $('export-csv').addEventListener('click', () =>
    download(new Blob([metrics.csv()], { type: 'text/csv' }), `${scenario?.name ?? 'run'}_metrics.csv`),
  );
  $('export-profile').addEventListener('click', () => {
    const p = views.profile;
    if (p) download(new Blob([profileCsv(p.p, p.q.id)], { type: 'text/csv' }), `${scenario?.name ?? 'run'}_profile_${p.q.id}.csv`);
  });
  wirePointer();
  let camTimer: ReturnType<typeof setTimeout> | null = null;
  views.onCamera = (c) => {
    view.camera = c;
    if (camTimer) clearTimeout(camTimer);
    camTimer = setTimeout(updateUrl, 300);
  };
  new ResizeObserver(() =>
    act(async () => {
      plots.resize();
      await views.resize();
      await draw();
    }),
  ).observe($('views'));
}

async function start(): Promise<void> {
  installBackendHost();
  const problems: string[] = [];
  try {
    backendName = backendFromQuery(location.search);
  } catch (e) {
    problems.push((e as Error).message);
  }
  try {
    place = threadFromQuery(location.search);
  } catch (e) {
    problems.push((e as Error).message);
  }
  let initial: unknown = null;
  try {
    initial = decodeScenarioHash(location.hash);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const fromLink = viewFromHash(location.hash);
  problems.push(...fromLink.problems);
  Object.assign(view, fromLink.view);
  view.quantity ??= 'xi';
  views = new PageViews($<HTMLCanvasElement>('map'), $<HTMLCanvasElement>('surface'), $('profile'), place);
  wire();
  const api: AppApi = {
    ready: false,
    get frame() {
      return frameCount;
    },
    status: () => {
      const f = runner?.last;
      const info = runner?.client.info;
      return {
        time: f?.time ?? 0,
        step: f?.step ?? 0,
        dt: f?.dt ?? 0,
        end: f?.end ?? 0,
        running: runner?.isRunning ?? false,
        finished: f?.finished ?? false,
        stepsPerSecond: runner?.stepsPerSecond() ?? null,
        backend: info?.backend ?? '',
        device: info?.device ?? '',
        where: runner?.client.where ?? '',
        log: info?.log ?? [],
        error: f?.error ?? null,
        scenarioError,
        triangles: views.triangles,
        quantity: view.quantity ?? '',
        quantities,
        range: views.shownRange,
        rangeMode: view.range,
        colormap: colormap(),
        rows: metrics.rows.length,
        plots: plots.shown(),
        crossOriginIsolated: window.crossOriginIsolated === true,
        renderWhere: views.views.where,
        lostViews: views.lost,
        camera: scenario?.grid.dims === 3 ? views.cameraState() : null,
      };
    },
    stepN: (n) =>
      act(async () => {
        await runner?.stepN(n);
        await drawn;
      }),
    redraw: () => act(() => requestDraw()),
    layout: () => ({
      mapCanvas: rect(views.mapCanvas),
      surfaceCanvas: views.surfaceCanvas.hidden ? null : rect(views.surfaceCanvas),
      map: views.layout,
      hud: views.surfaceCanvas.hidden ? null : views.hud,
    }),
    fields: async () => {
      await chain;
      if (!runner) return null;
      const f = await runner.client.frame(['xi', 'c', 'phi']);
      return encodeWire({ xi: f.fields.xi, c: f.fields.c, phi: f.fields.phi });
    },
    scenario: () => raw,
    setQuantity: (q) =>
      act(async () => {
        view.quantity = q;
        view.colormap = null;
        fillViewControls();
        updateUrl();
        await requestDraw();
      }),
    exportVti: async () => {
      await chain;
      const v = await vtiBytes();
      return v ? new TextDecoder().decode(v.bytes) : null;
    },
    exportPng: async (which) => {
      await chain;
      return pngBase64(which);
    },
    exportCsv: () => metrics.csv(),
    exportProfile: () => (views.profile ? profileCsv(views.profile.p, views.profile.q.id) : null),
    readoutAt: (px, py) => views.readout(px, py),
    lastShare: () => share,
  };
  window.lidendriteApp = api;
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
