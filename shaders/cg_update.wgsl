// Second kernel of CG iteration i (src/backends/cpu/pcg.ts), fine level, CPT cells per invocation:
//   α = r·z_{i−1} / p_i·Ap_i (p·Ap finished here from cg_matvec's partials), x += α p_i,
//   r_i = r_{i−1} − α q into the parity half i % 2 of r2, the partial sums of r_i·r_i;
// workgroup 0 records the iteration's status (common/cg_step.wgsl: frozen, the iteration limit,
// breakdown, else running and counted). Used where no restriction follows: a V-cycle of a grid
// without a multigrid tail (its V-cycle is mg_direct.wgsl) and a 'jacobi' slot; a V-cycle with a
// tail does this update in its fine restriction (mg_restrict.wgsl, CGUPD, the same expressions).
// JACOBI: the preconditioner is the fine level's pre-smoothing alone (a 'jacobi' solve slot,
// mgpcg.ts; the CPU's MultigridOptions.jacobiOnly): z = M⁻¹ r_i = two damped Jacobi sweeps from
// zero on r_i (r_i at the neighbours formed on the fly from r_{i−1} and q; the expressions of
// mg_restrict.wgsl's pre-smoothing), and each workgroup also writes its partial sum of r_i·z into
// the iteration's parity section of `parts` (cg_matvec finishes it), so an iteration is
// cg_matvec + this kernel.
// START (with JACOBI): a jacobi solve's first direction, z₀ = the two sweeps on r₀ (parity half 0,
// cg_init) and the partials of r₀·z₀; no CG update and no status written. Skipped unless
// cg_start left the solve running (not converged at the start, gate open).

override OMEGA: f32 = 0.6666667;
override JACOBI: bool = false;
override START: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> sp: SolveParams;
@group(0) @binding(2) var<storage, read> op: array<OpCell>;   // common/op_faces.wgsl or op_uniform.wgsl
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> r2: array<f32>;
@group(0) @binding(5) var<storage, read> p2: array<f32>;
@group(0) @binding(6) var<storage, read> q: array<f32>;
@group(0) @binding(7) var<storage, read_write> z: array<f32>;
@group(0) @binding(8) var<storage, read_write> parts: array<f32>;
@group(0) @binding(9) var<storage, read_write> st: array<u32>;

var<private> alpha: f32;
var<private> rOld: u32;

// r_i at cell k (START: r₀ as cg_init wrote it)
fn rNew(k: u32) -> f32 {
  if (START) { return r2[k]; }
  return r2[rOld + k] - alpha * q[k];
}
// the first sweep from zero, where the second needs it
fn xv(k: u32) -> f32 { return (OMEGA * rNew(k)) / diagAt(k); }

var<workgroup> wi: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = groupIndex(wid, nwg);
  var i = 0u;
  var status = ST_RUNNING;
  if (START) {
    // iteration 0's status (cg_start's verdict; CG_CNT_B is 0)
    if (lid.x == 0u) { wi = st[CG_STAT]; }
    status = workgroupUniformLoad(&wi);
  } else {
    let v = cgStep(g, lid.x);
    i = v.i;
    status = v.status;
    alpha = v.alpha;
  }
  if (status != ST_RUNNING || g >= sp.groups) { return; }
  let N = grid.n.w;
  rOld = ((i - 1u) & 1u) * N;
  let rCur = (i & 1u) * N;
  let pCur = (i & 1u) * N;
  var rr = 0.0;
  var rz = 0.0;
  for (var t = 0u; t < CPT; t++) {
    let c = (g * CPT + t) * WG + lid.x;
    if (c < N) {
      var r: f32;
      if (START) {
        r = r2[c];
      } else {
        x[c] = x[c] + alpha * p2[pCur + c];
        r = rNew(c);
        r2[rCur + c] = r;
        rr += r * r;
      }
      if (JACOBI) {
        let zc = xv(c) + (OMEGA * (r - applyA(c))) / diagAt(c);
        z[c] = zc;
        rz += r * zc;
      }
    }
  }
  if (!START) {
    let s = groupSum(rr, lid.x);
    if (lid.x == 0u) { parts[(P_RR + (i & 1u)) * sp.groups + g] = s; }
  }
  if (JACOBI) {
    let s = groupSum(rz, lid.x);
    if (lid.x == 0u) { parts[(P_RZ + (i & 1u)) * sp.groups + g] = s; }
  }
}
