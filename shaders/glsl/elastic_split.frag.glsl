// Mechanics (docs/mechanics.md): a displacement component between a vector field
// (u_x, u_y, u_z, 0) and a scalar field (channel r) of its multigrid. Default (split):
// (component uComp of uA, 0, 0, 0); JOIN: (uX0.r, uX1.r, uX2.r (3D), 0).
uniform sampler2D uA;
uniform sampler2D uX0;
uniform sampler2D uX1;
uniform sampler2D uX2;
uniform float uComp;

void main() {
  vec3 c = thisCell();
#ifdef JOIN
  gl_FragColor = vec4(at(uX0, c).r, at(uX1, c).r, is3() ? at(uX2, c).r : 0.0, 0.0);
#else
  vec4 a = at(uA, c);
  float v = uComp < 0.5 ? a.x : (uComp < 1.5 ? a.y : a.z);
  gl_FragColor = vec4(v, 0.0, 0.0, 0.0);
#endif
}
