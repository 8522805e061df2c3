// Full-screen quad for every WebGL pass: the fragment shaders address cells by gl_FragCoord
// (one fragment per texel of the render target), so no varyings are needed.
precision highp float;
attribute vec2 aPos;
void main() {
  gl_Position = vec4(aPos, 0.0, 1.0);
}
