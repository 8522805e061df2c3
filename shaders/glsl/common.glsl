// Shared by every WebGL fragment shader (src/backends/webgl/programs.ts prepends it).
// Grids are 3D arrays of cells stored as an atlas of z slices in a 2D float texture:
// slice k sits in tile (k mod T, floor(k / T)) of T tiles per texture row, so cell (i, j, k) is
// texel (i + nx·(k mod T), j + ny·floor(k / T)). A 2D grid is one tile. All index arithmetic is
// in floats on exact integers (< 2^24), with +0.5 before every floor of a quotient so that a
// division rounded down by one ulp cannot drop an index.
// Uniforms of "this" grid: uGrid = (nx, ny, nz, T), uTex = (texture width, height),
// uPer = (periodic x, y, z as 0/1, dims).

precision highp float;
precision highp sampler2D;

uniform vec4 uGrid;
uniform vec2 uTex;
uniform vec4 uPer;

const float BIG = 3.4028234e38;

bool isNan(float x) { return !(x < 0.0) && !(x > 0.0) && !(x == 0.0); }
bool isFiniteF(float x) { return !isNan(x) && abs(x) <= BIG; }

vec2 texelOfCell(vec3 c, vec4 g) {
  float ty = floor((c.z + 0.5) / g.w);
  float tx = c.z - ty * g.w;
  return vec2(c.x + tx * g.x, c.y + ty * g.y);
}

vec4 fetchCell(sampler2D s, vec3 c, vec4 g, vec2 tex) {
  return texture2D(s, (texelOfCell(c, g) + 0.5) / tex);
}

// this grid's cell c of sampler s
vec4 at(sampler2D s, vec3 c) { return fetchCell(s, c, uGrid, uTex); }

vec3 cellOfTexel(vec2 t, vec4 g) {
  float bx = floor((t.x + 0.5) / g.x);
  float by = floor((t.y + 0.5) / g.y);
  return vec3(t.x - bx * g.x, t.y - by * g.y, by * g.w + bx);
}

// the cell this fragment computes (of the grid uGrid)
vec3 thisCell() { return cellOfTexel(floor(gl_FragCoord.xy), uGrid); }

// whether a texel of an atlas holds a cell (the last texture row of tiles may be partly unused)
bool texelIsCell(vec2 t, vec4 g) { return cellOfTexel(t, g).z < g.z; }

float indexOfCell(vec3 c, vec4 g) { return c.x + g.x * (c.y + g.y * c.z); }

vec3 cellOfIndex(float q, vec4 g) {
  float sz = g.x * g.y;
  float k = floor((q + 0.5) / sz);
  float r = q - k * sz;
  float j = floor((r + 0.5) / g.x);
  return vec3(r - j * g.x, j, k);
}

bool is3() { return uPer.w == 3.0; }

// --- boundary conditions (src/backends/layout.ts): types 0 no-flux, 1 Dirichlet, 2 periodic,
// 3 contact (ξ only); faces x0, x1, y0, y1 in uBcT0/uBcV0 and z0, z1 in uBcT1.xy/uBcV1.xy.
uniform vec4 uBcT0;
uniform vec4 uBcT1;
uniform vec4 uBcV0;
uniform vec4 uBcV1;

// Maps padded coordinate p ∈ [−1, n] along one axis to (source coordinate, ghost kind, value):
// kind 0 = the value itself (interior, periodic: the opposite cell, no-flux: the mirrored cell),
// 1 = Dirichlet ghost 2g − v, 3 = contact ghost v + a·v·(1 − v) (src/backends/cpu/padded.ts).
vec3 axisMap(float p, float n, float tLo, float vLo, float tHi, float vHi, out float val) {
  val = 0.0;
  if (p >= 0.0 && p < n) return vec3(p, 0.0, 0.0);
  float t = tLo;
  float v = vLo;
  float inner = 0.0;
  float across = n - 1.0;
  if (p >= 0.0) { t = tHi; v = vHi; inner = n - 1.0; across = 0.0; }
  val = v;
  if (t == 1.0) return vec3(inner, 1.0, 0.0);
  if (t == 2.0) return vec3(across, 0.0, 0.0);
  if (t == 3.0) return vec3(inner, 3.0, 0.0);
  return vec3(inner, 0.0, 0.0);
}

