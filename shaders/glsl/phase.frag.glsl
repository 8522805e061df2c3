// Phase stage: one explicit Euler step of equation (1) in scaled units, the GLSL twin of
// shaders/phase.wgsl and src/backends/cpu/phase.ts:
//   ∂ξ/∂t = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]  (+ noise)
// J at cell faces from the padded ξ (ghosts of ξ's boundary conditions, ghosts.frag.glsl).
// 2D anisotropy without trigonometry: cos/sin of ω(θ − θ0) from the complex power n^ω.
// Output (one RGBA texel per cell): (ξ after the step, the increment Δξ, |rate|, reaction
// stiffness); Δξ is kept so ∂ξ/∂t = Δξ/dt carries no f32 cancellation.

uniform sampler2D uXi;    // .r = ξ
uniform sampler2D uXiPad; // ξ padded with its ghosts (ghosts.frag.glsl)
uniform sampler2D uC;     // .r = c̃
uniform sampler2D uPsi;   // .r = ψ
uniform vec4 uP0;         // dt, 1/dx, L_σκ0, L_σW
uniform vec4 uP1;         // L_η, 1 − α, α, σ_W √dt
uniform vec4 uP2;         // δ, ω, cos(ωθ0), sin(ωθ0)
uniform vec2 uKey;        // stepKey(seed, step) as 16-bit limbs
uniform sampler2D uProps;  // (kL, kD, kS, host)
uniform sampler2D uScreen; // .r = 1 + Σ_species s·max(0, ã − 1) (species_screen.frag.glsl), when uHasScreen = 1
uniform float uHasScreen;  // 1: the scenario has transported species
uniform sampler2D uMech;   // (s, q) per cell (elastic_coupling.frag), when uHasMech = 1 (docs/mechanics.md)
uniform float uHasMech;
uniform float uMobEl;      // L_σ μ_ref, 1/s

const float GRAD_EPS2 = 1e-18;
const float H2MAX = 5.7735;

vec3 cellC;

float X(float di, float dj, float dk) { return padAt(uXiPad, cellC + vec3(di, dj, dk)); }

vec2 flux2(float gx, float gy) {
  vec2 r = vec2(gx, gy);
  float g2 = gx * gx + gy * gy;
  if (uP2.x != 0.0 && g2 >= GRAD_EPS2) {
    float g = sqrt(g2);
    float nx = gx / g;
    float ny = gy / g;
    float zr = 1.0;
    float zi = 0.0;
    for (int m = 0; m < 64; m++) {
      if (float(m) >= uP2.y) break;
      float t = zr * nx - zi * ny;
      zi = zr * ny + zi * nx;
      zr = t;
    }
    float cw = zr * uP2.z + zi * uP2.w;
    float sw = zi * uP2.z - zr * uP2.w;
    float a = 1.0 + uP2.x * cw;
    float ap = -uP2.x * uP2.y * sw;
    r = vec2(a * a * gx - a * ap * gy, a * a * gy + a * ap * gx);
  }
  return r;
}

vec3 flux3(float gx, float gy, float gz) {
  vec3 r = vec3(gx, gy, gz);
  float g2 = gx * gx + gy * gy + gz * gz;
  if (uP2.x != 0.0 && g2 >= GRAD_EPS2) {
    float g = sqrt(g2);
    float nx = gx / g;
    float ny = gy / g;
    float nz = gz / g;
    float s4 = nx * nx * nx * nx + ny * ny * ny * ny + nz * nz * nz * nz;
    float a = 1.0 - uP2.x * (3.0 - 4.0 * s4);
    float t = 16.0 * uP2.x * a * g;
    r = vec3(a * a * gx + t * (nx * nx * nx - nx * s4),
             a * a * gy + t * (ny * ny * ny - ny * s4),
             a * a * gz + t * (nz * nz * nz - nz * s4));
  }
  return r;
}

float divJ2() {
  float inv = uP0.y;
  float c = X(0.0, 0.0, 0.0);
  float xe = X(1.0, 0.0, 0.0), xw = X(-1.0, 0.0, 0.0), xn = X(0.0, 1.0, 0.0), xs = X(0.0, -1.0, 0.0);
  float cyC = xn - xs;
  float cyE = X(1.0, 1.0, 0.0) - X(1.0, -1.0, 0.0);
  float cyW = X(-1.0, 1.0, 0.0) - X(-1.0, -1.0, 0.0);
  float cxC = xe - xw;
  float cxN = X(1.0, 1.0, 0.0) - X(-1.0, 1.0, 0.0);
  float cxS = X(1.0, -1.0, 0.0) - X(-1.0, -1.0, 0.0);
  float jE = flux2((xe - c) * inv, 0.25 * (cyC + cyE) * inv).x;
  float jW = flux2((c - xw) * inv, 0.25 * (cyC + cyW) * inv).x;
  float jN = flux2(0.25 * (cxC + cxN) * inv, (xn - c) * inv).y;
  float jS = flux2(0.25 * (cxC + cxS) * inv, (c - xs) * inv).y;
  return (jE - jW + jN - jS) * inv;
}

