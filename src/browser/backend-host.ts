/**
 * The page side of a remote backend: a page that calls installBackendHost() exposes
 * `window.lidendriteHost`, through which Node (src/browser/remote-backend.ts, over puppeteer)
 * creates backends inside the browser and calls their stages. The fields stay in the browser's
 * GPU; only the stage arguments and results cross (wire.ts). This is how the headless tests run
 * the one conformance body on the browser's WebGPU and WebGL backends, and how
 * `lidendrite run --browser` runs a scenario on a browser's GPU while Node writes the outputs.
 */
import type { Backend } from '../backends/backend.ts';
import { createBackend, makeBackend, type BackendName } from '../backends/create.ts';
import type { BCSet, Layout } from '../backends/layout.ts';
import type { Coefficients } from '../model/derived.ts';
import { parseScenario } from '../model/scenario.ts';
import { installBrowserShaders } from './shader-files.ts';
import { decodeWire, encodeWire } from './wire.ts';

export interface CreatedInfo {
  id: number;
  name: string;
  device: string;
  log: string[];
  /** Whether the backend has a device loop (Backend.loop): RemoteBackend then forwards `loop.*` calls. */
  loop: boolean;
}

export interface BackendHost {
  /** Backend `name` built from a scenario (JSON input), selected and logged like the CLI does. */
  createFromScenario(name: BackendName, scenario: unknown): Promise<CreatedInfo>;
  /** Backend `name` built from an explicit layout, coefficients and BCs (wire-encoded). */
  createRaw(name: Exclude<BackendName, 'auto'>, args: unknown): Promise<CreatedInfo>;
  /** Calls a stage, or `loop.<method>` of its device loop; arguments and result are wire-encoded. */
  call(id: number, method: string, args: unknown): Promise<unknown>;
  dispose(id: number): Promise<void>;
}

declare global {
  interface Window {
    lidendriteHost?: BackendHost;
  }
}

/** Installs window.lidendriteHost (idempotent) and returns it. */
export function installBackendHost(): BackendHost {
  if (window.lidendriteHost) return window.lidendriteHost;
  installBrowserShaders();
  const live = new Map<number, Backend>();
  let next = 1;
  const keep = (backend: Backend, log: string[]): CreatedInfo => {
    const id = next++;
    live.set(id, backend);
    return { id, name: backend.name, device: backend.device, log, loop: !!backend.loop };
  };
  const host: BackendHost = {
    async createFromScenario(name, scenario) {
      const { backend, log } = await createBackend(name, parseScenario(scenario));
      return keep(backend, log);
    },
    async createRaw(name, args) {
      const [L, k, bc, opts] = decodeWire(args) as [Layout, Coefficients, BCSet, Record<string, unknown> | undefined];
      const backend = await makeBackend(name, L, k, bc, opts ?? {});
      return keep(backend, [`backend: ${backend.device}`]);
    },
    async call(id, method, args) {
      const b = live.get(id);
      if (!b) throw new Error(`no backend with id ${id} in this page (disposed?)`);
      const onLoop = method.startsWith('loop.');
      const self = (onLoop ? b.loop : b) as unknown as Record<string, unknown> | undefined;
      const fn = self?.[onLoop ? method.slice(5) : method];
      if (typeof fn !== 'function') throw new Error(`backend ${b.name} has no method ${method}`);
      const out = await (fn as (...a: unknown[]) => unknown).apply(self, decodeWire(args) as unknown[]);
      return encodeWire(out ?? null);
    },
    async dispose(id) {
      const b = live.get(id);
      live.delete(id);
      await b?.dispose();
    },
  };
  window.lidendriteHost = host;
  return host;
}
