// Reductions stage, first pass (src/backends/cpu/reductions.ts): partial sums of
// ξ, c̃, ∂ξ/∂t and |∇ξ| (central differences, one-sided at the walls), minima/maxima of c̃ and
// ξ and the count of cells with a non-finite value (skipped by everything else, like the CPU).
// Without barriers: invocation t of T takes the strided cells q = t, t + T, … and writes
// partial[ch·T + t] for the channels below; reduce_fields_final reduces them with a pairwise
// tree in one workgroup.
// Host cells (props[q].w > 0.5, docs/material-switches.md) are left out of every channel but the
// non-finite count, as in the CPU reference.

const CH_XI: u32 = 0u;
const CH_C: u32 = 1u;
const CH_XIDOT: u32 = 2u;
const CH_GRAD: u32 = 3u;
const CH_CMAX: u32 = 4u;
const CH_CMIN: u32 = 5u;
const CH_XIMIN: u32 = 6u;
const CH_XIMAX: u32 = 7u;
const CH_NONFINITE: u32 = 8u;   // a u32 count stored with bitcast
const BIG: f32 = 3.4028234e38;

// FieldsParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> fp: FieldsParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read> cfield: array<f32>;
@group(0) @binding(4) var<storage, read> xidot: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;
@group(0) @binding(6) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(7) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let nx = grid.n.x;
  let ny = grid.n.y;
  let nz = grid.n.z;
  let sy = nx;
  let sz = nx * ny;
  let inv2 = fp.inv2;
  let T = fp.parts;
  let t = linearIndex(wid, nwg, lid);
  if (t >= T) { return; }
  var v: array<f32, 8>;
  v[CH_XI] = 0.0; v[CH_C] = 0.0; v[CH_XIDOT] = 0.0; v[CH_GRAD] = 0.0;
  v[CH_CMAX] = -BIG; v[CH_CMIN] = BIG; v[CH_XIMIN] = BIG; v[CH_XIMAX] = -BIG;
  var nf = 0u;
  for (var q = t; q < grid.n.w; q += T) {
    let x = xi[q];
    let cc = cfield[q];
    let xd = xidot[q];
    if (!isFiniteF(x) || !isFiniteF(cc) || !isFiniteF(xd)) {
      nf += 1u;
      continue;
    }
    if (props[q].w > 0.5) { continue; }
    let i = q % nx;
    let j = (q / nx) % ny;
    let k = q / sz;
    v[CH_XI] += x;
    v[CH_C] += cc;
    v[CH_XIDOT] += xd;
    v[CH_CMAX] = max(v[CH_CMAX], cc);
    v[CH_CMIN] = min(v[CH_CMIN], cc);
    v[CH_XIMAX] = max(v[CH_XIMAX], x);
    v[CH_XIMIN] = min(v[CH_XIMIN], x);
    let gx = (xi[select(q, q + 1u, i + 1u < nx)] - xi[select(q, q - 1u, i > 0u)]) * select(2.0 * inv2, inv2, i > 0u && i + 1u < nx);
    let gy = (xi[select(q, q + sy, j + 1u < ny)] - xi[select(q, q - sy, j > 0u)]) * select(2.0 * inv2, inv2, j > 0u && j + 1u < ny);
    var gz = 0.0;
    if (grid.p.w == 3u) {
      gz = (xi[select(q, q + sz, k + 1u < nz)] - xi[select(q, q - sz, k > 0u)]) * select(2.0 * inv2, inv2, k > 0u && k + 1u < nz);
    }
    v[CH_GRAD] += sqrt(gx * gx + gy * gy + gz * gz);
  }
  for (var ch = 0u; ch < 8u; ch++) { partial[ch * T + t] = v[ch]; }
  partial[CH_NONFINITE * T + t] = bitcast<f32>(nf);
}
