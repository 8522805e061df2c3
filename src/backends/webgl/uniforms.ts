/**
 * The parameter vectors of the GLSL kernels (shaders/glsl), declared once: each `uniform vecN` of
 * a shader that carries named scalars has an entry here listing its components in lane order
 * (x, y, z, w), and the host packs it by name with glUniform(). '_' is an unused lane (packed as 0).
 * Each name has one meaning in every shader that declares it. The shader declaration repeats the
 * list as its comment, `uniform vec4 uP0; // (dt, invDx, mobKappa, mobW)`, and
 * test/unit/glsl-uniforms.test.ts checks the two against each other (lane count and names).
 * The WGSL twin is src/backends/webgpu/uniforms.ts (the same field names where the two agree).
 */

export const GL_UNIFORMS = {
  /** phase_flux.glsl: dt, 1/dx (1/µm), L_σ κ0 (µm²/s), L_σ W (1/s) */
  uP0: ['dt', 'invDx', 'mobKappa', 'mobW'],
  /** phase.frag.glsl: L_η (1/s), 1 − α, α, σ_W √dt */
  uP1: ['leta', 'ea', 'eb', 'noiseAmp'],
  /** phase_imex_rate.frag.glsl: as uP1, dt in the last lane (g = dt·∂F/∂c̃) */
  uRateP1: ['leta', 'ea', 'eb', 'dt'],
  /** phase_flux.glsl: anisotropy strength δ and mode ω, cos(ω θ0), sin(ω θ0) */
  uP2: ['delta', 'omega', 'cosW0', 'sinW0'],
  /** phase.frag.glsl, phase_imex_rhs.frag.glsl, noise_probe.frag.glsl: stepKey(seed, step) as 16-bit limbs (exact in f32) */
  uKey: ['keyHi', 'keyLo'],
  /** phase_imex_rhs.frag.glsl: σ_W √dt; first: 1 on the first sweep (δ = 0) */
  uR: ['dt', 'noiseAmp', 'first', '_'],
  /** phase_imex_op.frag.glsl: h = dt/2, the face weight W = h·L_σκ0·K/dx², the clamp of h·S from below */
  uO: ['h', 'W', 'floor', '_'],
  /** potential_assemble.frag.glsl, potential_flux.frag.glsl: σ̂ of metal and electrolyte (coefProps), srcScale = −dx²β (assembly only) */
  uK: ['sigmaS', 'sigmaL', 'srcScale', '_'],
  /** potential_flux.frag.glsl: area = dx (2D) or dx² (3D), µm^(d−1) */
  uF: ['dx', 'area', 'beta', '_'],
  /** transport_assemble.frag.glsl: scale = dt/dx², csSink = sink·c_s/c0, bcMax: max Dirichlet φ (−BIG if none), the drift factor */
  uT: ['scale', 'csSink', 'bcMax', 'migration'],
  /** transport_assemble.frag.glsl: D in metal and electrolyte, µm²/s */
  uD: ['Ds', 'Dl', '_', '_'],
  /** transport_finish.frag.glsl: csSink = sink·c_s/c0, vol = dx^d (µm^d), 1/dt */
  uL: ['csSink', 'vol', 'invDt', '_'],
  /** species_screen.frag.glsl: the species' screening strength; first: 1 for the first species (the sum starts at 1) */
  uS: ['shield', 'first'],
  /** gp.glsl (docs/grand-potential.md): e_l, e_s, dv, M0 (µm²/s) */
  uGp0: ['el', 'es', 'dv', 'M0'],
  /** gp.glsl: K = 1 + e^{el}, dt, scale = dt/dx², vol = dx^d */
  uGp1: ['K', 'dt', 'scale', 'vol'],
  /** gp.glsl: max Dirichlet value of φ (−BIG if none) */
  uRef: ['bcMax', '_', '_', '_'],
  /** elastic.glsl (docs/mechanics.md): dx (µm), the stack pressure, the coupling factor Ω μ_ref/RT, a liquid electrolyte's −hydro·I */
  uEl: ['dx', 'pressure', 'sFactor', 'hydro'],
  /** elastic_material.frag.glsl: λ and μ of metal and electrolyte over μ_ref */
  uMatC: ['lamM', 'muM', 'lamE', 'muE'],
  /** elastic_coupling.frag.glsl: metal − electrolyte λ and μ, over μ_ref */
  uDLame: ['dLam', 'dMu'],
} as const satisfies Record<string, readonly string[]>;

/**
 * The `uniform vecN` declarations that are not parameter vectors but arrays indexed by axis, face
 * or channel, or geometry, each packed by one function from its source: the grid and texture sizes
 * and periodicity (gridUniforms, grid.ts; the P/C variants are the padded and coarse grids), the
 * boundary-condition faces (bcUniforms, and cbUniforms in gp-transport.ts), the elastic face types
 * and the eigenstrain diagonal (elasticity.ts), the reduction's source size and per-channel max mask
 * (reduce.ts). The test checks these are declared in some shader and have no layout.
 */
export const GL_ARRAY_UNIFORMS = [
  'uGrid',
  'uTex',
  'uPer',
  'uGridP',
  'uTexP',
  'uGridC',
  'uTexC',
  'uBcT0',
  'uBcT1',
  'uBcV0',
  'uBcV1',
  'uCbT0',
  'uCbT1',
  'uCbV0',
  'uCbV1',
  'uFaces',
  'uFaces2',
  'uE0',
  'uSrc',
  'uIsMax',
] as const;

export type GlUniformName = keyof typeof GL_UNIFORMS;
/** The named lanes of parameter vector `N`, every one required ('_' lanes excluded). */
export type GlUniformValues<N extends GlUniformName> = { [F in Exclude<(typeof GL_UNIFORMS)[N][number], '_'>]: number };

/** The lanes of parameter vector `name` in declaration order ('_' lanes 0); refuses unknown and missing names. */
export function glUniform<N extends GlUniformName>(name: N, values: GlUniformValues<N>): number[] {
  const layout: readonly string[] = GL_UNIFORMS[name];
  const v = values as Record<string, number>;
  for (const k of Object.keys(v)) if (k === '_' || !layout.includes(k)) throw new Error(`glUniform(${name}): no component ${k}`);
  return layout.map((k) => {
    if (k === '_') return 0;
    const x = v[k];
    if (typeof x !== 'number') throw new Error(`glUniform(${name}): component ${k} missing`);
    return x;
  });
}

/** uKey: a step key (stepKey, a u32) as two 16-bit limbs, exact in f32. */
export function glKey(key: number): number[] {
  return glUniform('uKey', { keyHi: key >>> 16, keyLo: key & 0xffff });
}
