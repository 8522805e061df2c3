// The set-up of the tail levels in one workgroup (common/tail.wgsl): the Galerkin operators
// level by level (mg_coarsen.wgsl's rule: 2×2(×2) aggregates, faces between aggregates added,
// then halved), and a copy of the coarsest operator into `snap`, from which the host factors
// the direct solve (src/backends/webgpu/coarse.ts). Level 0 of the tail was written by the last
// per-level coarsening. Nothing happens when the solve's gate is closed.

const FACE_SCALE: f32 = 0.5;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> tp: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> lstate: Loop;
@group(0) @binding(3) var<uniform> sp: SolveParams;
@group(0) @binding(4) var<storage, read_write> opT: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> snap: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, sp.gate)) { return; }
  let is3 = grid.p.w == 3u;
  let last = tCount() - 1u;
  for (var l = 0u; l < last; l++) {
    let n = tN(l);
    let o0 = tOff(l);
    let nc = tN(l + 1u);
    let oc = tOff(l + 1u);
    for (var a = lid.x; a < nc.w; a += WG) {
      let ag = cellAt(a, nc);
      var acc = vec4<f32>(0.0);
      for (var q = 0u; q < 8u; q++) {
        let m = aggregateMember(ag, q, n);
        if (m.w == 0u) { continue; }
        let i = m.x;
        let j = m.y;
        let k = m.z;
        let o = opT[o0 + i + n.x * (j + n.y * k)];
        acc.x += o.x;
        if ((((i + 1u) % n.x) >> 1u) != (i >> 1u)) { acc.y += o.y; }
        if ((((j + 1u) % n.y) >> 1u) != (j >> 1u)) { acc.z += o.z; }
        if (is3 && ((((k + 1u) % n.z) >> 1u) != (k >> 1u))) { acc.w += o.w; }
      }
      acc.y *= FACE_SCALE;
      acc.z *= FACE_SCALE;
      acc.w *= FACE_SCALE;
      if (nc.x == 1u) { acc.y = 0.0; }
      if (nc.y == 1u) { acc.z = 0.0; }
      if (!is3 || nc.z == 1u) { acc.w = 0.0; }
      opT[oc + a] = acc;
    }
    storageBarrier();
  }
  let nL = tN(last).w;
  let oL = tOff(last);
  for (var c = lid.x; c < nL; c += WG) { snap[c] = opT[oL + c]; }
}
