/**
 * Entry of the device benchmark when it runs from the carried kit (scripts/device-kit.sh bundles
 * this file with esbuild into .device-kit/bench-device.mjs, `webgpu` left external): the shaders
 * are read from the checkout's shaders/ next to the kit folder (the bundle's own location says
 * nothing about the sources), then bench/device.ts runs with the command-line arguments.
 * All work happens inside main() (Dawn crash hazard: no GPU work at module top level).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setShaderReader } from '../src/backends/webgpu/shaders.ts';
import { runDeviceBench } from './device.ts';

async function main(): Promise<void> {
  // bench/ and .device-kit/ both sit one level below the checkout's root
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  setShaderReader((rel) => fs.readFileSync(path.join(root, 'shaders', rel), 'utf8'));
  process.exitCode = await runDeviceBench(process.argv.slice(2));
}
main();
