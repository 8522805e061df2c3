// Vector updates of preconditioned CG, gated by the status of the scalar texture (cg_scalar.frag):
// a gated update writes the old value (the targets are ping-pong copies).
// MODE_X: x + α p.  MODE_R: r − α q.  MODE_P: z + β p.  MODE_COPY: uA (p = z at the start).
// Scalar fields use channel r; with VEC all four channels (the displacement, elasticity.ts).
uniform sampler2D uS;
uniform sampler2D uA;   // x, r, p (MODE_P: p) or the source (MODE_COPY)
uniform sampler2D uB;   // p, q, z

#ifdef VEC
#define PART(v) (v)
#define OUT(v) (v)
#else
#define PART(v) ((v).r)
#define OUT(v) vec4((v), 0.0, 0.0, 0.0)
#endif

void main() {
  vec3 c = thisCell();
#ifdef VEC
  vec4 a = at(uA, c);
#else
  float a = at(uA, c).r;
#endif
#ifdef MODE_COPY
  gl_FragColor = OUT(a);
#else
  vec4 s1 = texture2D(uS, vec2(1.5 / 4.0, 0.5));
#ifdef VEC
  vec4 out_ = a;
#else
  float out_ = a;
#endif
  if (s1.w == 0.0) {
#ifdef VEC
    vec4 b = at(uB, c);
#else
    float b = at(uB, c).r;
#endif
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
  gl_FragColor = OUT(out_);
#endif
}
