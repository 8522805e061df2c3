// The staggered elasticity grid of src/backends/cpu/elasticity-kernels.ts (docs/mechanics.md),
// shared by the elastic_*.wgsl kernels: the same helpers with the same boundary rules.
// Component a of the displacement is stored per cell at the centre of the cell's upper a-face
// (u[a·N + p]); shear stresses τ_ab live on the cell's upper (a, b) edge (tau[pair·N + p]).
// Face types (ElasticParams.faces, 4 bits per face, x0 lowest: x0, x1, y0, y1, z0, z1): 0 clamp,
// 1 roller, 2 traction, 3 periodic. The including module declares `grid: Grid`, `ep: ElasticParams`,
// `mat: array<vec4<f32>>` ((λ, μ, h, 0) per cell) and `fn uv(q: u32) -> f32` (the displacement
// the stresses are taken of).

const CLAMP: u32 = 0u;
const ROLLER: u32 = 1u;
const TRACTION: u32 = 2u;
const PERIODIC: u32 = 3u;

// Face type of face f (0: x0, 1: x1, 2: y0, 3: y1, 4: z0, 5: z1).
fn faceType(f: u32) -> u32 {
  return (ep.faces >> (4u * f)) & 15u;
}

fn coordOf(c: Cell, a: u32) -> u32 {
  switch a {
    case 0u: { return c.i; }
    case 1u: { return c.j; }
    default: { return c.k; }
  }
}

fn sizeOf(a: u32) -> u32 {
  switch a {
    case 0u: { return grid.n.x; }
    case 1u: { return grid.n.y; }
    default: { return grid.n.z; }
  }
}

fn pairOf(a: u32, b: u32) -> u32 {
  let lo = min(a, b);
  let hi = max(a, b);
  return select(2u, hi - 1u, lo == 0u);
}

// Whether component a's value at cell p (coordinates c) is held (clamp or roller upper face).
fn isFixed(c: Cell, a: u32) -> bool {
  if (coordOf(c, a) != sizeOf(a) - 1u) { return false; }
  let t = faceType(2u * a + 1u);
  return t == CLAMP || t == ROLLER;
}

fn onUpper(c: Cell, a: u32) -> bool {
  return coordOf(c, a) == sizeOf(a) - 1u && faceType(2u * a) != PERIODIC;
}

// Component a at cell q, read as 0 where it is held.
fn um(q: u32, a: u32) -> f32 {
  if (isFixed(cellAt(q, grid.n), a)) { return 0.0; }
  return uv(a * grid.n.w + q);
}

// μ on the edge (upper a-face, upper b-face) of cell p: the mean over the cells around it inside.
fn edgeMu(p: u32, c: Cell, a: u32, b: u32) -> f32 {
  let pa = plusNeighbour(grid, p, c, a);
  let pb = plusNeighbour(grid, p, c, b);
  var s = mat[p].y;
  var n = 1.0;
  if (pa != NO_CELL) {
    s += mat[pa].y;
    n += 1.0;
  }
  if (pb != NO_CELL) {
    s += mat[pb].y;
    n += 1.0;
    if (pa != NO_CELL) {
      s += mat[plusNeighbour(grid, pa, cellAt(pa, grid.n), b)].y;
      n += 1.0;
    }
  }
  return s / n;
}

// τ = μ_e γ on the edge (upper a-face, upper b-face) of p (elasticity-kernels.ts edgeTau).
fn edgeTau(p: u32, c: Cell, a: u32, b: u32) -> f32 {
  let onA = onUpper(c, a);
  let onB = onUpper(c, b);
  if (onA && onB) { return 0.0; }
  if ((onA && faceType(2u * a + 1u) != CLAMP) || (onB && faceType(2u * b + 1u) != CLAMP)) { return 0.0; }
  var dBua: f32;
  if (onB) { dBua = -2.0 * um(p, a); } else { dBua = um(plusNeighbour(grid, p, c, b), a) - um(p, a); }
  var dAub: f32;
  if (onA) { dAub = -2.0 * um(p, b); } else { dAub = um(plusNeighbour(grid, p, c, a), b) - um(p, b); }
  return (edgeMu(p, c, a, b) * (dBua + dAub)) / ep.dx;
}

// τ on the edge of p's lower b-face (a domain face) at p's upper a-face (lowerEdgeTau).
fn lowerEdgeTau(p: u32, c: Cell, a: u32, b: u32) -> f32 {
  if (faceType(2u * b) != CLAMP || onUpper(c, a)) { return 0.0; }
  let pa = plusNeighbour(grid, p, c, a);
  let me = 0.5 * (mat[p].y + mat[pa].y);
  return (me * 2.0 * um(p, a)) / ep.dx;
}