float dX(float dj, float dk) { return X(1.0, dj, dk) - X(-1.0, dj, dk); }

float divJ3() {
  float inv = uP0.y;
  float h = 0.25 * inv;
  float c = X(0.0, 0.0, 0.0);
  float dYp = X(0.0, 1.0, 0.0) - X(0.0, -1.0, 0.0);
  float dZp = X(0.0, 0.0, 1.0) - X(0.0, 0.0, -1.0);
  float dXp = dX(0.0, 0.0);
  float jE = flux3((X(1.0, 0.0, 0.0) - c) * inv,
                   h * (dYp + (X(1.0, 1.0, 0.0) - X(1.0, -1.0, 0.0))),
                   h * (dZp + (X(1.0, 0.0, 1.0) - X(1.0, 0.0, -1.0)))).x;
  float jW = flux3((c - X(-1.0, 0.0, 0.0)) * inv,
                   h * (dYp + (X(-1.0, 1.0, 0.0) - X(-1.0, -1.0, 0.0))),
                   h * (dZp + (X(-1.0, 0.0, 1.0) - X(-1.0, 0.0, -1.0)))).x;
  float jN = flux3(h * (dXp + dX(1.0, 0.0)),
                   (X(0.0, 1.0, 0.0) - c) * inv,
                   h * (dZp + (X(0.0, 1.0, 1.0) - X(0.0, 1.0, -1.0)))).y;
  float jS = flux3(h * (dXp + dX(-1.0, 0.0)),
                   (c - X(0.0, -1.0, 0.0)) * inv,
                   h * (dZp + (X(0.0, -1.0, 1.0) - X(0.0, -1.0, -1.0)))).y;
  float jU = flux3(h * (dXp + dX(0.0, 1.0)),
                   h * (dYp + (X(0.0, 1.0, 1.0) - X(0.0, -1.0, 1.0))),
                   (X(0.0, 0.0, 1.0) - c) * inv).z;
  float jD = flux3(h * (dXp + dX(0.0, -1.0)),
                   h * (dYp + (X(0.0, 1.0, -1.0) - X(0.0, -1.0, -1.0))),
                   (c - X(0.0, 0.0, -1.0)) * inv).z;
  return (jE - jW + jN - jS + jU - jD) * inv;
}

void main() {
  cellC = thisCell();
  float div = is3() ? divJ3() : divJ2();
  float x = at(uXi, cellC).r;
  // material props: reaction rate L_η·kL; a host cell is frozen (ξ written back as exactly 1 or
  // 0, Δξ the normally zero correction, rate and stiffness 0, no noise), as phase.wgsl
  vec4 pr = at(uProps, cellC);
  if (pr.w > 0.5) {
    float xh = x > 0.5 ? 1.0 : 0.0;
    gl_FragColor = vec4(xh, xh - x, 0.0, 0.0);
    return;
  }
  float leta = uP1.x * pr.x;
  // transported species (src/model/species.ts, src/backends/cpu/phase.ts; the shielding
  // additive, docs/additive.md): screened where they have gathered above their bulk values,
  // L_η,eff = L_η·kL/(1 + Σ s·max(0, ã − 1)); a NaN ã stays NaN; without species no division
  if (uHasScreen != 0.0) leta = leta / at(uScreen, cellC).r;
  float psi = at(uPsi, cellC).r;
  float cc = at(uC, cellC).r;
  float gp = 2.0 * x * (1.0 - x) * (1.0 - 2.0 * x);
  float hp = 30.0 * x * x * (1.0 - x) * (1.0 - x);
  // mechanics: the Butler–Volmer exponents at ψ + s, the elastic driving force −L_σμ_ref·h′·q
  float el = 0.0;
  float elStiff = 0.0;
  if (uHasMech != 0.0) {
    vec4 mc = at(uMech, cellC);
    psi = psi + mc.r;
    el = uMobEl * hp * mc.g;
    elStiff = uMobEl * abs(mc.g * 60.0 * x * (1.0 - x) * (1.0 - 2.0 * x));  // |h″(ξ) q|
  }
  float ox = exp(uP1.y * psi);
  float red = cc * exp(-uP1.z * psi);
  float rate = uP0.z * div - uP0.w * gp - leta * hp * (ox - red) - el;
  float d = uP0.x * rate;
  if (uP1.w > 0.0) {
    float m = 16.0 * x * x * (1.0 - x) * (1.0 - x);
    if (m > 0.0) d = d + uP1.w * m * cellNormal(uKey, indexOfCell(cellC, uGrid));
  }
  gl_FragColor = vec4(x + d, d, abs(rate), leta * (ox + abs(red)) * H2MAX + elStiff);
}
