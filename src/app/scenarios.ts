/// <reference types="vite/client" />
/**
 * The scenario picker's entries: every scenario file under examples/ (the cases' scenario.json
 * and their variants, e.g. examples/host-3d/planar.json; sweep files are not scenarios),
 * bundled at build time (Vite's import.meta.glob), so the page needs no server beyond static
 * files. Each label says the grid's dimension, so a 2D section of a 3D idea reads as what it is.
 */
const files = import.meta.glob(['../../examples/*/*.json', '!../../examples/*/sweep.json'], { eager: true, import: 'default' }) as Record<
  string,
  unknown
>;

export interface ExampleScenario {
  /** Folder name for scenario.json, folder/file for a variant. */
  id: string;
  label: string;
  raw: unknown;
}

/** The id and label of an examples/ file path. */
export function exampleEntry(path: string, raw: unknown): ExampleScenario {
  const parts = path.split('/');
  const folder = parts.at(-2)!,
    file = parts.at(-1)!.replace(/\.json$/, '');
  const id = file === 'scenario' ? folder : `${folder}/${file}`;
  const dims = (raw as { grid?: { dims?: unknown } })?.grid?.dims;
  return { id, label: `${id} (${typeof dims === 'number' ? `${dims}D` : '?'})`, raw };
}

/** The examples, sorted by id. */
export const EXAMPLES: ExampleScenario[] = Object.entries(files)
  .map(([path, raw]) => exampleEntry(path, raw))
  .sort((a, b) => a.id.localeCompare(b.id));
