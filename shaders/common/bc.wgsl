// Boundary conditions in the numeric form of src/backends/layout.ts.
// Faces in order x0, x1, y0, y1, z0, z1; values in scaled units (ξ, c̃, ψ = fφ).

const BC_NOFLUX: i32 = 0;
const BC_DIRICHLET: i32 = 1;
const BC_PERIODIC: i32 = 2;
// ξ only (substrate wetting, docs/material-switches.md (contact angle)): v = a = (2·dx/w)·cos θ, ghost = u + a·u·(1 − u)
const BC_CONTACT: i32 = 3;

struct BC {
  // t[q / 4][q % 4]: type of face q
  t: array<vec4<i32>, 2>,
  // v[q / 4][q % 4]: Dirichlet value of face q (contact: the coefficient a)
  v: array<vec4<f32>, 2>,
}
