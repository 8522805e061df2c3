/**
 * The per-kernel binding table (src/backends/webgpu/traffic.ts), from which the benchmark counts
 * the bytes every dispatch moves, agrees with the WGSL declarations of every module: the same
 * number of bindings, a uniform where the table says 'u', and a read_write storage binding
 * wherever the table says the kernel writes ('w', 'rw'). Runs without a GPU (shader text only).
 */
import { describe, expect, it } from 'vitest';
import { MODULES, shaderSource, type ModuleName } from '../../src/backends/webgpu/shaders.ts';
import { BINDINGS, bindingsOf, dispatchBytes } from '../../src/backends/webgpu/traffic.ts';

/** The override-constant variants the backend creates of each module whose table depends on them. */
const VARIANTS: Partial<Record<ModuleName, Record<string, number>[]>> = {
  // one channel of each mode; the transport's end (Σ, Σ, max |a − b|, Σ: slots 0, 1, 2–3, 4); seven sums
  reduceStage1: [
    { K: 1, MODE0: 0, IN0: 0 },
    { K: 1, MODE0: 1, IN0: 0 },
    { K: 1, MODE0: 2, IN0: 0 },
    { K: 1, MODE0: 3, IN0: 0 },
    { K: 4, MODE0: 1, IN0: 0, MODE1: 1, IN1: 1, MODE2: 3, IN2: 2, MODE3: 1, IN3: 4 },
    {
      K: 7,
      ...Object.fromEntries(
        [0, 1, 2, 3, 4, 5, 6].flatMap((i) => [
          [`MODE${i}`, 1],
          [`IN${i}`, i],
        ]),
      ),
    },
  ],
  mgPost: [{ DOT: 0 }, { DOT: 1 }],
  mgRestrict: [{ LEVEL0: 0 }, { LEVEL0: 1 }, { LEVEL0: 1, CGUPD: 1 }],
  cgUpdate: [{ JACOBI: 0 }, { JACOBI: 1 }, { JACOBI: 1, START: 1 }],
  cgUpdateU: [{ JACOBI: 1 }, { JACOBI: 1, START: 1 }],
  elasticStress: [{ MODE: 0 }, { MODE: 1 }, { MODE: 2 }],
  elasticForce: [
    { MODE: 0, RESID: 0 },
    { MODE: 0, RESID: 1 },
    { MODE: 1, RESID: 1 },
  ],
  mechMgSmooth: [{ FIRST2: 0 }, { FIRST2: 1 }],
  mechCgVec: [{ MODE: 0 }, { MODE: 1 }, { MODE: 2 }],
};

/** binding index → 'uniform' | 'read' | 'read_write', from the module source. */
function declared(name: ModuleName): Map<number, string> {
  const out = new Map<number, string>();
  const re = /@binding\((\d+)\)\s*var<\s*(uniform|storage\s*,\s*(read_write|read))\s*>/g;
  for (const m of shaderSource(name).matchAll(re)) {
    const kind = m[2] === 'uniform' ? 'uniform' : m[3];
    expect(out.has(Number(m[1])), `${name}: binding ${m[1]} declared twice`).toBe(false);
    out.set(Number(m[1]), kind);
  }
  return out;
}

