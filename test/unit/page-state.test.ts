/**
 * The browser page's pure parts, in Node: the link (scenario, view, backend), what a scenario
 * edit asks of a running simulation, the form's JSON edits, the quantity list (from the field
 * registry, plus fields nobody described), line profiles, the metrics history and its CSV, the
 * picker's labels, scenario messages without float noise, and the reasons the page gives when a
 * browser lacks WebGPU or threads.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_2D } from '../../src/app/demo-scenarios.ts';
import { changeKind, withValue } from '../../src/app/controls.ts';
import { checkScenarioText } from '../../src/app/editor.ts';
import { isCumulative } from '../../src/app/engine.ts';
import { balanceError, MetricsHistory } from '../../src/app/history.ts';
import { EXAMPLES, exampleEntry } from '../../src/app/scenarios.ts';
import {
  decodeScenarioHash,
  encodeHash,
  encodeScenarioHash,
  queryWithBackend,
  threadFromQuery,
  viewFromHash,
} from '../../src/app/url-state.ts';
import { threadsUnavailable } from '../../src/backends/cpu/threads.ts';
import { noGpuReason } from '../../src/backends/webgpu/device.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';
import { lineProfile, profileCsv } from '../../src/render/profile.ts';
import { quantityList, quantityValues } from '../../src/render/quantities.ts';
import { metricColumns } from '../../src/solver/metrics.ts';

const errorOf = (raw: unknown): string => {
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return '';
};

describe('the link', () => {
  it('#s= that is not base64url is reported as such, not as a JSON error', () => {
    expect(() => decodeScenarioHash('#s=%%%garbage')).toThrow(/not valid base64url/);
    expect(() => decodeScenarioHash('#s=a')).toThrow(/not valid base64url/);
    // valid base64url of text that is not JSON is a JSON error
    expect(() => decodeScenarioHash('#s=bm90IGpzb24')).toThrow(/not valid JSON/);
    expect(decodeScenarioHash(`#${encodeScenarioHash(DEMO_2D)}&q=c`)).toEqual(DEMO_2D);
    expect(decodeScenarioHash('#q=c')).toBeNull();
  });

  it('carries the view: quantity, colormap, colour range and 3D camera; bad values are listed, not applied', () => {
    const view = {
      quantity: 'current',
      colormap: 'gray' as const,
      range: { mode: 'fixed' as const, lo: -0.45, hi: 0.125 },
      camera: [1, 2, 3.5, 0.25, 0, 0] as [number, number, number, number, number, number],
    };
    const hash = `#${encodeHash(DEMO_2D, view)}`;
    const back = viewFromHash(hash);
    expect(back.problems).toEqual([]);
    expect(back.view).toEqual(view);
    expect(decodeScenarioHash(hash)).toEqual(DEMO_2D);
    expect(viewFromHash('#r=auto').view.range).toEqual({ mode: 'auto' });
    const bad = viewFromHash('#cm=rainbow&r=2,1&cam=1,2');
    expect(bad.problems).toHaveLength(3);
    expect(bad.problems[0]).toMatch(/#cm=rainbow is not one of viridis, cividis, coolwarm, gray/);
    expect(bad.view).toEqual({ quantity: null, colormap: null, range: { mode: 'default' }, camera: null });
  });

  it('carries the backend in the query (auto: none) and the solver thread choice', () => {
    expect(queryWithBackend('?thread=main', 'webgl')).toBe('?thread=main&backend=webgl');
    expect(queryWithBackend('?backend=webgl', 'auto')).toBe('');
    expect(threadFromQuery('?thread=main')).toBe('main');
    expect(threadFromQuery('')).toBe('auto');
    expect(() => threadFromQuery('?thread=gpu')).toThrow(/\?thread=gpu is not one of worker, main/);
  });
});

describe('scenario edits', () => {
  it('what an edit asks of a running simulation', () => {
    const longer = withValue(DEMO_2D, ['time', 'end'], '40 s');
    expect(changeKind(DEMO_2D, longer)).toBe('time');
    expect(changeKind(DEMO_2D, withValue(DEMO_2D, ['voltage'], '-0.3 V'))).toBe('continue');
    expect(changeKind(DEMO_2D, withValue(DEMO_2D, ['grid', 'n', 0], 48))).toBe('reset');
    expect(changeKind(DEMO_2D, withValue(DEMO_2D, ['initial', 'layer'], '2 um'))).toBe('reset');
    expect(changeKind(DEMO_2D, withValue(DEMO_2D, ['additive'], { concentration: '0.05 M' }))).toBe('reset');
  });

  it('removing the last key of a section removes the section (no "substrate": {} left behind)', () => {
    const wet = withValue(DEMO_2D, ['substrate', 'contactAngle'], 60);
    expect((wet as { substrate: unknown }).substrate).toEqual({ contactAngle: 60 });
    const dry = withValue(wet, ['substrate', 'contactAngle'], undefined) as Record<string, unknown>;
    expect('substrate' in dry).toBe(false);
    expect(errorOf(dry)).toBe('');
  });

  it('the JSON editor reports syntax errors and then the CLI messages, field by field', () => {
    expect(checkScenarioText('{ "name": ').message).toMatch(/^invalid scenario:\n {2}- not valid JSON \(/);
    const bad = checkScenarioText(JSON.stringify({ ...DEMO_2D, voltage: '5 V' }));
    expect(bad.ok).toBe(false);
    expect(bad.message).toBe(errorOf({ ...DEMO_2D, voltage: '5 V' }));
    expect(bad.message).toMatch(/- voltage: /);
    expect(checkScenarioText(JSON.stringify(DEMO_2D)).ok).toBe(true);
  });

  it('messages print SI lengths without float noise (19 um → 0.000019 m)', () => {
    const msg = errorOf({ ...DEMO_2D, initial: { layer: '3 um', nuclei: [{ center: ['19 um', '5.5 um'], radius: '1 um' }] } });
    expect(msg).toMatch(/initial\.nuclei\.0\.center\[0\]: 0\.000019 m is outside the domain/);
    expect(msg).not.toMatch(/\d{13,}/);
  });
});

describe('quantities from the field registry', () => {
  it('a 2D run: ξ, c̃, φ from the registry, then |i| and ∂ξ/∂t; fixed default ranges where they make sense', () => {
    const s = parseScenario(DEMO_2D);
    const q = quantityList(s, ['xi', 'c', 'psi', 'xidot']);
    expect(q.map((x) => x.id)).toEqual(['xi', 'c', 'phi', 'current', 'xidot']);
    const by = Object.fromEntries(q.map((x) => [x.id, x]));
    expect(by.xi.defaultRange).toEqual([0, 1]);
    expect(by.c.defaultRange).toEqual([0, 2]);
    expect(by.phi.defaultRange).toEqual([-0.45, 0]);
    expect(by.phi.unit).toBe('V');
    // σ_l(300 K) = 1.19 S/m, 0.45 V over 16 µm: 3.35e3 mA/cm², ×4 to 2 digits
    expect(by.current.defaultRange).toEqual([0, 13000]);
    expect(by.xidot.defaultRange).toBeNull();
  });

  it('a species, the SEI/host props and a field nobody described appear without a page edit', () => {
    const s = parseScenario({
      ...DEMO_2D,
      additive: { concentration: '0.05 M' },
      sei: { thickness: '0.5 um', conductivity: 0.1 },
    });
    const q = quantityList(s, ['xi', 'c', 'psi', 'xidot', 'additive', 'w']);
    const ids = q.map((x) => x.id);
    expect(ids).toEqual(['xi', 'c', 'phi', 'additive', 'current', 'xidot', 'sei_kS', 'sei_kD', 'sei_kL', 'w']);
    expect(q.find((x) => x.id === 'additive')!.defaultRange).toEqual([0, 2]);
    expect(q.find((x) => x.id === 'w')).toEqual({ id: 'w', label: 'w', unit: '', colormap: 'viridis', defaultRange: null });
    const N = 64 * 32;
    const f = {
      xi: new Float64Array(N).fill(0.5),
      c: new Float64Array(N),
      psi: new Float64Array(N).fill(2),
      w: new Float64Array(N).fill(7),
    };
    const k = coefficients(s);
    expect(quantityValues('phi', s, f, k)[0]).toBeCloseTo(2 / k.f, 15);
    expect(quantityValues('w', s, f, k)[5]).toBe(7);
    const kS = quantityValues('sei_kS', s, f, k);
    expect(Math.min(...kS)).toBeCloseTo(0.1, 6);
    expect(Math.max(...kS)).toBe(1);
    expect(() => quantityValues('stress', s, f, k)).toThrow(/no quantity "stress"/);
  });
});

describe('line profile', () => {
  it('samples every half cell along the segment, nearest cell values, distances in µm', () => {
    const nx = 8,
      ny = 4,
      dx = 0.5;
    const data = Float64Array.from({ length: nx * ny }, (_, q) => (q % nx) + 100 * Math.floor(q / nx));
    // along x through row j = 1 (y = 0.75 µm), from x = 0 to 4 µm
    const p = lineProfile(data, nx, ny, dx, [0, 0.75, 4, 0.75]);
    expect(p.s.length).toBe(17);
    expect(p.s[16]).toBeCloseTo(4, 12);
    expect(Array.from(p.v.slice(0, 4))).toEqual([100, 100, 101, 101]);
    expect(p.v[15]).toBe(107);
    // a segment leaving the grid keeps only the samples on it
    const out = lineProfile(data, nx, ny, dx, [3, 0.25, 6, 0.25]);
    expect(Math.max(...out.x)).toBeLessThanOrEqual(4);
    expect(out.x.length).toBeLessThan(13);
    expect(profileCsv(p, 'c').split('\n')[0]).toBe('s_um,x_um,y_um,c');
  });
});

describe('metrics history', () => {
  it('one row per step, metrics.csv columns, balance per segment, cumulative columns named', () => {
    const cols = metricColumns(2);
    const h = new MetricsHistory();
    h.reset(cols);
    const row = (step: number, total: number, influx: number) => ({
      ...Object.fromEntries(cols.map((c) => [c, 0])),
      step,
      time_s: step * 0.1,
      li_total_mol_per_m: total,
      li_influx_mol_per_m: influx,
    });
    expect(h.add(row(0, 10, 0))).toBe(true);
    expect(h.add(row(0, 10, 0))).toBe(false);
    h.add(row(1, 10.5, 0.5));
    // a physics change at step 1 with a new inventory (c0 changed): its row replaces the old one
    h.newSegment(cols);
    h.add(row(1, 20, 0.5));
    h.add(row(2, 21, 1.4));
    expect(h.rows.map((r) => r.step)).toEqual([0, 1, 2]);
    expect(balanceError(h, 0)).toBe(0);
    expect(balanceError(h, 2)).toBeCloseTo((21 - 20 - (1.4 - 0.5)) / 20, 14);
    const csv = h.csv().trim().split('\n');
    expect(csv[0]).toBe(cols.join(','));
    expect(csv).toHaveLength(4);
    expect(isCumulative('li_influx_mol_per_m')).toBe(true);
    expect(isCumulative('additive_influx_mol')).toBe(true);
    expect(isCumulative('li_total_mol')).toBe(false);
  });
});

describe('picker and reasons', () => {
  it('every example entry says its dimension; host-3d is a 2D section and pillars-3d is 3D', () => {
    expect(exampleEntry('/x/examples/host-3d/scenario.json', { grid: { dims: 2 } }).label).toBe('host-3d (2D)');
    const ids = EXAMPLES.map((e) => e.id);
    expect(ids).toContain('host-3d');
    expect(ids).toContain('host-3d/pillars-3d');
    expect(ids.some((i) => i.endsWith('/sweep'))).toBe(false);
    for (const e of EXAMPLES) {
      const s = parseScenario(e.raw);
      expect(e.label).toBe(`${e.id} (${s.grid.dims}D)`);
    }
    expect(EXAMPLES.find((e) => e.id === 'host-3d/pillars-3d')!.label).toBe('host-3d/pillars-3d (3D)');
  });

  it('WebGPU on plain http says it needs a secure context; Node threads are available', () => {
    expect(noGpuReason({ isSecureContext: false, location: { origin: 'http://lab.example:5173' } })).toBe(
      'WebGPU needs a secure context (https, or http on localhost); this page comes over plain http from http://lab.example:5173',
    );
    expect(noGpuReason({ isSecureContext: true })).toMatch(/not available in this browser/);
    expect(threadsUnavailable()).toBeNull();
  });
});

describe('the page runner', () => {
  it('asks for more steps per frame while steps are cheap (one read-back per frame), and stops at the end', async () => {
    const { SimRunner } = await import('../../src/app/runner.ts');
    const asked: number[] = [];
    let step = 0;
    const END = 5000;
    const frame = (advanced: number) => ({
      time: step,
      step,
      dt: 1,
      end: END,
      finished: step >= END,
      error: null,
      advanced,
      row: { step, time_s: step },
      fields: {},
    });
    // a solver whose steps cost nothing: every request comes back at once
    const client = {
      where: 'worker' as const,
      info: { backend: 'cpu', device: 'fake', log: [], quantities: [], columns: [] },
      advance: async (n: number) => {
        asked.push(n);
        const d = Math.min(n, END - step);
        step += d;
        return frame(d);
      },
      frame: async () => frame(0),
      setEnd: async () => {},
      continuation: async () => {
        throw new Error('unused');
      },
      close: async () => {},
    };
    const r = new SimRunner(client);
    let frames = 0;
    r.onFrame = () => frames++;
    r.run();
    await r.pause().then(() => new Promise((res) => setTimeout(res, 0)));
    // run() again after the pause: the loop goes on to the end time
    r.run();
    while (r.isRunning) await new Promise((res) => setTimeout(res, 1));
    expect(step).toBe(END);
    expect(r.last?.finished).toBe(true);
    // n doubled from 1 while every request took (almost) no time: far fewer frames than steps
    expect(asked[0]).toBe(1);
    expect(Math.max(...asked)).toBeGreaterThanOrEqual(1024);
    expect(frames).toBeLessThan(40);
    expect(r.stepsPerSecond()).toBeNull();
  });
});
