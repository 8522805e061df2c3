// Copies the R channel of a grid texture (ξ at the last potential solve, warm starts).
uniform sampler2D uA;

void main() {
  gl_FragColor = vec4(at(uA, thisCell()).r, 0.0, 0.0, 0.0);
}