describe('WebGPU binding table (traffic.ts) against the WGSL declarations', () => {
  it('covers every module, and every variant of a mode-dependent entry', () => {
    expect(Object.keys(BINDINGS).sort()).toEqual(Object.keys(MODULES).sort());
    for (const [name, t] of Object.entries(BINDINGS)) {
      if (typeof t === 'function') expect(VARIANTS[name as ModuleName], `${name} depends on constants: list its variants`).toBeDefined();
    }
  });

  for (const name of Object.keys(MODULES) as ModuleName[]) {
    it(`${name}: binding count, uniforms and written bindings`, () => {
      const decl = declared(name);
      for (const c of VARIANTS[name] ?? [{}]) {
        const acc = bindingsOf(name, c);
        expect(acc.length, `${name} ${JSON.stringify(c)}: bindings`).toBe(decl.size);
        acc.forEach((a, i) => {
          const d = decl.get(i);
          const what = `${name} ${JSON.stringify(c)} binding ${i}`;
          expect(d, `${what}: declared`).toBeDefined();
          if (a === 'u') expect(d, what).toBe('uniform');
          else expect(d, `${what}: storage`).not.toBe('uniform');
          if (a === 'w' || a === 'rw') expect(d, `${what}: written, so read_write`).toBe('read_write');
          // every read_write binding is written in some variant (else the table undercounts it)
        });
      }
      decl.forEach((d, i) => {
        if (d !== 'read_write') return;
        const written = (VARIANTS[name] ?? [{}]).some((c) => ['w', 'rw'].includes(bindingsOf(name, c)[i]));
        expect(written, `${name} binding ${i} is read_write but the table never writes it`).toBe(true);
      });
    });
  }

  it('counts r and w once, rw twice, uniforms and unused bindings not at all', () => {
    // transport_limit: grid u, params u, c̃ rw, ξⁿ⁺¹ r, Δξ rw, ξ w, ∂ξ/∂t w, lim w, props r, loop u
    const N = 4 * 1000;
    const sizes = [32, 16, N, N, N, N, N, N, 4 * N, 256];
    expect(dispatchBytes('transportLimit', {}, sizes)).toBe(2 * N + N + 2 * N + 3 * N + 4 * N);
    // mg_post (prolongation and both sweeps) reads op, b, x in and the coarse correction (a
    // quarter of the cells in 2D), writes x out, status read; on the fine level (DOT) also the
    // r·z partials
    const P = 64;
    const post = [32, 32, 32, 4 * N, N, N, N / 4, N, 64, P];
    expect(dispatchBytes('mgPost', { DOT: 0 }, post)).toBe(4 * N + 3 * N + N / 4 + 64);
    expect(dispatchBytes('mgPost', { DOT: 1 }, post)).toBe(4 * N + 3 * N + N / 4 + 64 + P);
    expect(() => dispatchBytes('mgPost', { DOT: 1 }, [16, 64])).toThrow(/10 bindings in the table, 2 bound/);
    // mg_restrict reads op and b, writes the pre-smoothed x and the coarse b (a quarter of the
    // cells in 2D), reads the status; the CG update's bindings (placeholders) count nothing
    const rs = [32, 32, 4 * N, N, N, N / 4, 64, 32, 16, 16, 16];
    expect(dispatchBytes('mgRestrict', { LEVEL0: 1 }, rs)).toBe(4 * N + 2 * N + N / 4 + 64);
    // with the CG update fused (CGUPD): r2 one half read and one written (extent N), x, the
    // solution vector in place, p_i and q read (extent 2N), the partials and the status read and
    // written
    const fused = [32, 32, 4 * N, N, N, N / 4, 64, 32, N, 2 * N, P];
    const fusedBytes = dispatchBytes('mgRestrict', { LEVEL0: 1, CGUPD: 1 }, fused);
    expect(fusedBytes).toBe(4 * N + 2 * N + N + N / 4 + 2 * 64 + 2 * N + 2 * N + 2 * P);
    // cg_update without its sweeps (z unused); the separate passes it replaces (cg_update writing
    // the pre-smoothed x, then the restriction reading it and r_i) moved op, r_i, x and the status once more
    const update = dispatchBytes('cgUpdate', {}, [32, 16, 4 * N, N, N, N, N, N, P, 64]);
    expect(update).toBe(4 * N + 2 * N + 2 * N + N + N + 2 * P + 2 * 64);
    const formerPair = update + N + (4 * N + N + N + N / 4 + 64);
    expect(formerPair - fusedBytes).toBe(4 * N + N + N + 64);
    // a multi-channel reduction's first pass reads the slots its channels use (each at its own
    // extent) and writes the partials; the unread slots (bound to any buffer) count nothing
    // (potential: three row sums and max ψ; transport: Σ, Σ, max |a − b| on two slots, Σ; x5, x6 unread)
    const rows = 96;
    const pot = { K: 4, MODE0: 1, IN0: 0, MODE1: 1, IN1: 1, MODE2: 1, IN2: 2, MODE3: 2, IN3: 3 };
    expect(dispatchBytes('reduceStage1', pot, [112, rows, rows, rows, N, 16, 16, 16, 256, 64])).toBe(3 * rows + N + 256);
    const tr = { K: 4, MODE0: 1, IN0: 0, MODE1: 1, IN1: 1, MODE2: 3, IN2: 2, MODE3: 1, IN3: 4 };
    expect(dispatchBytes('reduceStage1', tr, [112, N, N, N, N, N, 16, 16, 256, 64])).toBe(5 * N + 256);
  });
});
