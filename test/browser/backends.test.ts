/**
 * Backend conformance in headless Chromium: the one test body of test/conformance/body.ts (read
 * its header) run over the browser's backends, each living in a page (src/browser/backend-host.ts)
 * and driven from Node through RemoteBackend — WebGPU ('webgpu (Chromium)') and the regl/WebGL
 * backend ('webgl (Chromium)'), against the f64 CPU reference in Node, with the same tolerances.
 * One browser session is shared by every case. Skips say why (no Chromium; or the page's own
 * error when it has no WebGPU adapter / WebGL context) — never unconditionally.
 * Also here: the GLSL noise is bit-exact (hash32 on 16-bit limbs, test/browser/webgl-noise.ts),
 * every GLSL program compiles in the page, and every .glsl file belongs to a program.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { initialFields } from '../../src/model/initial.ts';
import { chromiumMissingReason, startBrowserSession, type BrowserSession } from '../../src/browser/chromium.ts';
import { RemoteBackend } from '../../src/browser/remote-backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { programFiles } from '../../src/backends/webgl/programs.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import {
  ADDITIVE_CASES,
  CASES,
  clampedCoefficients,
  conformance,
  noiseOnly,
  PHASE_CASES,
  SOLVER_CASES,
  SPECIES_CASES,
  MECH_CASES,
  mechanicsEshelby,
  mechanicsMms,
  SWITCH_CASES,
  type Case,
  type Subject,
} from '../conformance/body.ts';
import { GP_CASES, gpConservation, gpMigrationFront, gpMms, gpNernst } from '../conformance/gp-body.ts';
import { checkNoise } from './webgl-noise.ts';
import { imexPreconditionerChoice } from './webgl-imex-precond.ts';
import { PERIODIC_CASE, voltageStep } from './webgl-switches.ts';

type Name = 'webgpu' | 'webgl';

let session: BrowserSession | null = null;
let sessionError = chromiumMissingReason();
if (!sessionError) {
  try {
    session = await startBrowserSession();
  } catch (e) {
    sessionError = (e as Error).message;
  }
}

/** Builds a tiny backend of each kind in the page: null when it works, else the page's error. */
async function probe(name: Name): Promise<string | null> {
  if (!session) return sessionError;
  const s = parseScenario(CASES[0].input);
  try {
    const b = await RemoteBackend.fromParts(session.page, name, makeLayout(s), coefficients(s), makeBCs(s));
    await b.dispose();
    return null;
  } catch (e) {
    return `the page could not build the ${name} backend: ${(e as Error).message.split('\n')[0]}`;
  }
}

const why: Record<Name, string | null> = { webgpu: await probe('webgpu'), webgl: await probe('webgl') };
for (const n of ['webgpu', 'webgl'] as Name[]) if (why[n]) console.warn(`${n} (Chromium) cases skipped: ${why[n]}`);

afterAll(async () => {
  await session?.close();
});

const subject = (name: Name): Subject => ({
  name: `${name} (Chromium)`,
  available: why[name] === null,
  skipReason: why[name] ?? '',
  make: (L, k, bc, props) => RemoteBackend.fromParts(session!.page, name, L, k, bc, { props: props ?? null }),
});

const SUBJECTS = [subject('webgpu'), subject('webgl')];

/**
 * WebGL runs every case of the body (base, both phase stages, solver switches, material switches, additive,
 * two species, mechanics, and the mechanics known answers) plus a periodic odd-sized 3D grid. WebGPU in
 * Chromium runs the same WGSL as WebGPU in Node, where test/conformance/backends.test.ts covers every case;
 * here it runs the base and phase-stage cases and the noise draws, which prove the page's path (bundled
 * shaders, navigator.gpu, Chromium's Dawn).
 */
const CASES_FOR: Record<Name, Case[]> = {
  webgl: [
    ...CASES,
    ...PHASE_CASES,
    ...SOLVER_CASES,
    ...SWITCH_CASES,
    ...ADDITIVE_CASES,
    ...SPECIES_CASES,
    PERIODIC_CASE,
    ...GP_CASES,
    ...MECH_CASES,
  ],
  webgpu: [...CASES, ...PHASE_CASES],
};

describe.each(SUBJECTS)('backend $name against the f64 CPU reference', (sub) => {
  const skipped = sub.available ? '' : ` (skipped: ${sub.skipReason})`;
  const name = sub.name.split(' ')[0] as Name;
  for (const cs of CASES_FOR[name]) {
    it.skipIf(!sub.available)(`${cs.label}: ${cs.steps} coupled steps${skipped}`, () => conformance(sub, cs), 300_000);
  }
  it.skipIf(!sub.available)(`noise draws equal the reference${skipped}`, () => noiseOnly(sub));
  if (name === 'webgl') {
    it.skipIf(!sub.available)(`coefficients clamp ξ to [0, 1]${skipped}`, () => clampedCoefficients(sub));
    it.skipIf(!sub.available)(`setVoltage between steps${skipped}`, () => voltageStep(sub));
    it.skipIf(!sub.available)(
      `IMEX phase preconditioner: jacobi and multigrid take the reference's iterations${skipped}`,
      () => imexPreconditionerChoice(sub),
      300_000,
    );
    for (const dims of [2, 3] as const) {
      it.skipIf(!sub.available)(`mechanics known answers: Eshelby ${dims}D${skipped}`, () => mechanicsEshelby(sub, dims), 600_000);
      it.skipIf(!sub.available)(
        `mechanics known answers: manufactured solution ${dims}D, order 2${skipped}`,
        () => mechanicsMms(sub, dims),
        600_000,
      );
    }
    // the grand-potential form's known answers (test/conformance/gp-body.ts; Node runs them on cpu and webgpu)
    it.skipIf(!sub.available)(`grand-potential: lithium conserved${skipped}`, () => gpConservation(sub), 600_000);
    it.skipIf(!sub.available)(`grand-potential: Nernst equilibrium of (1′)${skipped}`, () => gpNernst(sub), 600_000);
    it.skipIf(!sub.available)(`grand-potential: migration-limited front${skipped}`, () => gpMigrationFront(sub), 600_000);
    it.skipIf(!sub.available)(`grand-potential: manufactured solution of (2′)${skipped}`, () => gpMms(sub), 600_000);
  }
});

