/**
 * The MG-PCG status words: the host's table (src/backends/webgpu/mgpcg.ts, CG) names the same
 * words as shaders/common/cg_state.wgsl, and the status buffer holds all of them (a word past its
 * end is silently clamped onto another by robust buffer access: the coarsest factor's verdict
 * once landed on "solved", and every later solve of a slot on a grid without a multigrid tail
 * then ended broken down).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CG } from '../../src/backends/webgpu/mgpcg.ts';
import { shaderRoot } from '../../src/backends/webgpu/shaders.ts';

describe('MG-PCG status words', () => {
  it('the host table equals cg_state.wgsl and the buffer holds every word', () => {
    const src = readFileSync(new URL('common/cg_state.wgsl', shaderRoot()), 'utf8');
    const wgsl = new Map<string, number>();
    for (const m of src.matchAll(/^const CG_(\w+): u32 = (\d+)u;/gm)) wgsl.set(m[1], Number(m[2]));
    for (const [k, v] of Object.entries(CG)) expect(wgsl.get(k), `CG.${k}`).toBe(v);
    const words = wgsl.get('WORDS')!;
    for (const [k, v] of wgsl) if (k !== 'WORDS') expect(v, `CG_${k} inside the ${words}-word buffer`).toBeLessThan(words);
    expect(CG.WORDS).toBe(words);
  });
});
