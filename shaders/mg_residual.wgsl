// out = b − A x (CG initial residual) or, with APPLY, out = A x (CG q = Ap).

override APPLY: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> xin: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

fn xv(q: u32) -> f32 { return xin[q]; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let ax = applyA(c);
  if (APPLY) {
    out[c] = ax;
  } else {
    out[c] = b[c] - ax;
  }
}
