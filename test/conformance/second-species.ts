/**
 * A second transported species that exists only in the tests, to show what a new species costs:
 * a scenario section (its schema) and its coefficients, registered here — no backend, solver,
 * metrics, checkpoint or output code knows it. Importing this module registers it (once per
 * module instance). It is a second additive cation `tracer` (b̃ = c_b/c_b,bulk) with the
 * additive's keys plus a drift factor (`migration`, so the per-species drift path differs from
 * the additive's 1), screening the reaction rate with its own strength.
 */
import { z } from 'zod';
import { additiveSchema } from '../../src/model/scenario.ts';
import { registerSpeciesKind, speciesKinds, type Species } from '../../src/model/species.ts';

export const TRACER = 'tracer';

const tracerSchema = additiveSchema.extend({ migration: z.number().finite().min(0).max(1).default(1) });

if (!speciesKinds().some((k) => k.name === TRACER)) {
  registerSpeciesKind<z.output<typeof tracerSchema>>({
    name: TRACER,
    schema: tracerSchema,
    species: (t): Species => ({
      name: TRACER,
      label: 'tracer (b̃ = c_b/c_b,bulk)',
      meaning: 'test-only second additive / its bulk value',
      bulk: t.concentration,
      D: t.diffusivity / (1e-6 * 1e-6),
      migration: t.migration,
      shielding: t.shielding,
    }),
  });
}
