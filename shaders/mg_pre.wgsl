// Pre-smoothing of the V-cycle (src/backends/cpu/multigrid.ts): the first two damped Jacobi
// sweeps (ω = 2/3) from a zero guess in one pass, xo = x1 + ω (b − A x1)/diag with
// x1 = ω b/diag formed on the fly wherever the second sweep needs it (A·0 = 0 exactly: the
// numbers of two separate sweeps). The diagonal is formed from op where needed (diagAt).
// LEVEL0: the fine level, whose b is the CG residual r of the current iteration (the parity
// half of r2). Skipped once the solve has ended (common/cg_state.wgsl).

override OMEGA: f32 = 0.6666667;
override LEVEL0: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> xo: array<f32>;
@group(0) @binding(4) var<storage, read> st: array<u32>;

var<private> bOff: u32 = 0u;

fn bv(q: u32) -> f32 { return b[bOff + q]; }
fn xv(q: u32) -> f32 { return (OMEGA * bv(q)) / diagAt(q); }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let i = st[CG_CNT_B];
  if (st[CG_STAT + (i & 1u)] != ST_RUNNING) { return; }
  if (LEVEL0) { bOff = (i & 1u) * grid.n.w; }
  xo[c] = xv(c) + (OMEGA * (bv(c) - applyA(c))) / diagAt(c);
}
