// Shared by every grid kernel: the workgroup size, the grid uniform and the mapping from a
// dispatch to a linear cell index. Memory order: x fastest, then y, then z
// (index = i + nx·(j + ny·k)); 2D grids have nz = 1.

// Invocations per workgroup (pipeline-overridable; a power of two, the reductions need it).
override WG: u32 = 64u;

struct Grid {
  // nx, ny, nz, N (cells)
  n: vec4<u32>,
  // periodic along x, y, z (0 or 1), dims (2 or 3)
  p: vec4<u32>,
}

// Linear invocation index of a dispatch of (gx, gy) workgroups of WG invocations
// (two dimensions so that grids needing more than 65535 workgroups still fit).
fn linearIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid.x;
}

fn isNanF(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn isFiniteF(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
