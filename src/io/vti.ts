import type * as ZlibModule from 'node:zlib';

/**
 * node:zlib, loaded on first use so this module also loads in a browser page (the page exports
 * uncompressed files: `compress: false`); compression and reading compressed files need Node.
 */
function nodeZlib(): typeof ZlibModule {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const z = proc?.getBuiltinModule?.('node:zlib') as typeof ZlibModule | undefined;
  if (!z) throw new Error('VTI zlib compression needs Node.js (>= 20.16); pass compress: false');
  return z;
}

/**
 * VTK XML ImageData (.vti) writer and reader for cell-centred fields.
 *
 * Layout choice: `dims` are CELL counts. The image extent is given in points,
 * so WholeExtent = "0 nx 0 ny 0 nz" and every field is written as CellData with
 * nx*ny*nz tuples. A 2D run passes nz = 1, giving extent "0 nx 0 ny 0 1": one
 * layer of hexahedral cells. We use that rather than the degenerate "0 0" z
 * extent so that 2D and 3D files follow one rule (cells = points - 1 on every
 * axis) and ParaView shows each solver cell as exactly one VTK cell.
 *
 * Ordering: x fastest, then y, then z (index = i + nx*(j + ny*k)), which is
 * both VTK's order and the solver's memory order, so arrays are written as is.
 */

export type Vec3 = [number, number, number];

export interface VtiField {
  name: string;
  data: Float64Array | Float32Array;
}

export interface VtiEncodeOptions {
  /** Number of cells along x, y, z (nz = 1 for 2D). */
  dims: Vec3;
  /** Cell size along x, y, z in metres. */
  spacing: Vec3;
  /** Position of the lower corner of cell (0,0,0); defaults to 0,0,0. */
  origin?: Vec3;
  fields: VtiField[];
  /** Scalars stored once per file (e.g. TIME, STEP), as one-tuple Float64 arrays. */
  fieldData?: Record<string, number>;
  /**
   * zlib-compress the arrays (vtkZLibDataCompressor block format). Defaults to
   * true: phase fields are mostly 0 and 1 and shrink by an order of magnitude.
   */
  compress?: boolean;
}

export interface VtiDecoded {
  dims: Vec3;
  spacing: Vec3;
  origin: Vec3;
  fields: Record<string, Float64Array>;
  fieldData: Record<string, number>;
}

/** Uncompressed block size used by VTK's own writer; any value is readable. */
const BLOCK_SIZE = 1 << 15;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes cell-centred fields as a VTK XML ImageData file (UTF-8 bytes). */
export function encodeVti(opts: VtiEncodeOptions): Uint8Array {
  const [nx, ny, nz] = opts.dims;
  for (const n of opts.dims) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`encodeVti: bad dims ${opts.dims.join('x')}`);
  }
  const cells = nx * ny * nz;
  const origin = opts.origin ?? [0, 0, 0];
  const compress = opts.compress ?? true;
  const extent = `0 ${nx} 0 ${ny} 0 ${nz}`;
  const seen = new Set<string>();

  const out: string[] = [];
  out.push('<?xml version="1.0"?>');
  out.push(
    '<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64"' +
      (compress ? ' compressor="vtkZLibDataCompressor"' : '') +
      '>',
  );
  out.push(`  <ImageData WholeExtent="${extent}" Origin="${fmtVec(origin)}" Spacing="${fmtVec(opts.spacing)}">`);
  const fd = Object.entries(opts.fieldData ?? {});
  if (fd.length > 0) {
    out.push('    <FieldData>');
    for (const [name, value] of fd) {
      const payload = encodePayload(float64Bytes(Float64Array.of(value)), compress);
      out.push(`      <DataArray type="Float64" Name="${escAttr(name)}" NumberOfTuples="1" format="binary">${payload}</DataArray>`);
    }
    out.push('    </FieldData>');
  }
  out.push(`    <Piece Extent="${extent}">`);
  out.push('      <PointData>');
  out.push('      </PointData>');
  const scalars = opts.fields.length > 0 ? ` Scalars="${escAttr(opts.fields[0].name)}"` : '';
  out.push(`      <CellData${scalars}>`);
  for (const f of opts.fields) {
    if (seen.has(f.name)) throw new Error(`encodeVti: duplicate field "${f.name}"`);
    seen.add(f.name);
    if (f.data.length !== cells) {
      throw new Error(`encodeVti: field "${f.name}" has ${f.data.length} values, expected ${cells}`);
    }
    const f32 = f.data instanceof Float32Array;
    const bytes = f32 ? float32Bytes(f.data as Float32Array) : float64Bytes(f.data as Float64Array);
    out.push(
      `        <DataArray type="${f32 ? 'Float32' : 'Float64'}" Name="${escAttr(f.name)}" ` +
        `NumberOfComponents="1" format="binary">${encodePayload(bytes, compress)}</DataArray>`,
    );
  }
  out.push('      </CellData>');
  out.push('    </Piece>');
  out.push('  </ImageData>');
  out.push('</VTKFile>');
  out.push('');
  return new TextEncoder().encode(out.join('\n'));
}

