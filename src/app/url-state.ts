/**
 * The page's shareable state in its URL: the scenario as base64url-encoded UTF-8 JSON in the
 * hash (`#s=…`, nothing is sent to a server), the map's quantity (`&q=xi|c|phi|current`) and
 * the forced backend in the query (`?backend=webgpu|webgl|cpu`, default auto).
 */
import type { BackendName } from '../backends/create.ts';

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
  const m = /(?:^#?|&)s=([A-Za-z0-9_-]*)/.exec(hash);
  if (!m) return null;
  const b64 = m[1].replace(/-/g, '+').replace(/_/g, '/');
  let bin: string;
  try {
    bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch {
    throw new Error('the scenario in the URL (#s=…) is not valid base64url');
  }
  const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
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

/** A hash parameter other than the scenario (e.g. `q`), or null. */
export function hashParam(hash: string, key: string): string | null {
  for (const part of hash.replace(/^#/, '').split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === key) return decodeURIComponent(part.slice(eq + 1));
  }
  return null;
}
