#!/usr/bin/env node
// Prints the plain closing line "N passed, N failed" from vitest's JSON report, plus the
// results of the static checks CI ran before the tests (arguments `name:pass` / `name:fail`,
// each counted as one test). A missing or unreadable report counts as one failure: CI must never
// read a green line that no test run produced.
import { readFileSync } from 'node:fs';

function counts(path) {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    const failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
    return { passed: r.numPassedTests ?? 0, failed };
  } catch (e) {
    console.error(`test-summary: cannot read ${path}: ${e.message}`);
    return { passed: 0, failed: 1 };
  }
}

const [report = 'test-report.json', ...checks] = process.argv.slice(2);
const c = counts(report);
for (const check of checks) {
  const [name, result] = check.split(':');
  if (result === 'pass') c.passed++;
  else {
    c.failed++;
    console.log(`test-summary: ${name} failed`);
  }
}
console.log(`${c.passed} passed, ${c.failed} failed`);
