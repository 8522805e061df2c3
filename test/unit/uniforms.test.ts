/**
 * WGSL uniform layouts declared once (src/backends/webgpu/uniforms.ts): the host packs each
 * struct by field name, every module gets the struct declarations generated from the same entry,
 * and no shader file declares one of them by hand. Also the storage-binding budget: no module
 * binds more than the 8 storage buffers every WebGPU adapter offers, however many species a
 * scenario has (the phase stage reads the species' screening from one buffer). These are checks
 * on the source text; test/conformance/backends.test.ts compiles every module with Dawn.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODULES, shaderRoot, shaderSource, type ModuleName } from '../../src/backends/webgpu/shaders.ts';
import { packUniform, UNIFORMS, uniformsUsed, wgslStruct, type UniformName } from '../../src/backends/webgpu/uniforms.ts';

const modules = Object.keys(MODULES) as ModuleName[];

describe('WGSL uniform layouts', () => {
  it('packs by name in declaration order, f32 and u32, padded to 16 bytes; refuses unknown fields', () => {
    const b = packUniform('SolveParams', { slot: 2, tol: -3.25, gate: 3, maxIter: 9, groups: 5, n: 7 });
    expect(b.byteLength).toBe(32);
    const f = new Float32Array(b),
      u = new Uint32Array(b);
    expect([u[0], u[1], u[2], u[3], f[4], u[5], u[6], u[7]]).toEqual([7, 5, 9, 3, -3.25, 2, 0, 0]);
    // a layout of n four-byte fields takes n·4 bytes rounded up to 16 (PhaseParams: 17 fields since mechanics → 80)
    const nPhase = Object.keys(UNIFORMS.PhaseParams).length;
    expect(
      packUniform('PhaseParams', { ...Object.fromEntries(Object.keys(UNIFORMS.PhaseParams).map((k) => [k, 1])) } as never).byteLength,
    ).toBe(Math.ceil((4 * nPhase) / 16) * 16);
    expect(() => packUniform('TipParams', { dx: 1, dy: 2 } as never)).toThrow(/no field dy/);
    expect(() => packUniform('TipParams', {} as never)).toThrow(/field dx missing/);
  });

  it('generates the WGSL struct of each layout', () => {
    expect(wgslStruct('CoefParams')).toBe('struct CoefParams {\n  hi: f32,\n  lo: f32,\n  kind: u32,\n  _pad3: u32,\n}');
  });

  it('every module declares each uniform struct it uses exactly once, generated; no shader file declares one', () => {
    const root = shaderRoot();
    const files = new Set(Object.values(MODULES).flat());
    for (const f of files) {
      const text = fs.readFileSync(new URL(f, root), 'utf8');
      for (const name of Object.keys(UNIFORMS)) expect(text, `${f} declares ${name}`).not.toMatch(new RegExp(`struct\\s+${name}\\b`));
    }
    const used = new Set<UniformName>();
    for (const m of modules) {
      const src = shaderSource(m);
      // every uniform binding's type is a generated layout or one of the vector structs of shaders/common
      // (Grid, BC; ReduceChannels: a reduction's channel table, common/reduce.wgsl, packed by reduce.ts)
      for (const [, type] of src.matchAll(/var<uniform>\s+\w+\s*:\s*(\w+)/g)) {
        expect(type in UNIFORMS || ['Grid', 'BC', 'ReduceChannels'].includes(type), `${m}: uniform of type ${type}`).toBe(true);
      }
      for (const name of uniformsUsed(src)) {
        used.add(name);
        expect(src.split(`struct ${name} {`).length - 1, `${m}: struct ${name}`).toBe(1);
        expect(src).toContain(wgslStruct(name));
      }
    }
    // no layout without a kernel
    expect([...used].sort()).toEqual(Object.keys(UNIFORMS).sort());
  });

  it('no module binds more than 8 storage buffers (the WebGPU minimum)', () => {
    const counts = modules.map((m) => [m, [...shaderSource(m).matchAll(/var<storage\b/g)].length] as const);
    for (const [m, n] of counts) expect(n, m).toBeLessThanOrEqual(8);
    // the phase stage is at the limit: the species' screening has to stay in its props binding;
    // so is a reduction's first pass: seven input slots and its partials (reduce.ts, REDUCE_SLOTS)
    expect(Object.fromEntries(counts).phase).toBe(8);
    expect(Object.fromEntries(counts).reduceStage1).toBe(8);
  });
});
