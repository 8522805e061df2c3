/**
 * WebGPU device acquisition: navigator.gpu in a browser, Dawn's Node bindings (the `webgpu`
 * package) in Node. Limits are requested explicitly from what the grid needs, and a grid that
 * does not fit the adapter is refused with the sizes in the message before anything is
 * allocated.
 */

/** Raised when no WebGPU adapter exists; `reason` says why in words. */
export class NoAdapterError extends Error {
  constructor(readonly reason: string) {
    super(`no WebGPU adapter: ${reason}`);
    this.name = 'NoAdapterError';
  }
}

/** Vulkan ICD of the SwiftShader CPU implementation shipped with Debian's chromium package. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface AdapterHandle {
  adapter: GPUAdapter;
  /** Human-readable adapter description. */
  description: string;
  /** A CPU implementation (SwiftShader, llvmpipe/lavapipe, WARP) or a fallback adapter. */
  software: boolean;
  /** What was tried on the way (fallbacks), for the log. */
  notes: string[];
}

export interface AcquireOptions {
  /** Dawn toggles/flags for create() in Node, e.g. ['enable-dawn-features=disable_robustness']. */
  dawnFlags?: string[];
}

interface NodeProcess {
  env: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
  getuid?: () => number;
  versions?: { node?: string };
}

function nodeProcess(): NodeProcess | null {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : null;
}

const instances = new Map<string, GPU>();

