// Full diagonal of a face-weight operator: d + the weights of all faces of the cell
// (src/backends/cpu/operator.ts diagonal(), shaders/mech/mg_diag.wgsl).
uniform sampler2D uOp;

void main() {
  vec3 c = thisCell();
  vec4 o = at(uOp, c);
  float s = o.x + o.y + o.z;
  if (c.x > 0.0) s += at(uOp, c - vec3(1.0, 0.0, 0.0)).y;
  else if (uPer.x != 0.0) s += at(uOp, vec3(uGrid.x - 1.0, c.y, c.z)).y;
  if (c.y > 0.0) s += at(uOp, c - vec3(0.0, 1.0, 0.0)).z;
  else if (uPer.y != 0.0) s += at(uOp, vec3(c.x, uGrid.y - 1.0, c.z)).z;
  if (uPer.w == 3.0) {
    s += o.w;
    if (c.z > 0.0) s += at(uOp, c - vec3(0.0, 0.0, 1.0)).w;
    else if (uPer.z != 0.0) s += at(uOp, vec3(c.x, c.y, uGrid.z - 1.0)).w;
  }
  gl_FragColor = vec4(s, 0.0, 0.0, 0.0);
}