describe('WebGL backend: shaders, noise, renderer', () => {
  const skip = why.webgl ? ` (skipped: ${why.webgl})` : '';

  it('every .glsl file under shaders/glsl belongs to a program', () => {
    const root = path.resolve(import.meta.dirname, '../../shaders');
    const onDisk = fs
      .readdirSync(path.join(root, 'glsl'))
      .map((f) => `glsl/${f}`)
      .sort();
    expect(onDisk).toEqual(programFiles((p) => fs.readFileSync(path.join(root, p), 'utf8')));
  });

  it.skipIf(!!why.webgl)(`every program compiles and links in the page${skip}`, async () => {
    const s = parseScenario(CASES[1].input);
    const b = await RemoteBackend.fromParts(session!.page, 'webgl', makeLayout(s), coefficients(s), makeBCs(s));
    try {
      const names = await b.call<string[]>('compilePrograms');
      console.log(`compiled ${names.length} WebGL programs (${b.device})`);
      expect(names.length).toBeGreaterThan(30);
    } finally {
      await b.dispose();
    }
  });

  it.skipIf(!!why.webgl)(`a software renderer is refused when allowSoftware is false, and named${skip}`, async () => {
    const s = parseScenario(CASES[0].input);
    const L = makeLayout(s),
      k = coefficients(s),
      bc = makeBCs(s);
    const b = await RemoteBackend.fromParts(session!.page, 'webgl', L, k, bc);
    const software = /swiftshader|llvmpipe|softpipe|software|lavapipe/i.test(b.device);
    await b.dispose();
    if (software) {
      await expect(RemoteBackend.fromParts(session!.page, 'webgl', L, k, bc, { allowSoftware: false })).rejects.toThrow(
        /software one \(.*SwiftShader|software one \(/i,
      );
    } else {
      const hw = await RemoteBackend.fromParts(session!.page, 'webgl', L, k, bc, { allowSoftware: false });
      await hw.dispose();
    }
  });

  it.skipIf(!!why.webgl)(`reductions skip and count non-finite cells (GLSL isNan/isFinite)${skip}`, async () => {
    const s = parseScenario(CASES[0].input);
    const L = makeLayout(s),
      k = coefficients(s),
      bc = makeBCs(s);
    const f = initialFields(s);
    f.xi[100] = NaN;
    f.c[200] = Infinity;
    f.c[300] = -Infinity;
    const ref = new CpuBackend(L, k, bc, { threads: 1 });
    const b = await RemoteBackend.fromParts(session!.page, 'webgl', L, k, bc);
    try {
      await ref.init(f);
      await b.init(f);
      const [a, g] = [await ref.reductions(), await b.reductions()];
      console.log(
        `[webgl] non-finite cells: reference ${a.nonFinite}, webgl ${g.nonFinite}; Σξ ${a.sumXi} / ${g.sumXi}; max c̃ ${a.cMax} / ${g.cMax}`,
      );
      expect(a.nonFinite).toBe(3);
      expect(g.nonFinite).toBe(3);
      for (const key of ['sumXi', 'sumC', 'sumGrad', 'cMax', 'cMin', 'xiMin', 'xiMax', 'tip'] as const) {
        // (Σ|∇ξ| is NaN on both: a finite cell next to the NaN one takes it into its difference)
        if (Number.isNaN(a[key])) expect(g[key], key).toBeNaN();
        else expect(Math.abs(g[key] - a[key]), key).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a[key])));
      }
    } finally {
      await ref.dispose();
      await b.dispose();
    }
  });

  it.skipIf(!!why.webgl)(
    `a lost context rejects every stage with a clear message${skip}`,
    async () => {
      const s = parseScenario(CASES[0].input);
      const b = await RemoteBackend.fromParts(session!.page, 'webgl', makeLayout(s), coefficients(s), makeBCs(s));
      await b.init(initialFields(s));
      await b.call('loseContext');
      await expect(b.potential(1e-9, 10)).rejects.toThrow(/WebGL context was lost/);
      await expect(b.phase(1e-3, 0)).rejects.toThrow(/WebGL context was lost/);
      await expect(b.read()).rejects.toThrow(/WebGL context was lost/);
      await b.dispose();
    },
    60_000,
  );

  it.skipIf(!!why.webgl)(`hash32 on 16-bit float limbs is bit-exact and the normals match cellNormal${skip}`, async () => {
    await checkNoise(session!.page);
  });
});
