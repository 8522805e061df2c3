#!/usr/bin/env node
// Benchmark launcher: registers the TypeScript loader, then runs bench/index.ts inside a
// function (no work at module top level). Usage: npm run bench -- [suite] [options]
import { register } from 'tsx/esm/api';

async function start() {
  register();
  const { main } = await import('../bench/index.ts');
  process.exitCode = await main(process.argv.slice(2));
}
start();
