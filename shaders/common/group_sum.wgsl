// Workgroup-wide sums for kernels that finish a reduction redundantly in every workgroup: the
// partials of the previous kernel (one per workgroup of it) are summed by each workgroup of the
// consumer in the same order, so every workgroup gets the same scalar bit for bit without an
// extra single-workgroup dispatch. Call from uniform control flow only (barriers).
// The kernels that write partials process CPT cells per invocation (a block of WG·CPT cells per
// workgroup, chosen by the host so that the partials stay few: mgpcg.ts, blockCells).

override CPT: u32 = 1u;

// Linear workgroup index of a dispatch of (gx, gy) workgroups.
fn groupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}

var<workgroup> gsum: array<f32, WG>;

fn groupSum(v: f32, lid: u32) -> f32 {
  gsum[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { gsum[lid] = gsum[lid] + gsum[lid + s]; }
    workgroupBarrier();
  }
  let t = workgroupUniformLoad(&gsum[0]);
  // (the next call writes gsum again: everyone has read it first)
  workgroupBarrier();
  return t;
}
