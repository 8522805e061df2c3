// Transport stage assembly: the implicit Scharfetter–Gummel step in the Slotboom variable
// u = c̃ e^{a}, a = ψ − ψ_ref (src/backends/cpu/transport.ts, shaders/transport_assemble.wgsl):
//   [diag(M) + (dt/dx²) A_w] u = c̃ⁿ − sink·(c_s/c0)·Δξ + Σ_Dirichlet w_b u_b,   M = e^{−a},
// w_ij = (dt/dx²)·harmonic(D_i, D_j)·sgWeight(a_i, a_j) on the + faces (periodic faces wrap,
// other boundary faces 0); on a Dirichlet face of c̃ with value g: w_b = 2(dt/dx²)·D_cell·
// sgWeight(a, a_f), a_f = mean of the cell's and its ghost's a, u_b = g e^{a_f}.
// ψ is read padded with φ's boundary conditions (ghosts.frag.glsl); c̃'s conditions are uCb*.
// D(ξⁿ⁺¹) = coefOf(ξⁿ⁺¹, D_s, D_l); ψ_ref = max(max ψ (1×1 texture), Dirichlet values of φ).
// OUT_OP: the operator (M + Σw_b, w+x, w+y, w+z). OUT_RHS: (rhs, Σ w_b, Σ w_b u_b, M).
// OUT_U: the warm start (c̃ⁿ e^{a}, 0, 0, 0).
// The same kernels advance each transported species ã (src/model/species.ts; src/backends/cpu/
// transport.ts, TransportSpecies): uC = ã, D = D_a(1 − h) (uD = (0, D_a)), its drift factor,
// sink 0, Dirichlet values 1.
// With uReact = 1 (the IMEX phase stage, docs/imex-phase.md) the deposit's c̃-dependence is
// implicit: Δξ → Δξ + g(c̃ⁿ⁺¹ − c̃ⁿ), g = dt·∂F/∂c̃ from uGk.b (phase_imex_rate.frag.glsl), so the
// diagonal's M becomes M(1 + sink·(c_s/c0)·g) and the right-hand side gains sink·(c_s/c0)·g·c̃ⁿ
// (transport_finish.frag.glsl applies the same correction to ξ; src/backends/cpu/transport.ts).
uniform sampler2D uPh;     // (ξⁿ⁺¹, Δξ, ·, ·)
uniform sampler2D uXiD;    // .r = the ξ the diffusivity is taken at (ξⁿ⁺¹; a species: ξ committed)
uniform sampler2D uC;
uniform sampler2D uPsiPad; // ψ padded with φ's ghosts (ghosts.frag.glsl)
uniform sampler2D uPsiMax; // 1×1: max ψ over the cells
uniform vec4 uCbT0;
uniform vec4 uCbT1;
uniform vec4 uCbV0;
uniform vec4 uCbV1;
uniform vec4 uT;           // (scale, csSink, bcMax, migration)
uniform vec4 uD;           // (Ds, Dl, _, _)
uniform sampler2D uProps;  // material props: D uses kD, 0 in a host cell
uniform sampler2D uGk;     // .b = g (uReact = 1)
uniform float uReact;      // 1: the IMEX stage's implicit c̃ coupling; 0: none (explicit stage, a species)

float ref;

// a = migration·(ψ − ψ_ref): the transport scalars of README: physics switches (binary electrolyte) (migration 1 in the base
// model, 0 in the binary-electrolyte mode: plain diffusion; sink multiplies c_s/c0 in uT.y)
float aPad(vec3 p) { return (padAt(uPsiPad, p) - ref) * uT.w; }
float Dof(vec3 c) { return coefProps(at(uXiD, c).r, uD.x, uD.y, at(uProps, c), 1.0); }

// sgWeight: shaders/glsl/sg.glsl (shared with the grand-potential residual, gp_residual.frag.glsl)

// one Dirichlet face of c̃: accumulates (Σ w_b, Σ w_b u_b)
vec2 face(vec2 acc, vec3 c, vec3 e, float a, float Dc, float g) {
  float af = 0.5 * (a + aPad(c + e));
  float wb = 2.0 * uT.x * Dc * sgWeight(a, af);
  return acc + vec2(wb, wb * (g * exp(af)));
}

void main() {
  vec3 c = thisCell();
  ref = max(texture2D(uPsiMax, vec2(0.5)).r, uT.z);
  float a = aPad(c);
  float M = exp(-a);
  float cn = at(uC, c).r;
#ifdef OUT_U
  gl_FragColor = vec4(cn * exp(a), 0.0, 0.0, 0.0);
#else
  float Dc = Dof(c);
  bool three = is3();
  vec2 acc = vec2(0.0);
  if (c.x == 0.0 && uCbT0.x == 1.0) acc = face(acc, c, vec3(-1.0, 0.0, 0.0), a, Dc, uCbV0.x);
  if (c.x == uGrid.x - 1.0 && uCbT0.y == 1.0) acc = face(acc, c, vec3(1.0, 0.0, 0.0), a, Dc, uCbV0.y);
  if (c.y == 0.0 && uCbT0.z == 1.0) acc = face(acc, c, vec3(0.0, -1.0, 0.0), a, Dc, uCbV0.z);
  if (c.y == uGrid.y - 1.0 && uCbT0.w == 1.0) acc = face(acc, c, vec3(0.0, 1.0, 0.0), a, Dc, uCbV0.w);
  if (three && c.z == 0.0 && uCbT1.x == 1.0) acc = face(acc, c, vec3(0.0, 0.0, -1.0), a, Dc, uCbV1.x);
  if (three && c.z == uGrid.z - 1.0 && uCbT1.y == 1.0) acc = face(acc, c, vec3(0.0, 0.0, 1.0), a, Dc, uCbV1.y);
  float g = uReact != 0.0 ? uReact * at(uGk, c).b : 0.0;
#ifdef OUT_RHS
  float r = cn - uT.y * at(uPh, c).g;
  if (g != 0.0) r += uT.y * g * cn;
  gl_FragColor = vec4(r + acc.y, acc.x, acc.y, M);
#else
  float ok;
  vec3 n = plusNb(c, 0, ok);
  float wx = ok * uT.x * harmonic(Dc, Dof(n)) * sgWeight(a, aPad(c + vec3(1.0, 0.0, 0.0)));
  n = plusNb(c, 1, ok);
  float wy = ok * uT.x * harmonic(Dc, Dof(n)) * sgWeight(a, aPad(c + vec3(0.0, 1.0, 0.0)));
  float wz = 0.0;
  if (three) {
    n = plusNb(c, 2, ok);
    wz = ok * uT.x * harmonic(Dc, Dof(n)) * sgWeight(a, aPad(c + vec3(0.0, 0.0, 1.0)));
  }
  float dM = g != 0.0 ? M * (1.0 + uT.y * g) : M;
  gl_FragColor = vec4(dM + acc.x, wx, wy, wz);
#endif
#endif
}
