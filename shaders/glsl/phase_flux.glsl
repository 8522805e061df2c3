// The interface term of equation (1): the anisotropic flux J at the cell faces and its
// divergence from the padded ξ (the twin of shaders/common/phase_flux.wgsl), shared by the
// explicit stage (phase.frag.glsl) and the IMEX rate evaluation (phase_imex_rate.frag.glsl).
// 2D anisotropy without trigonometry: cos/sin of ω(θ − θ0) from the complex power n^ω.
// The kernel sets cellC = thisCell() before calling divJ2/divJ3.

uniform sampler2D uXiPad; // ξ padded with its ghosts (ghosts.frag.glsl)
uniform vec4 uP0;          // (dt, invDx, mobKappa, mobW)
uniform vec4 uP2;          // (delta, omega, cosW0, sinW0)

const float GRAD_EPS2 = 1e-18;

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
