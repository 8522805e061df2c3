// Galerkin coarsening PᵀAP of a face-weight operator with 2×2(×2) aggregates
// (src/backends/cpu/multigrid.ts mgCoarsenK, shaders/mg_coarsen.wgsl): d terms add up, faces
// inside an aggregate vanish, faces between aggregates add up; coarse faces halved
// (FACE_SCALE); a single coarse cell along an axis has no face to itself.
// Renders the COARSE grid (uGridC); uGrid/uTex/uPer are the fine grid's.
uniform sampler2D uOp;
uniform vec4 uGridC;

const float FACE_SCALE = 0.5;

bool crosses(float i, float n) {
  float nb = i + 1.0;
  if (nb >= n) nb = 0.0;
  return floor((nb + 0.5) * 0.5) != floor((i + 0.5) * 0.5);
}

void main() {
  vec3 a = cellOfTexel(floor(gl_FragCoord.xy), uGridC);
  bool three = uPer.w == 3.0;
  vec4 acc = vec4(0.0);
  for (int kk = 0; kk < 2; kk++) {
    float k = 2.0 * a.z + float(kk);
    if (k >= uGrid.z) continue;
    for (int jj = 0; jj < 2; jj++) {
      float j = 2.0 * a.y + float(jj);
      if (j >= uGrid.y) continue;
      for (int ii = 0; ii < 2; ii++) {
        float i = 2.0 * a.x + float(ii);
        if (i >= uGrid.x) continue;
        vec4 o = at(uOp, vec3(i, j, k));
        acc.x += o.x;
        if (crosses(i, uGrid.x)) acc.y += o.y;
        if (crosses(j, uGrid.y)) acc.z += o.z;
        if (three && crosses(k, uGrid.z)) acc.w += o.w;
      }
    }
  }
  acc.y *= FACE_SCALE;
  acc.z *= FACE_SCALE;
  acc.w *= FACE_SCALE;
  if (uGridC.x == 1.0) acc.y = 0.0;
  if (uGridC.y == 1.0) acc.z = 0.0;
  if (!three || uGridC.z == 1.0) acc.w = 0.0;
  gl_FragColor = acc;
}
