// Transport stage (Scharfetter–Gummel, src/backends/cpu/transport.ts): shifts the padded
// potential in place to a = migration·(ψ − ψ_ref) (migration: the transport scalar of
// README: physics switches (binary electrolyte), 1 in the base model, 0 in the binary-electrolyte mode where the transport is
// plain diffusion), with ψ_ref = max(max ψ over the cells, max of the
// Dirichlet values of φ). The cell maximum comes from a reduction into stats[slot]; the
// Dirichlet maximum is Loop.bcMax (−3.4e38 without Dirichlet faces; the loop updates it with the
// voltage). Every exponent the
// transport kernels take is then e^{a} ≤ 1 or e^{−a} ≥ 1, e^{−a} ≤ e^{ψ_ref − min ψ} (≈ e^{17.4}
// = 3.6e7 at −0.45 V; f32 overflows only past a drop of 88, i.e. |V| ≈ 2.2 V).
// One invocation per padded cell (the ghosts are shifted too: a Dirichlet face potential is the
// mean of a cell and its ghost).

// ShiftParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> sp: ShiftParams;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> pad: array<f32>;
@group(0) @binding(4) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let id = linearIndex(wid, nwg, lid);
  var pz = 1u;
  if (grid.p.w == 3u) { pz = grid.n.z + 2u; }
  if (id >= (grid.n.x + 2u) * (grid.n.y + 2u) * pz) { return; }
  let psiRef = max(stats[sp.slot], lstate.bcMax);
  pad[id] = (pad[id] - psiRef) * sp.migration;
}
