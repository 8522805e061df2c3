// Fills a padded copy of a field (one ghost layer per side) from the unpadded field, exactly
// like src/backends/cpu/padded.ts: periodic → the opposite interior cell, no-flux → the
// mirrored cell, Dirichlet g → 2g − u, contact a (ξ only) → u + a·u·(1 − u) of the value
// composed so far. Axes compose in the order x, y, z (edge and corner ghosts equal the CPU's;
// the anisotropic cross terms read them).
// Every padded value is an affine function of one interior value: along each axis a padded
// coordinate maps to a source coordinate s, a sign σ (−1 for a Dirichlet ghost) and a constant
// c (2g), and the composition is ((σx·u + cx)·σy + cy)·σz + cz — the same floating-point
// operations as the CPU's sequential 2g − inner (x·1 + 0 and c − x are exact rewrites), with a
// single load. (A nested-function version of this kernel was ~60× slower on SwiftShader.)
// A contact ghost is not affine: its map has a ≠ 0 and is applied after that axis's affine
// step (σ = 1, c = 0 there, an exact identity), as the CPU applies it to the composed value.
// Padded extent: (nx+2)·(ny+2)·(nz+2) in 3D, (nx+2)·(ny+2) in 2D; one invocation per padded cell.

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> bc: BC;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read_write> pad: array<f32>;
@group(0) @binding(4) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

struct AxisMap {
  s: u32,
  sg: f32,
  c: f32,
  a: f32,   // contact coefficient (0: none)
}

fn applyMap(m: AxisMap, v: f32) -> f32 {
  var r = v * m.sg + m.c;
  if (m.a != 0.0) { r = r + m.a * r * (1.0 - r); }
  return r;
}

// p in [-1, n]; lo/hi: the faces of this axis (0/1, 2/3, 4/5)
fn axisMap(p: i32, n: u32, lo: u32, hi: u32) -> AxisMap {
  var q = lo;
  var inner = 0u;
  var across = n - 1u;
  if (p >= 0 && u32(p) < n) { return AxisMap(u32(p), 1.0, 0.0, 0.0); }
  if (p >= 0) {
    q = hi;
    inner = n - 1u;
    across = 0u;
  }
  let t = bc.t[q / 4u][q % 4u];
  if (t == BC_DIRICHLET) { return AxisMap(inner, -1.0, 2.0 * bc.v[q / 4u][q % 4u], 0.0); }
  if (t == BC_PERIODIC) { return AxisMap(across, 1.0, 0.0, 0.0); }
  if (t == BC_CONTACT) { return AxisMap(inner, 1.0, 0.0, bc.v[q / 4u][q % 4u]); }
  return AxisMap(inner, 1.0, 0.0, 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let id = linearIndex(wid, nwg, lid);
  let px = grid.n.x + 2u;
  let py = grid.n.y + 2u;
  let is3 = grid.p.w == 3u;
  var pz = 1u;
  if (is3) { pz = grid.n.z + 2u; }
  if (id >= px * py * pz) { return; }
  let ax = axisMap(i32(id % px) - 1, grid.n.x, 0u, 1u);
  let ay = axisMap(i32((id / px) % py) - 1, grid.n.y, 2u, 3u);
  var az = AxisMap(0u, 1.0, 0.0, 0.0);
  if (is3) { az = axisMap(i32(id / (px * py)) - 1, grid.n.z, 4u, 5u); }
  let v = u[ax.s + grid.n.x * (ay.s + grid.n.y * az.s)];
  if (ax.a == 0.0 && ay.a == 0.0 && az.a == 0.0) {
    pad[id] = ((ax.sg * v + ax.c) * ay.sg + ay.c) * az.sg + az.c;
  } else {
    pad[id] = applyMap(az, applyMap(ay, applyMap(ax, v)));
  }
}
