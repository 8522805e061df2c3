// Mechanics (docs/mechanics.md), the twin of elasticMaterialK: per cell (λ, μ, h(ξ), 0), linear
// in h between the electrolyte and the metal, ξ clamped to [0, 1].

// ElasticParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> ep: ElasticParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read_write> mat: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = linearIndex(wid, nwg, lid);
  if (p >= grid.n.w) { return; }
  let x = clamp(xi[p], 0.0, 1.0);
  let h = x * x * x * (x * (6.0 * x - 15.0) + 10.0);
  mat[p] = vec4<f32>(ep.lamE + h * (ep.lamM - ep.lamE), ep.muE + h * (ep.muM - ep.muE), h, 0.0);
}