async function nodeGpu(flags: string[]): Promise<GPU> {
  const key = flags.join('\n');
  const have = instances.get(key);
  if (have) return have;
  let mod: { create: (o: string[]) => GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new NoAdapterError(`the 'webgpu' package (Dawn for Node) failed to load: ${(e as Error).message}`);
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create(flags);
  instances.set(key, gpu);
  return gpu;
}

function isSoftware(a: GPUAdapter): boolean {
  const i = a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  if (i.isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|softpipe|warp|software/i.test([i.description, i.vendor, i.architecture, i.device].join(' '));
}

function describe(a: GPUAdapter): string {
  const i = a.info;
  const parts = [i.description, i.vendor, i.architecture, i.device].filter((s) => s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unnamed adapter';
}

/**
 * Dawn's Vulkan loader prints "XDG_RUNTIME_DIR is invalid or not set" (harmless) when the
 * variable is missing; give it a private 0700 directory so a CPU user of `--backend auto` does
 * not see noise from a probe that then falls back.
 */
function quietVulkanLoader(proc: NonNullable<ReturnType<typeof nodeProcess>>): void {
  if (proc.env.XDG_RUNTIME_DIR) return;
  const fs = proc.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  const os = proc.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  if (!fs || !os) return;
  const dir = `${os.tmpdir()}/lidendrite-xdg-${proc.getuid?.() ?? 0}`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    proc.env.XDG_RUNTIME_DIR = dir;
  } catch {
    /* leave it unset: only a warning */
  }
}

/**
 * Why a browser has no navigator.gpu. WebGPU exists only in secure contexts: a page served over
 * plain http from anywhere but localhost has none even where the browser ships WebGPU.
 */
export function noGpuReason(g: { isSecureContext?: boolean; location?: { origin?: string } } = globalThis): string {
  if (g.isSecureContext === false)
    return `WebGPU needs a secure context (https, or http on localhost); this page comes over plain http from ${g.location?.origin ?? 'another host'}`;
  return 'navigator.gpu is not available in this browser (WebGPU disabled or unsupported)';
}

/**
 * Whether the Vulkan loader would find a driver manifest (an ICD) where it looks by default
 * (Linux: the XDG config and data folders, /etc and /usr/local/etc, each with vulkan/icd.d).
 * Without one Dawn's probe fails and Dawn prints "vkCreateInstance: Found no drivers!" from
 * native code, which no JavaScript can silence; acquireAdapter() then goes to SwiftShader
 * without the probe.
 */
function vulkanDriversListed(proc: NonNullable<ReturnType<typeof nodeProcess>>): boolean {
  const env = proc.env;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return true;
  const fs = proc.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  const os = proc.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  if (!fs || !os) return true;
  const home = os.homedir();
  const roots = [
    env.XDG_CONFIG_HOME || `${home}/.config`,
    ...(env.XDG_CONFIG_DIRS || '/etc/xdg').split(':'),
    '/usr/local/etc',
    '/etc',
    env.XDG_DATA_HOME || `${home}/.local/share`,
    ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':'),
  ];
  return roots.some((r) => {
    try {
      return fs.readdirSync(`${r}/vulkan/icd.d`).some((n) => n.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/**
 * Finds a WebGPU adapter. In Node, when Dawn finds none and VK_ICD_FILENAMES is unset while
 * the SwiftShader ICD exists, it retries with SwiftShader (a CPU Vulkan: correct, not fast);
 * when no Vulkan driver is installed at all it goes to SwiftShader straight away.
 */
export async function acquireAdapter(opts: AcquireOptions = {}): Promise<AdapterHandle> {
  const notes: string[] = [];
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const proc = nodeProcess();
  if (!proc) {
    if (!nav?.gpu) throw new NoAdapterError(noGpuReason());
    const a = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) throw new NoAdapterError('navigator.gpu.requestAdapter() returned null (no usable GPU, or WebGPU blocked for it)');
    return { adapter: a, description: describe(a), software: isSoftware(a), notes };
  }
  quietVulkanLoader(proc);
  const flags = opts.dawnFlags ?? [];
  const swiftshader = (proc.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined)?.existsSync(SWIFTSHADER_ICD);
  if (!vulkanDriversListed(proc) && swiftshader) {
    notes.push(`no Vulkan driver is installed; using SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
    proc.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  let gpu = await nodeGpu(flags);
  let a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) {
    const fs = proc.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
    const icd = proc.env.VK_ICD_FILENAMES;
    if (!icd && fs?.existsSync(SWIFTSHADER_ICD)) {
      notes.push(`Dawn found no usable Vulkan device; retrying with SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
      proc.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      instances.delete(flags.join('\n'));
      gpu = await nodeGpu(flags);
      a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    }
    if (!a) {
      const why = icd
        ? `Dawn found no usable Vulkan device with VK_ICD_FILENAMES=${icd}`
        : fs?.existsSync(SWIFTSHADER_ICD)
          ? `Dawn found no usable Vulkan device, not even SwiftShader (${SWIFTSHADER_ICD})`
          : `Dawn found no usable Vulkan device and SwiftShader is not installed (${SWIFTSHADER_ICD} is missing; apt-get install chromium libvulkan1 provides it)`;
      throw new NoAdapterError(why);
    }
  }
  return { adapter: a, description: describe(a), software: isSoftware(a), notes };
}

/** What a grid needs from the device, in bytes. */
export interface GridNeeds {
  /** Largest single storage binding. */
  maxBinding: number;
  /** Largest single buffer (bindings and the read-back staging buffer). */
  maxBuffer: number;
  /** Approximate total device memory. */
  total: number;
  workgroupSize: number;
  /** Workgroup memory of the largest kernel. */
  workgroupStorage: number;
}

/** Checks the adapter limits and returns the limits to request; throws with sizes when the grid does not fit. */
export function limitsFor(adapter: GPUAdapter, needs: GridNeeds, what: string): Record<string, number> {
  const lim = adapter.limits;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const problems: string[] = [];
  if (needs.maxBinding > lim.maxStorageBufferBindingSize) {
    problems.push(
      `a storage binding of ${mib(needs.maxBinding)} (${needs.maxBinding} bytes) exceeds maxStorageBufferBindingSize = ${mib(lim.maxStorageBufferBindingSize)} (${lim.maxStorageBufferBindingSize} bytes)`,
    );
  }
  if (needs.maxBuffer > lim.maxBufferSize) {
    problems.push(
      `a buffer of ${mib(needs.maxBuffer)} (${needs.maxBuffer} bytes) exceeds maxBufferSize = ${mib(lim.maxBufferSize)} (${lim.maxBufferSize} bytes)`,
    );
  }
  if (needs.workgroupSize > lim.maxComputeInvocationsPerWorkgroup || needs.workgroupSize > lim.maxComputeWorkgroupSizeX) {
    problems.push(
      `workgroup size ${needs.workgroupSize} exceeds maxComputeInvocationsPerWorkgroup = ${lim.maxComputeInvocationsPerWorkgroup} / maxComputeWorkgroupSizeX = ${lim.maxComputeWorkgroupSizeX}`,
    );
  }
  if (needs.workgroupStorage > lim.maxComputeWorkgroupStorageSize) {
    problems.push(
      `${needs.workgroupStorage} bytes of workgroup memory exceed maxComputeWorkgroupStorageSize = ${lim.maxComputeWorkgroupStorageSize}`,
    );
  }
  if (lim.maxStorageBuffersPerShaderStage < 8)
    problems.push(`maxStorageBuffersPerShaderStage = ${lim.maxStorageBuffersPerShaderStage} < 8`);
  if (problems.length) {
    throw new Error(`WebGPU backend: ${what} does not fit this adapter (about ${mib(needs.total)} in total): ${problems.join('; ')}`);
  }
  // ask for what the grid needs (never less than WebGPU's defaults, never more than the adapter has)
  const req = (name: keyof GPUSupportedLimits, need: number, dflt: number) => Math.min(lim[name] as number, Math.max(need, dflt));
  return {
    maxStorageBufferBindingSize: req('maxStorageBufferBindingSize', needs.maxBinding, 128 * 2 ** 20),
    maxBufferSize: req('maxBufferSize', needs.maxBuffer, 256 * 2 ** 20),
    maxStorageBuffersPerShaderStage: 8,
    maxComputeInvocationsPerWorkgroup: req('maxComputeInvocationsPerWorkgroup', needs.workgroupSize, 256),
    maxComputeWorkgroupSizeX: req('maxComputeWorkgroupSizeX', needs.workgroupSize, 256),
    maxComputeWorkgroupStorageSize: req('maxComputeWorkgroupStorageSize', needs.workgroupStorage, 16384),
  };
}
