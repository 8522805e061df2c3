/**
 * A scenario quantity: a number in SI or a string with an explicit unit ("4.9 GPa"), checked
 * against a range given in SI. Shared by the scenario schema and the sections in their own files.
 */
import { z } from 'zod';
import { parseQuantity, SI_UNIT, type Dimension } from './units.ts';

/** A quantity in SI or with an explicit unit, constrained to an open/closed range (SI). */
export function qty(dim: Dimension, opts: { min?: number; max?: number; gt?: number; lt?: number } = {}) {
  const u = SI_UNIT[dim];
  return z.any().transform((v, ctx) => {
    const r = parseQuantity(v, dim);
    if (typeof r !== 'number') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: r.error });
      return z.NEVER;
    }
    if (!Number.isFinite(r)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a finite number (${u})` });
      return z.NEVER;
    }
    const range = describeRange(opts, u);
    const bad =
      (opts.min !== undefined && r < opts.min) ||
      (opts.max !== undefined && r > opts.max) ||
      (opts.gt !== undefined && r <= opts.gt) ||
      (opts.lt !== undefined && r >= opts.lt);
    if (bad) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `out of range: allowed ${range}` });
      return z.NEVER;
    }
    return r;
  });
}

function describeRange(o: { min?: number; max?: number; gt?: number; lt?: number }, u: string): string {
  const lo = o.gt !== undefined ? `> ${o.gt}` : o.min !== undefined ? `>= ${o.min}` : '';
  const hi = o.lt !== undefined ? `< ${o.lt}` : o.max !== undefined ? `<= ${o.max}` : '';
  return [lo, hi].filter(Boolean).join(' and ') + ` ${u}`;
}
