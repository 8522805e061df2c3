#!/usr/bin/env node
// Launcher: registers the TypeScript loader, then runs the CLI inside a function
// (no work at module top level: see ../shared/spec/environment.md, Dawn crash hazard).
import { register } from 'tsx/esm/api';

async function start() {
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
start();
