/**
 * The page's shareable state in its URL. Nothing is sent to a server: everything after `#` stays
 * in the browser.
 *   ?backend=webgpu|webgl|cpu       the backend (absent: auto)
 *   ?thread=main                    step on the page's main thread instead of the solver worker
 *   #s=…                            the scenario, base64url-encoded UTF-8 JSON
 *   &q=c                            the quantity shown
 *   &cm=cividis                     the colormap (absent: the quantity's own)
 *   &r=auto | &r=lo,hi              the colour range (absent: the quantity's fixed default)
 *   &cam=px,py,pz,tx,ty,tz          the 3D camera position and target, µm
 */
import type { BackendName } from '../backends/create.ts';
import { COLORMAPS, type ColormapName } from '../io/colormap.ts';

const BACKENDS: readonly BackendName[] = ['auto', 'webgpu', 'webgl', 'cpu'];

/** base64url (RFC 4648 §5, no padding) of the UTF-8 JSON of `raw`. */
export function encodeScenarioHash(raw: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(raw));
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return 's=' + btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The scenario JSON in a hash made by encodeScenarioHash; null when the hash has none; throws when it is damaged. */
export function decodeScenarioHash(hash: string): unknown | null {
  const v = hashParam(hash, 's', false);
  if (v === null) return null;
  // base64url is letters, digits, - and _ only; a length of 1 mod 4 cannot come from any bytes
  if (!/^[A-Za-z0-9_-]*$/.test(v) || v.length % 4 === 1)
    throw new Error(`the scenario in the URL (#s=…) is not valid base64url (got "${v.length > 24 ? v.slice(0, 21) + '...' : v}")`);
  const b64 = v.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('the scenario in the URL (#s=…) is not valid UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`the scenario in the URL (#s=…) is not valid JSON: ${(e as Error).message}`);
  }
}

/** The backend named by `?backend=`; 'auto' when absent; throws naming the allowed values otherwise. */
export function backendFromQuery(search: string): BackendName {
  const v = new URLSearchParams(search).get('backend');
  if (v === null || v === '') return 'auto';
  if (!(BACKENDS as readonly string[]).includes(v)) throw new Error(`?backend=${v} is not one of ${BACKENDS.join(', ')}`);
  return v as BackendName;
}

/** Where the solver steps (`?thread=main`: on the page's main thread); throws naming the allowed values. */
export function threadFromQuery(search: string): 'auto' | 'main' {
  const v = new URLSearchParams(search).get('thread');
  if (v === null || v === '' || v === 'worker') return 'auto';
  if (v === 'main') return 'main';
  throw new Error(`?thread=${v} is not one of worker, main`);
}

/** The query string for a backend choice (other query parameters kept). */
export function queryWithBackend(search: string, backend: BackendName): string {
  const p = new URLSearchParams(search);
  if (backend === 'auto') p.delete('backend');
  else p.set('backend', backend);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** A hash parameter (`key=value`), or null; values other than the scenario are URI-decoded. */
export function hashParam(hash: string, key: string, decode = true): string | null {
  for (const part of hash.replace(/^#/, '').split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === key) {
      const v = part.slice(eq + 1);
      if (!decode) return v;
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }
  }
  return null;
}

/** How the map's colours are scaled: the quantity's fixed default, the data's range every frame, or a range of the user's. */
export type RangeMode = { mode: 'default' } | { mode: 'auto' } | { mode: 'fixed'; lo: number; hi: number };

/** What the link says about the view besides the scenario. */
export interface ViewState {
  quantity: string | null;
  colormap: ColormapName | null;
  range: RangeMode;
  /** Camera position and target, µm. */
  camera: [number, number, number, number, number, number] | null;
}

/** Reads the view from a hash; problems (a bad value) are listed and the value left at its default. */
export function viewFromHash(hash: string): { view: ViewState; problems: string[] } {
  const problems: string[] = [];
  const view: ViewState = { quantity: hashParam(hash, 'q'), colormap: null, range: { mode: 'default' }, camera: null };
  const cm = hashParam(hash, 'cm');
  if (cm !== null) {
    if ((COLORMAPS as string[]).includes(cm)) view.colormap = cm as ColormapName;
    else problems.push(`#cm=${cm} is not one of ${COLORMAPS.join(', ')}`);
  }
  const r = hashParam(hash, 'r');
  if (r === 'auto') view.range = { mode: 'auto' };
  else if (r !== null) {
    const v = r.split(',').map(Number);
    if (v.length === 2 && v.every(Number.isFinite) && v[0] < v[1]) view.range = { mode: 'fixed', lo: v[0], hi: v[1] };
    else problems.push(`#r=${r} is not "auto" or two increasing numbers "lo,hi"`);
  }
  const cam = hashParam(hash, 'cam');
  if (cam !== null) {
    const v = cam.split(',').map(Number);
    if (v.length === 6 && v.every(Number.isFinite)) view.camera = v as ViewState['camera'];
    else problems.push(`#cam=${cam} is not six numbers (camera position and target, µm)`);
  }
  return { view, problems };
}

/** The hash for a scenario and a view. */
export function encodeHash(raw: unknown, view: ViewState): string {
  const parts = [encodeScenarioHash(raw)];
  if (view.quantity) parts.push(`q=${encodeURIComponent(view.quantity)}`);
  if (view.colormap) parts.push(`cm=${view.colormap}`);
  if (view.range.mode === 'auto') parts.push('r=auto');
  if (view.range.mode === 'fixed') parts.push(`r=${short(view.range.lo)},${short(view.range.hi)}`);
  if (view.camera) parts.push(`cam=${view.camera.map((v) => short(v)).join(',')}`);
  return parts.join('&');
}

/** A number in few characters that reads back within 1e-6 of itself. */
function short(v: number): string {
  return String(Number(v.toPrecision(7)));
}
