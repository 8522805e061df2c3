/**
 * Reads a scenario file (JSON, data only, at most 1 MiB, an optional UTF-8 BOM) and validates it.
 * Every problem, from an unreadable path to a bad field, is a ScenarioError whose messages start
 * with the file path or the field path (test/reliability/fuzz.test.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseScenario, ScenarioError, type Scenario } from '../model/scenario.ts';

const MAX_BYTES = 1 << 20;

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ScenarioError([`${path}: not a file`]);
    if (st.size > MAX_BYTES) throw new ScenarioError([`${path}: ${st.size} bytes is larger than the 1 MiB a scenario may be`]);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ScenarioError) throw e;
    throw new ScenarioError([`${path}: cannot read (${(e as Error).message})`]);
  }
  // a UTF-8 byte-order mark (some editors write one) is not part of the JSON
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError([`${path}: not valid JSON (${(e as Error).message})`]);
  }
  return parseScenario(raw);
}