/**
 * Reads a .vti file written by encodeVti (CellData, 1-component Float32/Float64
 * arrays, binary or ascii, raw or zlib). Parses the XML properly and throws on
 * anything it does not understand rather than guessing.
 */
export function decodeVti(bytes: Uint8Array | string): VtiDecoded {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  const root = parseXml(text);
  if (root.name !== 'VTKFile') throw new Error(`decodeVti: root element is <${root.name}>, expected <VTKFile>`);
  if (root.attrs.type !== 'ImageData') throw new Error(`decodeVti: VTKFile type "${root.attrs.type}" is not ImageData`);
  if ((root.attrs.byte_order ?? 'LittleEndian') !== 'LittleEndian') {
    throw new Error('decodeVti: only LittleEndian files are supported');
  }
  const headerType = root.attrs.header_type ?? 'UInt32';
  if (headerType !== 'UInt32' && headerType !== 'UInt64') {
    throw new Error(`decodeVti: unsupported header_type "${headerType}"`);
  }
  const compressor = root.attrs.compressor;
  if (compressor !== undefined && compressor !== 'vtkZLibDataCompressor') {
    throw new Error(`decodeVti: unsupported compressor "${compressor}"`);
  }
  const ctx: PayloadCtx = { headerBytes: headerType === 'UInt64' ? 8 : 4, zlib: compressor !== undefined };

  const image = only(root, 'ImageData');
  const whole = parseInts(image.attrs.WholeExtent, 6, 'WholeExtent');
  const dims: Vec3 = [whole[1] - whole[0], whole[3] - whole[2], whole[5] - whole[4]];
  if (dims.some((d) => d < 1)) throw new Error(`decodeVti: WholeExtent "${image.attrs.WholeExtent}" has no cells`);
  const spacing = parseFloats(image.attrs.Spacing ?? '1 1 1', 'Spacing');
  const origin = parseFloats(image.attrs.Origin ?? '0 0 0', 'Origin');
  const cells = dims[0] * dims[1] * dims[2];

  const fieldData: Record<string, number> = {};
  for (const fdNode of image.children.filter((c) => c.name === 'FieldData')) {
    for (const da of fdNode.children.filter((c) => c.name === 'DataArray')) {
      const values = readDataArray(da, ctx);
      if (values.length !== 1) throw new Error(`decodeVti: FieldData "${da.attrs.Name}" has ${values.length} tuples`);
      fieldData[requireAttr(da, 'Name')] = values[0];
    }
  }

  const piece = only(image, 'Piece');
  const pext = parseInts(piece.attrs.Extent, 6, 'Piece Extent');
  if (pext.some((v, i) => v !== whole[i])) {
    throw new Error(`decodeVti: multi-piece files are not supported (Piece Extent "${piece.attrs.Extent}")`);
  }
  const fields: Record<string, Float64Array> = {};
  for (const cd of piece.children.filter((c) => c.name === 'CellData')) {
    for (const da of cd.children.filter((c) => c.name === 'DataArray')) {
      const name = requireAttr(da, 'Name');
      const comps = Number(da.attrs.NumberOfComponents ?? '1');
      if (comps !== 1) throw new Error(`decodeVti: array "${name}" has NumberOfComponents=${da.attrs.NumberOfComponents}`);
      const values = readDataArray(da, ctx);
      if (values.length !== cells) {
        throw new Error(`decodeVti: array "${name}" has ${values.length} values, extent needs ${cells}`);
      }
      fields[name] = values;
    }
  }
  return { dims, spacing, origin, fields, fieldData };
}

// ---------------------------------------------------------------- payloads

