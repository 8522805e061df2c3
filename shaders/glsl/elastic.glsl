// The staggered elasticity grid of src/backends/cpu/elasticity-kernels.ts (docs/mechanics.md) in
// GLSL ES 1.0, shared by the elastic_*.frag kernels: the same helpers and boundary rules as the
// CPU and shaders/common/elastic.wgsl. The displacement texture holds (u_x, u_y, u_z, 0) per
// texel, component a at the centre of the cell's upper a-face; τ_ab (xy, xz, yz) lives on the
// cell's upper (a, b) edge. Face types (uFaces = x0, x1, y0, y1; uFaces2 = z0, z1): 0 clamp,
// 1 roller, 2 traction, 3 periodic. uMatT: (λ, μ, h, 0) per cell; uEl = (dx, pressure, sFactor, hydro: a
// liquid electrolyte's stack pressure added as −hydro·I in the coupling).

uniform vec4 uFaces;
uniform vec2 uFaces2;
uniform vec4 uEl;          // (dx, pressure, sFactor, hydro)
uniform sampler2D uMatT;
uniform sampler2D uU;

float faceType(int f) {
  if (f == 0) return uFaces.x;
  if (f == 1) return uFaces.y;
  if (f == 2) return uFaces.z;
  if (f == 3) return uFaces.w;
  if (f == 4) return uFaces2.x;
  return uFaces2.y;
}

float coordOf(vec3 c, int a) { return a == 0 ? c.x : (a == 1 ? c.y : c.z); }
float sizeOf(int a) { return a == 0 ? uGrid.x : (a == 1 ? uGrid.y : uGrid.z); }
float comp(vec4 v, int a) { return a == 0 ? v.x : (a == 1 ? v.y : v.z); }
int pairOf(int a, int b) {
  int lo = a < b ? a : b;
  int hi = a < b ? b : a;
  return lo == 0 ? hi - 1 : 2;
}

// − neighbour along an axis with periodic wrap; ok = 0 on a non-periodic boundary
vec3 minusNb(vec3 c, int axis, out float ok) {
  ok = 1.0;
  vec3 q = c;
  if (axis == 0) {
    if (c.x > 0.0) q.x = c.x - 1.0; else if (uPer.x != 0.0) q.x = uGrid.x - 1.0; else ok = 0.0;
  } else if (axis == 1) {
    if (c.y > 0.0) q.y = c.y - 1.0; else if (uPer.y != 0.0) q.y = uGrid.y - 1.0; else ok = 0.0;
  } else {
    if (c.z > 0.0) q.z = c.z - 1.0; else if (uPer.z != 0.0) q.z = uGrid.z - 1.0; else ok = 0.0;
  }
  return q;
}

// component a's value at cell c is held (clamp or roller upper face)
bool isFixed(vec3 c, int a) {
  if (coordOf(c, a) != sizeOf(a) - 1.0) return false;
  float t = faceType(2 * a + 1);
  return t == 0.0 || t == 1.0;
}

bool onUpper(vec3 c, int a) { return coordOf(c, a) == sizeOf(a) - 1.0 && faceType(2 * a) != 3.0; }

// component a at cell q, 0 where held
float um(vec3 q, int a) {
  if (isFixed(q, a)) return 0.0;
  return comp(at(uU, q), a);
}

float muAt(vec3 q) { return at(uMatT, q).y; }

// μ on the edge (upper a-face, upper b-face) of p: the mean over the cells around it inside
float edgeMu(vec3 p, int a, int b) {
  float oa, ob, oab;
  vec3 pa = plusNb(p, a, oa);
  vec3 pb = plusNb(p, b, ob);
  float s = muAt(p);
  float n = 1.0;
  if (oa > 0.0) { s += muAt(pa); n += 1.0; }
  if (ob > 0.0) {
    s += muAt(pb);
    n += 1.0;
    if (oa > 0.0) { s += muAt(plusNb(pa, b, oab)); n += 1.0; }
  }
  return s / n;
}

// τ = μ_e γ on the edge (upper a-face, upper b-face) of p (elasticity-kernels.ts edgeTau)
float edgeTau(vec3 p, int a, int b) {
  bool onA = onUpper(p, a);
  bool onB = onUpper(p, b);
  if (onA && onB) return 0.0;
  if ((onA && faceType(2 * a + 1) != 0.0) || (onB && faceType(2 * b + 1) != 0.0)) return 0.0;
  float o;
  float dBua = onB ? -2.0 * um(p, a) : um(plusNb(p, b, o), a) - um(p, a);
  float dAub = onA ? -2.0 * um(p, b) : um(plusNb(p, a, o), b) - um(p, b);
  return (edgeMu(p, a, b) * (dBua + dAub)) / uEl.x;
}

// τ on the edge of p's lower b-face (a domain face) at p's upper a-face (lowerEdgeTau)
float lowerEdgeTau(vec3 p, int a, int b) {
  if (faceType(2 * b) != 0.0 || onUpper(p, a)) return 0.0;
  float o;
  vec3 pa = plusNb(p, a, o);
  float me = 0.5 * (muAt(p) + muAt(pa));
  return (me * 2.0 * um(p, a)) / uEl.x;
}
