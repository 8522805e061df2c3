// Front tip per x-row (src/backends/cpu/reductions.ts, shaders/reduce_tip.wgsl), one fragment
// per row (j, k) of a rows texture (ny × nz): the furthest ξ = 0.5 crossing along x, scanning
// from the x1 end, interpolated between cell centres; 0 when the row has no cell with ξ ≥ 0.5.
// A max pyramid (reduce.frag) gives the tip.
uniform sampler2D uXs;
uniform float uDx;
uniform sampler2D uProps;   // host cells are skipped and never interpolated towards

void main() {
  vec2 t = floor(gl_FragCoord.xy);
  float nx = uGrid.x;
  float tip = 0.0;
  for (int ii = 0; ii < MAX_NX; ii++) {
    if (float(ii) >= nx) break;
    float i = nx - 1.0 - float(ii);
    if (at(uProps, vec3(i, t.x, t.y)).w > 0.5) continue;
    float x0 = at(uXs, vec3(i, t.x, t.y)).r;
    if (x0 >= 0.5) {
      float x = (i + 0.5) * uDx;
      if (i + 1.0 < nx && at(uProps, vec3(i + 1.0, t.x, t.y)).w <= 0.5) {
        float x1 = at(uXs, vec3(i + 1.0, t.x, t.y)).r;
        x += (uDx * (x0 - 0.5)) / (x0 - x1);
      }
      tip = max(tip, x);
      break;
    }
  }
  gl_FragColor = vec4(tip, 0.0, 0.0, 0.0);
}
