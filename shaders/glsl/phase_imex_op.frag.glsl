// IMEX phase stage (docs/imex-phase.md; the GLSL twin of shaders/phase_imex_op.wgsl): the
// operator I + h·(diag(S) + L_σκ0·K·(−Δ_h)), h = dt/2, as (d, w+x, w+y, w+z) for the PCG:
//   d = 1 + max(h·S, −floor) + the boundary and host faces; w = W on a face between two
//   non-host cells (W = h·L_σκ0·K/dx²). A Dirichlet face of ξ (uBc*) adds 2W (the increment is 0
// there); no-flux and contact faces are no-flux; periodic faces wrap. A host cell is the identity
// row; a face to a host cell adds W to the diagonal.

uniform sampler2D uRate0;  // (F, S, g, stiffness) of the first sweep
uniform sampler2D uProps;
uniform vec4 uO;           // (h, W, floor, _)

bool hostAt(vec3 c) { return at(uProps, c).w > 0.5; }

// − neighbour along an axis with periodic wrap; ok = 0 on a non-periodic boundary
vec3 minusNb(vec3 c, int axis, out float ok) {
  ok = 1.0;
  vec3 q = c;
  if (axis == 0) {
    if (c.x > 0.0) q.x = c.x - 1.0; else if (uPer.x != 0.0) q.x = uGrid.x - 1.0; else ok = 0.0;
  } else if (axis == 1) {
    if (c.y > 0.0) q.y = c.y - 1.0; else if (uPer.y != 0.0) q.y = uGrid.y - 1.0; else ok = 0.0;
  } else {
    if (c.z > 0.0) q.z = c.z - 1.0; else if (uPer.z != 0.0) q.z = uGrid.z - 1.0; else ok = 0.0;
  }
  return q;
}

// the types of the − and + faces of axis a (x0, x1, y0, y1 in uBcT0; z0, z1 in uBcT1)
vec2 faceTypes(int a) {
  if (a == 0) return uBcT0.xy;
  if (a == 1) return uBcT0.zw;
  return uBcT1.xy;
}

void main() {
  vec3 c = thisCell();
  if (hostAt(c)) {
    gl_FragColor = vec4(1.0, 0.0, 0.0, 0.0);
    return;
  }
  float W = uO.y;
  float d = 1.0 + max(uO.x * at(uRate0, c).g, -uO.z);
  vec3 w = vec3(0.0);
  for (int a = 0; a < 3; a++) {
    if (a == 2 && !is3()) break;
    vec2 t = faceTypes(a);
    float ok;
    vec3 n = plusNb(c, a, ok);
    float wa = 0.0;
    if (ok == 0.0) {
      if (t.y == 1.0) d += 2.0 * W;
    } else if (n != c) {
      if (hostAt(n)) d += W; else wa = W;
    }
    if (a == 0) w.x = wa; else if (a == 1) w.y = wa; else w.z = wa;
    vec3 m = minusNb(c, a, ok);
    if (ok == 0.0) {
      if (t.x == 1.0) d += 2.0 * W;
    } else if (m != c && hostAt(m)) {
      d += W;
    }
  }
  gl_FragColor = vec4(d, w);
}
