// Vector updates of preconditioned CG, gated by the status of the scalar texture (cg_scalar.frag):
// a gated update writes the old value (the targets are ping-pong copies).
// MODE_X: x + α p.  MODE_R: r − α q.  MODE_P: z + β p.  MODE_COPY: uA (p = z at the start).
uniform sampler2D uS;
uniform sampler2D uA;   // x, r, p (MODE_P: p) or the source (MODE_COPY)
uniform sampler2D uB;   // p, q, z

void main() {
  vec3 c = thisCell();
  float a = at(uA, c).r;
#ifdef MODE_COPY
  gl_FragColor = vec4(a, 0.0, 0.0, 0.0);
#else
  vec4 s1 = texture2D(uS, vec2(1.5 / 4.0, 0.5));
  float out_ = a;
  if (s1.w == 0.0) {
    float b = at(uB, c).r;
#ifdef MODE_X
    out_ = a + s1.y * b;
#endif
#ifdef MODE_R
    out_ = a - s1.y * b;
#endif
#ifdef MODE_P
    out_ = b + s1.z * a;
#endif
  }
  gl_FragColor = vec4(out_, 0.0, 0.0, 0.0);
#endif
}
