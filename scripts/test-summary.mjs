#!/usr/bin/env node
// Prints the plain closing line "N passed, N failed" from vitest's JSON report.
// A missing or unreadable report counts as one failure: CI must never read a green line
// that no test run produced.
import { readFileSync } from 'node:fs';

function summary(path) {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    const failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
    return `${r.numPassedTests ?? 0} passed, ${failed} failed`;
  } catch (e) {
    console.error(`test-summary: cannot read ${path}: ${e.message}`);
    return '0 passed, 1 failed';
  }
}
console.log(summary(process.argv[2] ?? 'test-report.json'));
