import { defineConfig } from 'vitest/config';

// The JSON report is what .ci/run turns into the closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // two test files at a time: the suite is mostly single-threaded work (CPU reference, SwiftShader
    // in Node, headless Chromium) and takes 30–33 min on 2 cores this way (README)
    maxWorkers: 2,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-report.json' },
  },
});