float ghostStage(float v, float kind, float g) {
  if (kind == 1.0) return 2.0 * g - v;
  if (kind == 3.0) return v + g * v * (1.0 - v);
  return v;
}

// Padded value of field s (R channel) at p = (i, j, k), each in [−1, n]: the ghosts of the
// boundary conditions in uBc*, composed along x, then y, then z like the CPU's padded copy.
float padR(sampler2D s, vec3 p) {
  float gx, gy, gz;
  vec3 mx = axisMap(p.x, uGrid.x, uBcT0.x, uBcV0.x, uBcT0.y, uBcV0.y, gx);
  vec3 my = axisMap(p.y, uGrid.y, uBcT0.z, uBcV0.z, uBcT0.w, uBcV0.w, gy);
  vec3 mz = vec3(p.z, 0.0, 0.0);
  gz = 0.0;
  if (is3()) mz = axisMap(p.z, uGrid.z, uBcT1.x, uBcV1.x, uBcT1.y, uBcV1.y, gz);
  float v = at(s, vec3(mx.x, my.x, mz.x)).r;
  return ghostStage(ghostStage(ghostStage(v, mx.y, gx), my.y, gy), mz.y, gz);
}

// Padded copies (ghosts.frag.glsl renders them with padR): grid uGridP/uTexP of
// (nx + 2, ny + 2, nz + 2 or 1); padAt(s, p) reads padded coordinate p ∈ [−1, n] with one plain
// fetch (padR in the stencil kernels themselves was several times slower on SwiftShader).
uniform vec4 uGridP;
uniform vec2 uTexP;

float padAt(sampler2D s, vec3 p) {
  return fetchCell(s, p + vec3(1.0, 1.0, is3() ? 1.0 : 0.0), uGridP, uTexP).r;
}

// --- coefficients (src/backends/cpu/coefficients.ts, shaders/coef.wgsl)
float hPoly(float x) { return x * x * x * (6.0 * x * x - 15.0 * x + 10.0); }

// hi·h(ξ) + lo·(1 − h(ξ)) with ξ clamped to [0, 1] by comparisons (NaN stays NaN); formed from
// h(1 − ξ) above ½ so the small side of h keeps its relative accuracy in f32 (coef.wgsl).
float coefOf(float v, float hi, float lo) {
  float x = v;
  if (v < 0.0) x = 0.0;
  if (v > 1.0) x = 1.0;
  if (x <= 0.5) return lo + (hi - lo) * hPoly(x);
  return hi + (lo - hi) * hPoly(1.0 - x);
}

// Material props (docs/material-switches.md): uProps texel = (kL, kD, kS, host), (1, 1, 1, 0) in the base
// model. coefProps: the coefficient with lo scaled by kD or kS (kind 1: D, 2: σ̂); a host cell
// (host > 0.5) gets D = 0 (kind 1) or σ̂ = σ̂_s = hi (kind 2), as shaders/coef.wgsl.
float coefProps(float v, float hi, float lo, vec4 pr, float kind) {
  if (pr.w > 0.5) return kind == 2.0 ? hi : 0.0;
  return coefOf(v, hi, lo * (kind == 2.0 ? pr.z : pr.y));
}

float harmonic(float a, float b) {
  if (a + b > 0.0) return (2.0 * a * b) / (a + b);
  return 0.0;
}

// + neighbour of cell c along an axis with periodic wrap; ok = 0 on a non-periodic boundary
vec3 plusNb(vec3 c, int axis, out float ok) {
  ok = 1.0;
  vec3 q = c;
  if (axis == 0) {
    if (c.x + 1.0 < uGrid.x) q.x = c.x + 1.0; else if (uPer.x != 0.0) q.x = 0.0; else ok = 0.0;
  } else if (axis == 1) {
    if (c.y + 1.0 < uGrid.y) q.y = c.y + 1.0; else if (uPer.y != 0.0) q.y = 0.0; else ok = 0.0;
  } else {
    if (c.z + 1.0 < uGrid.z) q.z = c.z + 1.0; else if (uPer.z != 0.0) q.z = 0.0; else ok = 0.0;
  }
  return q;
}
