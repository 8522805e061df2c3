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

// Cell c of a grid with sizes n (x fastest): its coordinates and the strides along y and z.
struct Cell {
  i: u32,
  j: u32,
  k: u32,
  sy: u32,
  sz: u32,
}

fn cellAt(c: u32, n: vec4<u32>) -> Cell {
  let sz = n.x * n.y;
  return Cell(c % n.x, (c / n.x) % n.y, c / sz, n.x, sz);
}

// No cell (a wall face).
const NO_CELL: u32 = 0xffffffffu;

// The neighbour of cell c (coordinates p) across its + face along axis a (0: x, 1: y, 2: z) of
// grid g: the next cell, on a periodic axis the first of the line (c itself when the axis has
// one cell), NO_CELL on a wall. minusNeighbour: the same across the − face.
fn plusNeighbour(g: Grid, c: u32, p: Cell, a: u32) -> u32 {
  switch a {
    case 0u: {
      if (p.i + 1u < g.n.x) { return c + 1u; }
      if (g.p.x != 0u) { return c - (g.n.x - 1u); }
    }
    case 1u: {
      if (p.j + 1u < g.n.y) { return c + p.sy; }
      if (g.p.y != 0u) { return c - (g.n.y - 1u) * p.sy; }
    }
    default: {
      if (p.k + 1u < g.n.z) { return c + p.sz; }
      if (g.p.z != 0u) { return c - (g.n.z - 1u) * p.sz; }
    }
  }
  return NO_CELL;
}

fn minusNeighbour(g: Grid, c: u32, p: Cell, a: u32) -> u32 {
  switch a {
    case 0u: {
      if (p.i > 0u) { return c - 1u; }
      if (g.p.x != 0u) { return c + (g.n.x - 1u); }
    }
    case 1u: {
      if (p.j > 0u) { return c - p.sy; }
      if (g.p.y != 0u) { return c + (g.n.y - 1u) * p.sy; }
    }
    default: {
      if (p.k > 0u) { return c - p.sz; }
      if (g.p.z != 0u) { return c + (g.n.z - 1u) * p.sz; }
    }
  }
  return NO_CELL;
}

// Member q (0…7, memory order: x fastest) of the 2×2(×2) aggregate at coarse coordinates ag,
// on a fine grid of sizes n: its fine coordinates, and w = 1 when it lies on the fine grid (0
// past its edge and for q ≥ 4 in 2D), so a loop over q visits the members as the CPU does.
fn aggregateMember(ag: Cell, q: u32, n: vec4<u32>) -> vec4<u32> {
  let i = 2u * ag.i + (q & 1u);
  let j = 2u * ag.j + ((q >> 1u) & 1u);
  let k = 2u * ag.k + (q >> 2u);
  return vec4<u32>(i, j, k, select(0u, 1u, i < n.x && j < n.y && k < n.z));
}
