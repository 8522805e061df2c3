/**
 * Pyramid reductions (shaders/glsl/reduce.frag.glsl): each level combines 4×4 texels (sum, or a
 * NaN-propagating max per channel) until one texel is left — a tree of 16-term sums, so f32 sums
 * keep a relative error of about 16·log16(N)·u in the worst case (the 2×2 tree needed twice the
 * passes, and a pass, not its arithmetic, is what costs here). The first level can form the terms (a dot product, |a − b|)
 * and skip unused atlas tiles. Results stay on the GPU in a 1×1 target (the CG scalars read
 * them there); only the stages' statistics are read back.
 */
import type { GlContext, Target } from './context.ts';
import { gridUniforms, type GridShape } from './grid.ts';

export enum Term {
  Plain = 0,
  Dot = 1,
  AbsDiff = 2,
  /** dot(a, b) over all four channels (vector fields: the displacement) */
  DotVec = 3,
}

/** Texels per axis combined by one level (reduce.frag.glsl). */
const BLOCK = 4;

export interface ReduceSpec {
  /** Per channel: true = max, false = sum. */
  max: [boolean, boolean, boolean, boolean] | boolean;
  term?: Term;
  /** Second operand of Dot / AbsDiff. */
  b?: Target;
  /** The source is an atlas of this grid: skip texels of unused tiles. */
  grid?: GridShape;
}

export class Reducer {
  private chains = new Map<string, Target>();
  constructor(
    private ctx: GlContext,
    private dummyGrid: GridShape,
  ) {}

  private scratch(w: number, h: number, level: number): Target {
    const key = `${w}x${h}@${level}`;
    let t = this.chains.get(key);
    if (!t) {
      t = this.ctx.target(w, h);
      this.chains.set(key, t);
    }
    return t;
  }

  /** Reduces src into the 1×1 target out. */
  run(src: Target, spec: ReduceSpec, out: Target): void {
    const mx = typeof spec.max === 'boolean' ? [spec.max, spec.max, spec.max, spec.max] : spec.max;
    const isMax = mx.map((m) => (m ? 1 : 0));
    let cur = src,
      w = src.w,
      h = src.h,
      level = 0;
    const g = spec.grid ?? this.dummyGrid;
    do {
      const nw = Math.ceil(w / BLOCK),
        nh = Math.ceil(h / BLOCK);
      const dst = nw === 1 && nh === 1 ? out : this.scratch(nw, nh, level);
      this.ctx.run('reduce', dst, {
        ...gridUniforms(g),
        uA: cur,
        uB: level === 0 && spec.b ? spec.b : cur,
        uSrc: [w, h],
        uIsMax: isMax,
        uMode: level === 0 ? (spec.term ?? Term.Plain) : Term.Plain,
        uCheck: level === 0 && spec.grid ? 1 : 0,
      });
      cur = dst;
      w = nw;
      h = nh;
      level++;
    } while (w > 1 || h > 1);
  }
}