/** Base64 payload in VTK's "binary" inline format. */
function encodePayload(raw: Uint8Array, compress: boolean): string {
  if (!compress) {
    // Uncompressed: one base64 stream of [UInt64 byte count][data].
    // plain typed arrays and btoa (no Buffer): this path also runs in a browser page
    const out = new Uint8Array(8 + raw.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(raw.length), true);
    out.set(raw, 8);
    return bytesToBase64(out);
  }
  // vtkZLibDataCompressor: header [nblocks, blockSize, lastPartialSize, csize_0..n-1]
  // base64-encoded on its own, followed by the concatenated zlib blocks as a second stream.
  const blocks: Buffer[] = [];
  for (let off = 0; off < raw.length; off += BLOCK_SIZE) {
    blocks.push(nodeZlib().deflateSync(raw.subarray(off, Math.min(off + BLOCK_SIZE, raw.length))));
  }
  const header = Buffer.alloc(8 * (3 + blocks.length));
  header.writeBigUInt64LE(BigInt(blocks.length), 0);
  header.writeBigUInt64LE(BigInt(BLOCK_SIZE), 8);
  header.writeBigUInt64LE(BigInt(raw.length % BLOCK_SIZE), 16);
  blocks.forEach((b, i) => {
    header.writeBigUInt64LE(BigInt(b.length), 24 + 8 * i);
  });
  return header.toString('base64') + Buffer.concat(blocks).toString('base64');
}

function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) s += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(s);
}

interface PayloadCtx {
  headerBytes: 4 | 8;
  zlib: boolean;
}

function readDataArray(da: XmlNode, ctx: PayloadCtx): Float64Array {
  const type = requireAttr(da, 'type');
  if (type !== 'Float64' && type !== 'Float32') {
    throw new Error(`decodeVti: array "${da.attrs.Name}" has unsupported type ${type}`);
  }
  const format = da.attrs.format ?? 'ascii';
  if (format === 'ascii') {
    const toks = da.text
      .trim()
      .split(/\s+/)
      .filter((s) => s.length > 0);
    return Float64Array.from(toks, (s) => {
      const v = Number(s);
      if (Number.isNaN(v) && !/^[-+]?nan$/i.test(s)) throw new Error(`decodeVti: bad number "${s}"`);
      return v;
    });
  }
  if (format !== 'binary') throw new Error(`decodeVti: array "${da.attrs.Name}" has unsupported format ${format}`);
  const b64 = da.text.replace(/\s+/g, '');
  const raw = ctx.zlib ? inflatePayload(b64, ctx.headerBytes) : rawPayload(b64, ctx.headerBytes);
  const width = type === 'Float64' ? 8 : 4;
  if (raw.length % width !== 0)
    throw new Error(`decodeVti: array "${da.attrs.Name}" byte count ${raw.length} is not a multiple of ${width}`);
  const n = raw.length / width;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = width === 8 ? dv.getFloat64(8 * i, true) : dv.getFloat32(4 * i, true);
  return out;
}

function rawPayload(b64: string, hb: number): Uint8Array {
  const buf = strictBase64(b64);
  if (buf.length < hb) throw new Error('decodeVti: binary payload shorter than its header');
  const count = readUInt(buf, 0, hb);
  if (buf.length - hb !== count) {
    throw new Error(`decodeVti: header says ${count} bytes, payload holds ${buf.length - hb}`);
  }
  return buf.subarray(hb, hb + count);
}

function inflatePayload(b64: string, hb: number): Uint8Array {
  const chars = (bytes: number) => 4 * Math.ceil(bytes / 3);
  const first = strictBase64(b64.slice(0, chars(3 * hb)));
  const nblocks = readUInt(first, 0, hb);
  const hlen = hb * (3 + nblocks);
  const header = strictBase64(b64.slice(0, chars(hlen)));
  if (header.length < hlen) throw new Error('decodeVti: truncated compression header');
  const blockSize = readUInt(header, hb, hb);
  const lastPartial = readUInt(header, 2 * hb, hb);
  const data = strictBase64(b64.slice(chars(hlen)));
  const parts: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < nblocks; i++) {
    const csize = readUInt(header, (3 + i) * hb, hb);
    const expect = i === nblocks - 1 && lastPartial !== 0 ? lastPartial : blockSize;
    const block = nodeZlib().inflateSync(data.subarray(off, off + csize));
    if (block.length !== expect) throw new Error(`decodeVti: block ${i} inflated to ${block.length} bytes, expected ${expect}`);
    parts.push(block);
    off += csize;
  }
  if (off !== data.length) throw new Error(`decodeVti: ${data.length - off} trailing compressed bytes`);
  return Buffer.concat(parts);
}

