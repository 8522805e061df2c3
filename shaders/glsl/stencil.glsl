// The face-weight operator of src/backends/cpu/operator.ts (shaders/common/stencil.wgsl):
//   (A x)_c = d_c x_c + Σ_faces w_f (x_c − x_nb),  op texel = (d, w+x, w+y, w+z)
// w+a is the face between c and its + neighbour along a (0 on a non-periodic boundary).
// The including shader defines `float xv(vec3 c)` (the vector A is applied to) before this
// file and binds uOp (the operator of the grid uGrid).

uniform sampler2D uOp;

vec4 opAt(vec3 c) { return at(uOp, c); }

float applyA(vec3 c) {
  float nx = uGrid.x;
  float ny = uGrid.y;
  float nz = uGrid.z;
  vec4 o = opAt(c);
  float xc = xv(c);
  float acc = o.x * xc;
  // x faces
  vec3 cp = c;
  if (c.x + 1.0 < nx) cp.x = c.x + 1.0; else if (uPer.x != 0.0) cp.x = 0.0;
  vec3 cm = c;
  float fm = 0.0;
  if (c.x > 0.0) { cm.x = c.x - 1.0; fm = 1.0; } else if (uPer.x != 0.0) { cm.x = nx - 1.0; fm = 1.0; }
  acc += o.y * (xc - xv(cp)) + opAt(cm).y * (xc - xv(cm)) * fm;
  // y faces
  cp = c;
  if (c.y + 1.0 < ny) cp.y = c.y + 1.0; else if (uPer.y != 0.0) cp.y = 0.0;
  float yterm = o.z * (xc - xv(cp));
  if (c.y > 0.0) {
    cm = c; cm.y = c.y - 1.0;
    yterm += opAt(cm).z * (xc - xv(cm));
  } else if (uPer.y != 0.0) {
    cm = c; cm.y = ny - 1.0;
    yterm += opAt(cm).z * (xc - xv(cm));
  }
  acc += yterm;
  if (uPer.w == 3.0) {
    cp = c;
    if (c.z + 1.0 < nz) cp.z = c.z + 1.0; else if (uPer.z != 0.0) cp.z = 0.0;
    float zterm = o.w * (xc - xv(cp));
    if (c.z > 0.0) {
      cm = c; cm.z = c.z - 1.0;
      zterm += opAt(cm).w * (xc - xv(cm));
    } else if (uPer.z != 0.0) {
      cm = c; cm.z = nz - 1.0;
      zterm += opAt(cm).w * (xc - xv(cm));
    }
    acc += zterm;
  }
  return acc;
}
