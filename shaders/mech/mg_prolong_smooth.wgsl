// Prolongation P (piecewise constant, SCALE × the aggregate's correction added to every fine
// cell) fused with the first post-smoothing Jacobi sweep:
//   x' = x + SCALE·P xc,   xout = x' + ω (b − A x') / diag(A)
// x' is formed on the fly wherever the sweep needs it — the numbers of a separate prolongation
// followed by a sweep (src/backends/cpu/multigrid.ts), one dispatch fewer.

override OMEGA: f32 = 0.6666667;
override SCALE: f32 = 1.0;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> coarse: Grid;
@group(0) @binding(2) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> diag: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> xin: array<f32>;
@group(0) @binding(6) var<storage, read> xc: array<f32>;
@group(0) @binding(7) var<storage, read_write> xout: array<f32>;

fn xv(q: u32) -> f32 {
  let nx = grid.n.x;
  let ny = grid.n.y;
  let i = q % nx;
  let j = (q / nx) % ny;
  let k = q / (nx * ny);
  let a = (i >> 1u) + coarse.n.x * ((j >> 1u) + coarse.n.y * (k >> 1u));
  return xin[q] + SCALE * xc[a];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  xout[c] = xv(c) + (OMEGA * (b[c] - applyA(c))) / diag[c];
}