function strictBase64(s: string): Buffer {
  // Buffer.from silently skips bad characters; a corrupt file must fail loudly.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error('decodeVti: malformed base64 payload');
  return Buffer.from(s, 'base64');
}

function readUInt(buf: Uint8Array, off: number, width: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return width === 8 ? Number(dv.getBigUint64(off, true)) : dv.getUint32(off, true);
}

function float64Bytes(a: Float64Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat64(8 * i, a[i], true);
  return out;
}

function float32Bytes(a: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i], true);
  return out;
}

// ---------------------------------------------------------------- attributes

function fmtVec(v: readonly number[]): string {
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new Error(`encodeVti: bad vector ${v.join(' ')}`);
  return v.map((x) => String(x)).join(' ');
}

function escAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function parseInts(s: string | undefined, n: number, what: string): number[] {
  const v = (s ?? '').trim().split(/\s+/).map(Number);
  if (v.length !== n || v.some((x) => !Number.isInteger(x))) throw new Error(`decodeVti: bad ${what} "${s}"`);
  return v;
}

function parseFloats(s: string, what: string): Vec3 {
  const v = s.trim().split(/\s+/).map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new Error(`decodeVti: bad ${what} "${s}"`);
  return [v[0], v[1], v[2]];
}

function requireAttr(node: XmlNode, name: string): string {
  const v = node.attrs[name];
  if (v === undefined) throw new Error(`decodeVti: <${node.name}> lacks ${name}`);
  return v;
}

function only(node: XmlNode, name: string): XmlNode {
  const hits = node.children.filter((c) => c.name === name);
  if (hits.length !== 1) throw new Error(`decodeVti: expected one <${name}> in <${node.name}>, found ${hits.length}`);
  return hits[0];
}

// ---------------------------------------------------------------- minimal XML

/** Element tree as produced by parseXml. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

/**
 * Parses the XML subset VTK files use (declaration, comments, elements,
 * attributes, text, the five predefined entities). Throws on mismatched or
 * unclosed tags, so it doubles as a well-formedness check.
 */
export function parseXml(src: string): XmlNode {
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const chunk = src.slice(i, textEnd);
      if (stack.length > 0) stack[stack.length - 1].text += decodeEntities(chunk);
      else if (chunk.trim() !== '') throw new Error('parseXml: text outside the root element');
    }
    if (lt < 0) break;
    if (src.startsWith('<?', lt)) {
      i = skipTo(src, '?>', lt);
    } else if (src.startsWith('<!--', lt)) {
      i = skipTo(src, '-->', lt);
    } else if (src.startsWith('</', lt)) {
      const gt = src.indexOf('>', lt);
      if (gt < 0) throw new Error('parseXml: unterminated closing tag');
      const name = src.slice(lt + 2, gt).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`parseXml: </${name}> closes <${open?.name ?? '(nothing)'}>`);
      i = gt + 1;
    } else {
      const gt = src.indexOf('>', lt);
      if (gt < 0) throw new Error('parseXml: unterminated tag');
      let body = src.slice(lt + 1, gt);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const m = /^([A-Za-z_][-\w:.]*)/.exec(body);
      if (!m) throw new Error(`parseXml: bad tag "<${body}>"`);
      const node: XmlNode = { name: m[1], attrs: parseAttrs(body.slice(m[1].length), m[1]), children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1].children.push(node);
      else if (root) throw new Error('parseXml: more than one root element');
      else root = node;
      if (!selfClosing) stack.push(node);
      i = gt + 1;
    }
  }
  if (stack.length > 0) throw new Error(`parseXml: <${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error('parseXml: no root element');
  return root;
}

function skipTo(src: string, end: string, from: number): number {
  const j = src.indexOf(end, from);
  if (j < 0) throw new Error(`parseXml: missing "${end}"`);
  return j + end.length;
}

function parseAttrs(s: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = Object.create(null);
  const re = /\s+([A-Za-z_][-\w:.]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`parseXml: bad attributes in <${tag}>: "${s.slice(pos).trim()}"`);
    if (m[1] in attrs) throw new Error(`parseXml: duplicate attribute ${m[1]} in <${tag}>`);
    attrs[m[1]] = decodeEntities(m[2] ?? m[3]);
    pos = re.lastIndex;
  }
  return attrs;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] as string);
}
