/**
 * The scenario JSON editor: the whole scenario as text, checked as it is typed (JSON syntax,
 * then the CLI's parseScenario, whose messages name every bad field with its value and the
 * allowed range) and applied on demand. Revert shows what runs now.
 */
import { parseScenario, ScenarioError } from '../model/scenario.ts';

export interface EditorCheck {
  ok: boolean;
  /** The parsed JSON when it is JSON. */
  raw?: unknown;
  message: string;
}

/** Checks editor text like the CLI checks a file. */
export function checkScenarioText(text: string): EditorCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { ok: false, message: `invalid scenario:\n  - not valid JSON (${(e as Error).message})` };
  }
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return { ok: false, raw, message: e.message };
    throw e;
  }
  return { ok: true, raw, message: 'valid: apply to run it' };
}

export class ScenarioEditor {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private shown = '';

  constructor(
    private area: HTMLTextAreaElement,
    private out: HTMLElement,
    apply: (raw: unknown) => void,
    revert: HTMLElement,
    applyButton: HTMLElement,
  ) {
    area.addEventListener('input', () => {
      // the verdict on the old text goes at once; the new one comes when typing pauses
      this.out.textContent = '';
      this.out.className = '';
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.check(), 250);
    });
    applyButton.addEventListener('click', () => {
      const r = this.check();
      if (r.ok) apply(r.raw);
    });
    revert.addEventListener('click', () => this.set(this.shown, true));
  }

  /** Shows the scenario that runs (unless the user has unapplied edits, when `force` is false). */
  set(text: string, force = false): void {
    const dirty = this.area.value !== this.shown;
    this.shown = text;
    if (force || !dirty) {
      this.area.value = text;
      this.out.textContent = '';
      this.out.className = '';
    }
  }

  /** Checks the text now and shows the outcome. */
  check(): EditorCheck {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const r = checkScenarioText(this.area.value);
    this.out.textContent = r.message;
    this.out.className = r.ok ? 'ok' : '';
    return r;
  }
}
