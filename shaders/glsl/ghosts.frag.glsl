// Padded copy of a field (R channel) with one ghost layer per side, as src/backends/cpu/padded.ts
// and shaders/ghosts.wgsl: periodic → the opposite cell, no-flux → the mirrored cell, Dirichlet
// g → 2g − u, contact a (ξ only) → u + a·u·(1 − u), composed along x, then y, then z (common.glsl
// padR). Renders the padded grid uGridP (nx + 2, ny + 2, nz + 2 or 1); uGrid is the field's grid.
uniform sampler2D uSrc;

void main() {
  vec3 q = cellOfTexel(floor(gl_FragCoord.xy), uGridP);
  vec3 p = q - vec3(1.0, 1.0, is3() ? 1.0 : 0.0);
  gl_FragColor = vec4(padR(uSrc, p), 0.0, 0.0, 0.0);
}
