/**
 * WebGPU in the conformance tests: without a GPU, SwiftShader (chromium's CPU Vulkan) provides
 * the adapter (VK_ICD_FILENAMES is pointed at it when the file exists and the variable is unset;
 * acquireAdapter gives Dawn's Vulkan loader a private XDG_RUNTIME_DIR). probeWebGpu() says whether an adapter
 * exists, or why not (the webgpu cases are then skipped with that reason, never unconditionally).
 */
import * as fs from 'node:fs';
import { acquireAdapter, SWIFTSHADER_ICD } from '../../src/backends/webgpu/device.ts';

if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

export type Probe = { ok: true; description: string } | { ok: false; reason: string };

export async function probeWebGpu(): Promise<Probe> {
  try {
    const h = await acquireAdapter();
    return { ok: true, description: h.description };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
