/**
 * The wire format between Node and a page (puppeteer's evaluate passes JSON): typed arrays are
 * sent as base64 of their bytes, so f64 fields cross exactly and compactly; everything else is
 * plain JSON. The same codec runs on both sides.
 */

type Tagged = { $typed: 'f64' | 'f32' | 'i32' | 'u32'; b64: string };

const CTORS = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u32: Uint32Array } as const;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) s += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function tagOf(v: ArrayBufferView): Tagged['$typed'] | null {
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint32Array) return 'u32';
  return null;
}

/** Replaces typed arrays (at any depth) with tagged base64 records. */
export function encodeWire(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) {
    const tag = tagOf(v);
    if (!tag) throw new Error(`wire: unsupported typed array ${v.constructor.name}`);
    return { $typed: tag, b64: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) } satisfies Tagged;
  }
  if (Array.isArray(v)) return v.map(encodeWire);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = encodeWire(x);
    return o;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
  return v;
}

/** Inverse of encodeWire. */
export function decodeWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeWire);
  if (v !== null && typeof v === 'object') {
    const t = v as Partial<Tagged> & { $num?: string };
    if (t.$typed) {
      const bytes = fromBase64(t.b64!);
      const C = CTORS[t.$typed];
      return new C(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / C.BYTES_PER_ELEMENT);
    }
    if (typeof t.$num === 'string') return Number(t.$num);
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = decodeWire(x);
    return o;
  }
  return v;
}
