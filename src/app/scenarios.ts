/// <reference types="vite/client" />
/**
 * The scenario picker's entries: every examples/<name>/scenario.json, bundled at build time
 * (Vite's import.meta.glob), so the page needs no server beyond static files.
 */
const files = import.meta.glob('../../examples/*/scenario.json', { eager: true, import: 'default' }) as Record<string, unknown>;

export interface ExampleScenario {
  id: string;
  raw: unknown;
}

/** The examples, sorted by folder name. */
export const EXAMPLES: ExampleScenario[] = Object.entries(files)
  .map(([path, raw]) => ({ id: path.split('/').at(-2)!, raw }))
  .sort((a, b) => a.id.localeCompare(b.id));
