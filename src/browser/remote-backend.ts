/**
 * The Node side of a backend that lives in a browser page (backend-host.ts): every stage is one
 * round trip over puppeteer, and so is a run of the page backend's device loop (many steps);
 * fields stay in the page's GPU. It implements the same Backend
 * interface, so the solver, the CLI writers and the conformance tests use it unchanged.
 */
import type { Page } from 'puppeteer-core';
import type { Backend, DeviceLoop, PotentialReport, Reductions, SolveReport, StepStats, TransportReport } from '../backends/backend.ts';
import type { BackendName } from '../backends/create.ts';
import type { BCSet, Layout } from '../backends/layout.ts';
import type { Coefficients } from '../model/derived.ts';
import type { Fields } from '../model/initial.ts';
import type { CreatedInfo } from './backend-host.ts';
import { decodeWire, encodeWire } from './wire.ts';

export class RemoteBackend implements Backend {
  readonly name: Backend['name'];
  readonly device: string;
  /** What the page logged while selecting the backend (fallbacks and their reasons). */
  readonly log: string[];
  /** The page backend's device loop, forwarded (one evaluate per call: a run takes many steps). */
  readonly loop?: DeviceLoop;

  private constructor(
    private page: Page,
    private info: CreatedInfo,
  ) {
    this.name = info.name as Backend['name'];
    this.device = `${info.device} in headless Chromium`;
    this.log = info.log;
    if (info.loop)
      this.loop = {
        ready: () => this.call('loop.ready'),
        run: (start) => this.call('loop.run', start),
        saveGood: () => this.call('loop.saveGood'),
        restoreGood: () => this.call('loop.restoreGood'),
        raiseBudgets: (rec) => this.call('loop.raiseBudgets', rec),
        rewind: (step) => this.call('loop.rewind', step),
      };
  }

  /** Selects and builds a backend in the page from a scenario (JSON input), like the CLI. */
  static async fromScenario(page: Page, name: BackendName, scenario: unknown): Promise<RemoteBackend> {
    const info = await page.evaluate((n, s) => window.lidendriteHost!.createFromScenario(n, s), name, scenario as object);
    return new RemoteBackend(page, info);
  }

  /** Builds a named backend in the page from an explicit layout, coefficients and BCs. */
  static async fromParts(
    page: Page,
    name: Exclude<BackendName, 'auto'>,
    L: Layout,
    k: Coefficients,
    bc: BCSet,
    opts?: Record<string, unknown>,
  ): Promise<RemoteBackend> {
    const args = encodeWire([L, k, bc, opts]) as object;
    const info = await page.evaluate((n, a) => window.lidendriteHost!.createRaw(n, a), name, args);
    return new RemoteBackend(page, info);
  }

  /** Calls any method of the page's backend (wire-encoded both ways). */
  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    const enc = encodeWire(args) as object;
    const out = await this.page.evaluate((id, m, a) => window.lidendriteHost!.call(id, m, a), this.info.id, method, enc);
    return decodeWire(out) as T;
  }

  init(fields: Fields): Promise<void> {
    return this.call('init', fields);
  }
  potential(tol: number, maxIter: number): Promise<PotentialReport> {
    return this.call('potential', tol, maxIter);
  }
  mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    return this.call('mechanics', tol, maxIter);
  }
  mechanicsLoad(f: Float64Array | null): Promise<void> {
    return this.call('mechanicsLoad', f);
  }
  phase(dt: number, step: number): Promise<SolveReport | null> {
    return this.call('phase', dt, step);
  }
  transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    return this.call('transport', dt, tol, maxIter);
  }
  stepStats(): Promise<StepStats> {
    return this.call('stepStats');
  }
  reductions(): Promise<Reductions> {
    return this.call('reductions');
  }
  setVoltage(volts: number): Promise<void> {
    return this.call('setVoltage', volts);
  }
  /** The grand-potential form's manufactured-solution source (tests; Backend.setTransportSource). */
  setTransportSource(s: Float64Array | null): Promise<void> {
    return this.call('setTransportSource', s);
  }
  read(): Promise<Fields & { xidot: Float64Array }> {
    return this.call('read');
  }
  async dispose(): Promise<void> {
    try {
      await this.page.evaluate((id) => window.lidendriteHost!.dispose(id), this.info.id);
    } catch {
      /* the page or browser is already gone */
    }
  }
}
