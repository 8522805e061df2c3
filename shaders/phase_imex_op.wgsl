// IMEX phase stage (docs/imex-phase.md; the twin of imexOperatorK, src/backends/cpu/phase-imex.ts):
// the operator I + h·(diag(S) + L_σκ0·K·(−Δ_h)), h = dt/2, in the face-weight form of
// common/stencil.wgsl, for GpuPcg:
//   d = 1 + max(h·S, −floor) + the boundary and host faces; w = W on a face between two
//   non-host cells (W = h·L_σκ0·K/dx²), else 0.
// Stored in one of two forms (the included common/op_*.wgsl, opPack): op_faces.wgsl's
// op[c] = (d, w+x, w+y, w+z) where the slot's V-cycle coarsens it (module phaseImexOp), or, with
// the Jacobi sweeps, op_uniform.wgsl's d per cell (−1 for a host cell) and W at op[N]
// (phaseImexOpU): 4 bytes per cell for every kernel that reads it instead of 16.
// A Dirichlet face of ξ fixes ξ, so the increment is 0 there (weight 2W on the diagonal);
// no-flux and contact faces are no-flux for the increment; periodic faces wrap. A host cell is
// the identity row with no faces; a face between a non-host cell and a host cell adds W to the
// non-host cell's diagonal (the host's increment is 0).

// Gated (override GATE, common/loop.wgsl): the device loop records it in every step and it runs
// only while the step's gate is open; dt and the step's parameters come from the loop uniform.
// h = dt/2 and W = wScale·dt/dx² (wScale = L_σκ0·K/2) from the loop uniform.

// ImexOpParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> bc: BC;   // boundary conditions of ξ
@group(0) @binding(2) var<uniform> io: ImexOpParams;
@group(0) @binding(3) var<storage, read> stab: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> op: array<OpCell>;
@group(0) @binding(6) var<uniform> lstate: Loop;   // gate GATE, dt and dt/dx²

override GATE: u32 = 15u;

fn isHost(q: u32) -> bool {
  return props[q].w > 0.5;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let h = 0.5 * lstate.dt;
  let W = io.wScale * lstate.sgScale;
  if (OP_UNIFORM && c == 0u) { op[grid.n.w] = opPack(W, vec3<f32>(0.0), false); }
  if (isHost(c)) {
    op[c] = opPack(1.0, vec3<f32>(0.0), true);
    return;
  }
  let p = cellAt(c, grid.n);
  var d = 1.0 + max(h * stab[c], -io.floor);
  var w = vec3<f32>(0.0);
  for (var ax = 0u; ax < select(2u, 3u, grid.p.w == 3u); ax++) {
    let nb = plusNeighbour(grid, c, p, ax);
    if (nb == NO_CELL) {
      let q = 2u * ax + 1u;
      if (bc.t[q / 4u][q % 4u] == BC_DIRICHLET) { d += 2.0 * W; }
    } else if (nb != c) {
      if (isHost(nb)) { d += W; } else { w[ax] = W; }
    }
    let mb = minusNeighbour(grid, c, p, ax);
    if (mb == NO_CELL) {
      let q = 2u * ax;
      if (bc.t[q / 4u][q % 4u] == BC_DIRICHLET) { d += 2.0 * W; }
    } else if (mb != c && isHost(mb)) {
      d += W;
    }
  }
  op[c] = opPack(d, w, false);
}
