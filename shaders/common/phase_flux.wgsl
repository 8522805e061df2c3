// The interface term of equation (1): the anisotropic flux J at the cell faces and its
// divergence, from the padded ξ (the twin of the face fluxes of src/backends/cpu/phase.ts),
// shared by the explicit stage (phase.wgsl) and the IMEX rate evaluation
// (phase_imex_rate.wgsl). The including module declares `pp: PhaseParams` (delta, omega, iomega,
// cosW0, sinW0, inv) and `xp: array<f32>` (the padded ξ).
// 2D anisotropy without trigonometry: with n = ∇ξ/|∇ξ| as a complex number,
// cos(ω(θ−θ0)) + i sin(ω(θ−θ0)) = n^ω · e^{−iωθ0} (ω is an integer), which is exact to a few
// ulps where WGSL's atan2/cos promise much less.

const GRAD_EPS2: f32 = 1e-18;

fn flux2(gx: f32, gy: f32) -> vec2<f32> {
  var r = vec2<f32>(gx, gy);
  let g2 = gx * gx + gy * gy;
  if (pp.delta != 0.0 && g2 >= GRAD_EPS2) {
    let g = sqrt(g2);
    let nx = gx / g;
    let ny = gy / g;
    var zr = 1.0;
    var zi = 0.0;
    for (var m = 0u; m < pp.iomega; m++) {
      let t = zr * nx - zi * ny;
      zi = zr * ny + zi * nx;
      zr = t;
    }
    let cw = zr * pp.cosW0 + zi * pp.sinW0;  // cos(ωθ − ωθ0)
    let sw = zi * pp.cosW0 - zr * pp.sinW0;  // sin(ωθ − ωθ0)
    let a = 1.0 + pp.delta * cw;
    let ap = -pp.delta * pp.omega * sw;
    r = vec2<f32>(a * a * gx - a * ap * gy, a * a * gy + a * ap * gx);
  }
  return r;
}

fn flux3(gx: f32, gy: f32, gz: f32) -> vec3<f32> {
  var r = vec3<f32>(gx, gy, gz);
  let g2 = gx * gx + gy * gy + gz * gz;
  if (pp.delta != 0.0 && g2 >= GRAD_EPS2) {
    let g = sqrt(g2);
    let nx = gx / g;
    let ny = gy / g;
    let nz = gz / g;
    let s4 = nx * nx * nx * nx + ny * ny * ny * ny + nz * nz * nz * nz;
    let a = 1.0 - pp.delta * (3.0 - 4.0 * s4);
    let t = 16.0 * pp.delta * a * g;
    r = vec3<f32>(a * a * gx + t * (nx * nx * nx - nx * s4),
                  a * a * gy + t * (ny * ny * ny - ny * s4),
                  a * a * gz + t * (nz * nz * nz - nz * s4));
  }
  return r;
}

fn divJ2(p: u32, sy: u32) -> f32 {
  let inv = pp.inv;
  let c = xp[p];
  let cyC = xp[p + sy] - xp[p - sy];
  let cyE = xp[p + 1u + sy] - xp[p + 1u - sy];
  let cyW = xp[p - 1u + sy] - xp[p - 1u - sy];
  let cxC = xp[p + 1u] - xp[p - 1u];
  let cxN = xp[p + 1u + sy] - xp[p - 1u + sy];
  let cxS = xp[p + 1u - sy] - xp[p - 1u - sy];
  let jE = flux2((xp[p + 1u] - c) * inv, 0.25 * (cyC + cyE) * inv).x;
  let jW = flux2((c - xp[p - 1u]) * inv, 0.25 * (cyC + cyW) * inv).x;
  let jN = flux2(0.25 * (cxC + cxN) * inv, (xp[p + sy] - c) * inv).y;
  let jS = flux2(0.25 * (cxC + cxS) * inv, (c - xp[p - sy]) * inv).y;
  return (jE - jW + jN - jS) * inv;
}

fn dX(q: u32) -> f32 { return xp[q + 1u] - xp[q - 1u]; }

fn divJ3(p: u32, sy: u32, sz: u32) -> f32 {
  let inv = pp.inv;
  let c = xp[p];
  let h = 0.25 * inv;
  let dYp = xp[p + sy] - xp[p - sy];
  let dZp = xp[p + sz] - xp[p - sz];
  let dXp = dX(p);
  let jE = flux3((xp[p + 1u] - c) * inv,
                 h * (dYp + (xp[p + 1u + sy] - xp[p + 1u - sy])),
                 h * (dZp + (xp[p + 1u + sz] - xp[p + 1u - sz]))).x;
  let jW = flux3((c - xp[p - 1u]) * inv,
                 h * (dYp + (xp[p - 1u + sy] - xp[p - 1u - sy])),
                 h * (dZp + (xp[p - 1u + sz] - xp[p - 1u - sz]))).x;
  let jN = flux3(h * (dXp + dX(p + sy)),
                 (xp[p + sy] - c) * inv,
                 h * (dZp + (xp[p + sy + sz] - xp[p + sy - sz]))).y;
  let jS = flux3(h * (dXp + dX(p - sy)),
                 (c - xp[p - sy]) * inv,
                 h * (dZp + (xp[p - sy + sz] - xp[p - sy - sz]))).y;
  let jU = flux3(h * (dXp + dX(p + sz)),
                 h * (dYp + (xp[p + sz + sy] - xp[p + sz - sy])),
                 (xp[p + sz] - c) * inv).z;
  let jD = flux3(h * (dXp + dX(p - sz)),
                 h * (dYp + (xp[p - sz + sy] - xp[p - sz - sy])),
                 (c - xp[p - sz]) * inv).z;
  return (jE - jW + jN - jS + jU - jD) * inv;
}
