// Start of an MG-PCG solve (fine level, CPT cells per invocation): r = b − A x into the parity-0
// half of r2, and per workgroup the partial sums of b·b and r·r (common/cg_state.wgsl). Nothing
// happens when the solve's gate is closed (cg_start then marks the solve inactive).

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> lstate: Loop;
@group(0) @binding(2) var<uniform> sp: SolveParams;
@group(0) @binding(3) var<storage, read> op: array<OpCell>;   // common/op_faces.wgsl or op_uniform.wgsl
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read_write> r2: array<f32>;
@group(0) @binding(7) var<storage, read_write> parts: array<f32>;

fn xv(q: u32) -> f32 { return x[q]; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, sp.gate)) { return; }
  let g = groupIndex(wid, nwg);
  if (g >= sp.groups) { return; }
  var bb = 0.0;
  var rr = 0.0;
  for (var t = 0u; t < CPT; t++) {
    let c = (g * CPT + t) * WG + lid.x;
    if (c < grid.n.w) {
      let bc = b[c];
      let r = bc - applyA(c);
      r2[c] = r;
      bb += bc * bc;
      rr += r * r;
    }
  }
  let sb = groupSum(bb, lid.x);
  let sr = groupSum(rr, lid.x);
  if (lid.x == 0u) {
    parts[P_BB * sp.groups + g] = sb;
    parts[P_RR0 * sp.groups + g] = sr;
  }
}
