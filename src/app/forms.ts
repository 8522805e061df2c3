/**
 * The form part of the panel, built from the definitions in controls.ts: a select per switch and
 * a text field per control. A change hands the edited scenario JSON and what the change needs
 * (continue or reset) to the page; the page validates it and marks the input invalid when it
 * is refused.
 */
import type { Scenario } from '../model/scenario.ts';
import { CONTROLS, controlText, parseControlText, SWITCHES, withValue, type ChangeKind } from './controls.ts';

export type Submit = (next: unknown, kind: ChangeKind, input: HTMLElement) => Promise<boolean>;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function buildForms(switchForm: HTMLElement, controlForm: HTMLElement, current: () => unknown, submit: Submit): void {
  for (const def of SWITCHES) {
    const row = document.createElement('label');
    row.className = 'sw';
    row.dataset.sw = def.id;
    const sel = document.createElement('select');
    sel.id = `sw-${def.id}`;
    for (const o of def.options) sel.add(new Option(o.label, o.value));
    sel.add(new Option('(as in the JSON)', '(custom)'));
    row.append(def.label, sel);
    switchForm.append(row);
    sel.addEventListener('change', () => {
      const opt = def.options.find((o) => o.value === sel.value);
      if (!opt) return;
      const raw = current();
      void submit(withValue(raw, def.path, opt.section(raw)), def.reset ? 'reset' : 'continue', sel);
    });
  }
  for (const def of CONTROLS) {
    const row = document.createElement('label');
    row.className = 'ctl';
    row.dataset.ctl = def.id;
    const input = document.createElement('input');
    input.id = `ctl-${def.id}`;
    input.name = def.id;
    input.type = 'text';
    row.append(def.label, input);
    const hint = document.createElement('small');
    hint.textContent = def.hint;
    row.append(hint);
    controlForm.append(row);
    input.addEventListener('change', () => {
      void submit(withValue(current(), def.path, parseControlText(input.value)), def.reset ? 'reset' : 'continue', input);
    });
  }
  for (const f of [switchForm, controlForm]) f.addEventListener('submit', (e) => e.preventDefault());
}

/** Shows the scenario's values (and which controls apply) in the forms. */
export function fillForms(raw: unknown, s: Scenario | null): void {
  for (const def of SWITCHES) {
    const sel = $<HTMLSelectElement>(`sw-${def.id}`);
    sel.value = def.current(raw) ?? '(custom)';
    sel.removeAttribute('aria-invalid');
  }
  for (const def of CONTROLS) {
    const input = $<HTMLInputElement>(`ctl-${def.id}`);
    input.value = controlText(def, raw, s);
    input.removeAttribute('aria-invalid');
    (input.parentElement as HTMLElement).hidden = (!!def.only3d && s?.grid.dims !== 3) || (def.visible !== undefined && !def.visible(raw));
  }
}
