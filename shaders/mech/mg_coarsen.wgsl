// Galerkin coarsening PᵀAP of a face-weight operator with 2×2(×2) aggregates
// (src/backends/cpu/multigrid.ts, coarsen()): the d terms of an aggregate add up, faces inside
// an aggregate vanish, faces between two aggregates add up (a fine + face is kept when its +
// neighbour, wrapped, lies in another aggregate). The coarse faces are then halved (FACE_SCALE:
// piecewise-constant PᵀAP is twice too stiff on smooth errors) and a single coarse cell along an
// axis has no face to itself.

const FACE_SCALE: f32 = 0.5;

@group(0) @binding(0) var<uniform> fine: Grid;
@group(0) @binding(1) var<uniform> coarse: Grid;
@group(0) @binding(2) var<storage, read> opf: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> opc: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let a = linearIndex(wid, nwg, lid);
  if (a >= coarse.n.w) { return; }
  let cx = coarse.n.x;
  let cy = coarse.n.y;
  let cz = coarse.n.z;
  let ag = cellAt(a, coarse.n);
  let nx = fine.n.x;
  let ny = fine.n.y;
  let nz = fine.n.z;
  let is3 = fine.p.w == 3u;
  var acc = vec4<f32>(0.0);
  for (var q = 0u; q < 8u; q++) {
    let m = aggregateMember(ag, q, fine.n);
    if (m.w == 0u) { continue; }
    let i = m.x;
    let j = m.y;
    let k = m.z;
    let o = opf[i + nx * (j + ny * k)];
    acc.x += o.x;
    if ((((i + 1u) % nx) >> 1u) != (i >> 1u)) { acc.y += o.y; }
    if ((((j + 1u) % ny) >> 1u) != (j >> 1u)) { acc.z += o.z; }
    if (is3 && ((((k + 1u) % nz) >> 1u) != (k >> 1u))) { acc.w += o.w; }
  }
  acc.y *= FACE_SCALE;
  acc.z *= FACE_SCALE;
  acc.w *= FACE_SCALE;
  if (cx == 1u) { acc.y = 0.0; }
  if (cy == 1u) { acc.z = 0.0; }
  if (!is3 || cz == 1u) { acc.w = 0.0; }
  opc[a] = acc;
}
