#!/usr/bin/env node
// Launcher: registers the TypeScript loader, then runs the CLI inside a function
// (no work at module top level: see ../shared/spec/environment.md, Dawn crash hazard).
// main() maps every error to an exit code itself (src/cli/errors.ts); what still escapes it (an
// error in a callback, or the loader failing) is one line and exit 3, the stack only with --debug.
import { register } from 'tsx/esm/api';

function escaped(e) {
  console.error(
    `error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)} (unexpected; run again with --debug for the stack trace)`,
  );
  if (process.argv.includes('--debug') && e instanceof Error) console.error(e.stack);
  process.exit(3);
}

async function start() {
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
start().catch(escaped);
