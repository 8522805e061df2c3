import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTOUR_RGB,
  MetricsCsv,
  NON_FINITE_RGB,
  colorAt,
  decodeVti,
  encodeVti,
  midPlaneSlice,
  readCsv,
  renderFieldPng,
  renderFieldPngWithLayout,
  safeJoin,
  writeFileAtomic,
  type ColormapName,
  type FieldPngOptions,
} from '../../src/io/index.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lidendrite-io-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Independent well-formedness check: every opened tag closes, in order. */
function assertBalancedTags(xml: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  const body = xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w.-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (close) expect(stack.pop()).toBe(name);
    else if (!self) {
      stack.push(name);
      seen.push(name);
    }
  }
  expect(stack).toEqual([]);
  return seen;
}

function attr(xml: string, tag: string, name: string): string | undefined {
  const m = new RegExp(`<${tag}\\b[^>]*\\s${name}="([^"]*)"`).exec(xml);
  return m?.[1];
}

describe('vti', () => {
  const tricky = [0, -0, 1, -1.5, Math.PI, 1e-300, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, -2.5e-7, NaN, Infinity];

  function field(n: number, seed: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = i < tricky.length ? tricky[i] : Math.sin(i * 12.9898 + seed) * 43758.5453;
    return a;
  }

  it.each([true, false])('round-trips Float64 fields bit for bit (compress=%s)', (compress) => {
    const dims: [number, number, number] = [5, 4, 3];
    const phi = field(60, 1);
    const c = field(60, 2);
    const bytes = encodeVti({
      dims,
      spacing: [1e-7, 2e-7, 3e-7],
      origin: [0.5e-6, 0, -1e-6],
      fields: [
        { name: 'phi', data: phi },
        { name: 'c', data: c },
      ],
      fieldData: { TIME: 1.2345678901234567e-3, STEP: 42 },
      compress,
    });
    const d = decodeVti(bytes);
    expect(d.dims).toEqual(dims);
    expect(d.spacing).toEqual([1e-7, 2e-7, 3e-7]);
    expect(d.origin).toEqual([0.5e-6, 0, -1e-6]);
    expect(d.fieldData).toEqual({ TIME: 1.2345678901234567e-3, STEP: 42 });
    expect(Object.keys(d.fields)).toEqual(['phi', 'c']);
    for (const [name, src] of [
      ['phi', phi],
      ['c', c],
    ] as const) {
      const got = d.fields[name];
      expect(got).toBeInstanceOf(Float64Array);
      expect(got.length).toBe(60);
      for (let i = 0; i < 60; i++) expect(Object.is(got[i], src[i]), `${name}[${i}]`).toBe(true);
    }
  });

  it('round-trips large multi-block compressed data', () => {
    const n = 300 * 70; // 168000 bytes: several 32 KiB zlib blocks plus a partial one
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1e-3));
    const d = decodeVti(encodeVti({ dims: [300, 70, 1], spacing: [1, 1, 1], fields: [{ name: 'a', data: a }] }));
    expect(d.fields.a).toEqual(a);
  });

  it('writes Float32 arrays as Float32 and reads them back exactly', () => {
    const f = Float32Array.from([0.1, -3.25, 1e-20, 7]);
    const bytes = encodeVti({ dims: [2, 2, 1], spacing: [1, 1, 1], fields: [{ name: 'f', data: f }], compress: false });
    expect(attr(text(bytes), 'DataArray', 'type')).toBe('Float32');
    expect(Array.from(decodeVti(bytes).fields.f)).toEqual(Array.from(f));
  });

  it('emits well-formed ImageData XML with cell data and point extents', () => {
    const xml = text(
      encodeVti({
        dims: [6, 3, 1],
        spacing: [1e-7, 1e-7, 1e-7],
        fields: [{ name: 'phi', data: new Float64Array(18) }],
        fieldData: { TIME: 0 },
      }),
    );
    const tags = assertBalancedTags(xml);
    expect(tags).toEqual(['VTKFile', 'ImageData', 'FieldData', 'DataArray', 'Piece', 'PointData', 'CellData', 'DataArray']);
    expect(attr(xml, 'VTKFile', 'type')).toBe('ImageData');
    expect(attr(xml, 'VTKFile', 'byte_order')).toBe('LittleEndian');
    expect(attr(xml, 'VTKFile', 'header_type')).toBe('UInt64');
    expect(attr(xml, 'ImageData', 'WholeExtent')).toBe('0 6 0 3 0 1');
    expect(attr(xml, 'Piece', 'Extent')).toBe('0 6 0 3 0 1');
    const cellArray = /<CellData[^>]*>\s*(<DataArray[^>]*>)/.exec(xml)?.[1] ?? '';
    expect(cellArray).toContain('Name="phi"');
    expect(cellArray).toContain('NumberOfComponents="1"');
    expect(cellArray).toContain('type="Float64"');
    expect(cellArray).toContain('format="binary"');
  });

  it('uses a UInt64 byte-count header before uncompressed data', () => {
    const data = Float64Array.from([1, 2, 3]);
    const xml = text(encodeVti({ dims: [3, 1, 1], spacing: [1, 1, 1], fields: [{ name: 'x', data }], compress: false }));
    const b64 = /<CellData[^>]*>\s*<DataArray[^>]*>([^<]*)</.exec(xml)![1];
    const raw = Buffer.from(b64.trim(), 'base64');
    expect(raw.readBigUInt64LE(0)).toBe(24n);
    expect([raw.readDoubleLE(8), raw.readDoubleLE(16), raw.readDoubleLE(24)]).toEqual([1, 2, 3]);
  });

  it('parses the XML rather than relying on fixed offsets', () => {
    const data = Float64Array.from({ length: 12 }, (_, i) => i / 7);
    let xml = text(encodeVti({ dims: [4, 3, 1], spacing: [1, 2, 3], fields: [{ name: 'x', data }], compress: false }));
    // Comments, reordered attributes and wrapped base64 are all legal and must still decode.
    xml = xml.replace('<VTKFile', '<!-- written by a test -->\n<VTKFile');
    xml = xml.replace(
      /<DataArray type="Float64" Name="x" NumberOfComponents="1" format="binary">/,
      '<DataArray format="binary"  NumberOfComponents="1"\n Name="x" type="Float64" >',
    );
    xml = xml.replace(/>([A-Za-z0-9+/=]{20,})</, (_, b: string) => `>\n${b.replace(/(.{16})/g, '$1\n  ')}\n<`);
    const d = decodeVti(xml);
    expect(d.spacing).toEqual([1, 2, 3]);
    expect(d.fields.x).toEqual(data);
  });

  it('rejects malformed or unsupported files', () => {
    const good = text(
      encodeVti({ dims: [2, 2, 1], spacing: [1, 1, 1], fields: [{ name: 'x', data: new Float64Array(4) }], compress: false }),
    );
    expect(() => decodeVti(good.replace('</CellData>', ''))).toThrow(/CellData|Piece/);
    expect(() => decodeVti(good.replace('NumberOfComponents="1"', 'NumberOfComponents="3"'))).toThrow(/NumberOfComponents/);
    expect(() => decodeVti(good.replace('WholeExtent="0 2 0 2 0 1"', 'WholeExtent="0 3 0 2 0 1"'))).toThrow();
    expect(() => decodeVti(good.replace('type="ImageData"', 'type="UnstructuredGrid"'))).toThrow(/ImageData/);
    // Byte count in the header disagrees with the payload.
    const b64 = /<CellData[^>]*>\s*<DataArray[^>]*>([^<]*)</.exec(good)![1];
    const raw = Buffer.from(b64, 'base64');
    raw.writeBigUInt64LE(16n, 0);
    expect(() => decodeVti(good.replace(b64, raw.toString('base64')))).toThrow(/bytes/);
  });

  it('rejects fields whose length does not match dims', () => {
    expect(() => encodeVti({ dims: [3, 3, 1], spacing: [1, 1, 1], fields: [{ name: 'x', data: new Float64Array(8) }] })).toThrow(/9/);
  });
});

describe('colormap', () => {
  it('clamps t and matches the published end and mid points', () => {
    expect(colorAt('viridis', -3)).toEqual([68, 1, 84]);
    expect(colorAt('viridis', 0)).toEqual([68, 1, 84]);
    expect(colorAt('viridis', 7)).toEqual([253, 231, 37]);
    expect(colorAt('viridis', 128 / 255)).toEqual([33, 145, 140]); // row 128 of the 256-entry table
    expect(colorAt('cividis', 0)).toEqual([0, 34, 78]);
    expect(colorAt('cividis', 1)).toEqual([254, 232, 56]);
    expect(colorAt('coolwarm', 0)).toEqual([59, 76, 192]);
    expect(colorAt('coolwarm', 0.5)).toEqual([221, 221, 221]);
    expect(colorAt('coolwarm', 1)).toEqual([180, 4, 38]);
  });

  it.each(['viridis', 'cividis'] as ColormapName[])('%s gets brighter monotonically', (name) => {
    // Guards the transcribed tables: a wrong digit breaks the lightness ramp.
    const lin = (c: number) => (c / 255) ** 2.2;
    let prev = -1;
    for (let k = 0; k <= 128; k++) {
      const [r, g, b] = colorAt(name, k / 128);
      const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      expect(y).toBeGreaterThanOrEqual(prev - 1e-3);
      prev = y;
    }
  });
});

describe('png', () => {
  const decode = (png: Uint8Array) => PNG.sync.read(Buffer.from(png));
  const px = (img: PNG, x: number, y: number) => {
    const o = 4 * (y * img.width + x);
    return [img.data[o], img.data[o + 1], img.data[o + 2]];
  };

  function render(opts: FieldPngOptions) {
    const { png, layout } = renderFieldPngWithLayout(opts);
    const img = decode(png);
    expect([img.width, img.height]).toEqual([layout.width, layout.height]);
    return { img, layout };
  }

  function countInMap(img: PNG, map: { x: number; y: number; w: number; h: number }, rgb: number[]): number {
    let n = 0;
    for (let y = map.y; y < map.y + map.h; y++) {
      for (let x = map.x; x < map.x + map.w; x++) if (px(img, x, y).every((v, c) => v === rgb[c])) n++;
    }
    return n;
  }

  it('renders a gradient with the colormap end colours at min and max, y up', () => {
    const nx = 64;
    const ny = 32;
    const data = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * j] = i + j;
    const { img, layout } = render({ data, nx, ny, dxMeters: 1e-7, title: 'gradient', unit: 'mol/m3' });
    const { map } = layout;
    expect(Math.max(map.w, map.h)).toBeGreaterThanOrEqual(400);
    expect(Math.max(map.w, map.h)).toBeLessThanOrEqual(800);
    expect(map.w).toBe(nx * map.pixelsPerCell);
    const distinct = new Set<string>();
    for (let x = map.x; x < map.x + map.w; x += 7) distinct.add(px(img, x, map.y + map.h - 1).join());
    expect(distinct.size).toBeGreaterThan(10);
    // Minimum (i = 0, j = 0) is bottom-left; maximum is top-right.
    expect(px(img, map.x, map.y + map.h - 1)).toEqual(colorAt('viridis', 0));
    expect(px(img, map.x + map.w - 1, map.y)).toEqual(colorAt('viridis', 1));
  });

  it('draws a colour bar running from max at the top to min at the bottom', () => {
    const data = Float64Array.from({ length: 100 }, (_, i) => i);
    const { img, layout } = render({ data, nx: 10, ny: 10, dxMeters: 1e-6, title: 't', unit: 'V', colormap: 'coolwarm' });
    const { bar } = layout;
    const cx = bar.x + Math.floor(bar.w / 2);
    expect(px(img, cx, bar.y)).toEqual(colorAt('coolwarm', 1));
    expect(px(img, cx, bar.y + bar.h - 1)).toEqual(colorAt('coolwarm', 0));
    const mid = px(img, cx, bar.y + Math.floor(bar.h / 2));
    colorAt('coolwarm', 0.5).forEach((v, c) => {
      expect(Math.abs(mid[c] - v)).toBeLessThanOrEqual(3);
    });
    // Tick labels: dark text pixels to the right of the bar.
    let ink = 0;
    for (let y = bar.y; y < bar.y + bar.h; y++) for (let x = bar.x + bar.w + 6; x < img.width; x++) if (px(img, x, y)[0] < 60) ink++;
    expect(ink).toBeGreaterThan(50);
  });

  it('draws the contour of a disc only when asked, on the disc edge', () => {
    const n = 40;
    const r0 = 10;
    const disc = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) disc[i + n * j] = Math.hypot(i + 0.5 - 20, j + 0.5 - 20) < r0 ? 1 : 0;
    const base = { data: disc, nx: n, ny: n, dxMeters: 1e-7, title: 'disc', unit: '1' };
    const plain = render(base);
    expect(countInMap(plain.img, plain.layout.map, CONTOUR_RGB)).toBe(0);
    const { img, layout } = render({ ...base, contour: { data: disc, level: 0.5 } });
    const { map } = layout;
    expect(countInMap(img, map, CONTOUR_RGB)).toBeGreaterThan(200);
    for (let y = map.y; y < map.y + map.h; y++) {
      for (let x = map.x; x < map.x + map.w; x++) {
        if (!px(img, x, y).every((v, c) => v === CONTOUR_RGB[c])) continue;
        const r = Math.hypot((x - map.x + 0.5) / map.pixelsPerCell - 20, (y - map.y + 0.5) / map.pixelsPerCell - 20);
        expect(Math.abs(r - r0)).toBeLessThan(1.5);
      }
    }
  });

  it('flags non-finite cells in magenta without breaking the range', () => {
    const data = Float64Array.from({ length: 50 * 20 }, (_, i) => i % 50);
    data[3] = NaN;
    data[700] = Infinity;
    data[701] = -Infinity;
    const { img, layout } = render({ data, nx: 50, ny: 20, dxMeters: 1e-7, title: 'nan', unit: 'K', colormap: 'cividis' });
    expect(countInMap(img, layout.map, NON_FINITE_RGB)).toBe(3 * layout.map.pixelsPerCell ** 2);
    expect(px(img, layout.map.x, layout.map.y)).toEqual(colorAt('cividis', 0));
    expect(px(img, layout.map.x + layout.map.w - 1, layout.map.y)).toEqual(colorAt('cividis', 1));
  });

  it('handles constant fields and large grids', () => {
    const flat = render({ data: new Float64Array(16).fill(2.5), nx: 4, ny: 4, dxMeters: 1e-7, title: 'flat', unit: 'V' });
    const centre = px(flat.img, flat.layout.map.x, flat.layout.map.y);
    colorAt('viridis', 0.5).forEach((v, c) => {
      expect(Math.abs(centre[c] - v)).toBeLessThanOrEqual(1);
    });
    const big = render({ data: new Float64Array(2000 * 10).fill(1), nx: 2000, ny: 10, dxMeters: 1e-7, title: 'big', unit: 'V' });
    expect(big.layout.map.w).toBeGreaterThanOrEqual(400);
    expect(big.layout.map.w).toBeLessThanOrEqual(800);
  });

  it('draws a round scale bar of about a fifth of the width, and a title', () => {
    const nx = 100;
    const { img, layout } = render({ data: new Float64Array(nx * 50), nx, ny: 50, dxMeters: 1e-7, title: 'Title', unit: 'V' });
    // 100 cells of 0.1 µm = 10 µm wide: a 2 µm bar, i.e. 20 cells.
    expect(layout.scaleBar.lengthUm).toBe(2);
    expect(layout.scaleBar.lengthPx).toBe(20 * layout.map.pixelsPerCell);
    const row = layout.scaleBar.y + 2;
    for (let x = layout.scaleBar.x; x < layout.scaleBar.x + layout.scaleBar.lengthPx; x++) expect(px(img, x, row)[0]).toBeLessThan(60);
    expect(px(img, layout.scaleBar.x + layout.scaleBar.lengthPx + 2, row)[0]).toBeGreaterThan(200);
    let titleInk = 0;
    for (let y = 0; y < layout.map.y - 20; y++) for (let x = 0; x < 120; x++) if (px(img, x, y)[0] < 60) titleInk++;
    expect(titleInk).toBeGreaterThan(30);
  });

  it('returns a valid PNG from renderFieldPng', () => {
    const png = renderFieldPng({ data: new Float64Array(4), nx: 2, ny: 2, dxMeters: 1e-6, title: 'x', unit: 'V' });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });

  it('takes the middle z plane of a 3D field', () => {
    const [nx, ny, nz] = [3, 2, 5];
    const data = Float64Array.from({ length: nx * ny * nz }, (_, i) => i);
    expect(Array.from(midPlaneSlice(data, nx, ny, nz, 'z'))).toEqual([12, 13, 14, 15, 16, 17]);
  });
});

describe('atomic files', () => {
  it('replaces content and leaves no temp files', () => {
    const f = path.join(dir, 'state.json');
    writeFileAtomic(f, 'first');
    writeFileAtomic(f, new TextEncoder().encode('second'));
    expect(fs.readFileSync(f, 'utf8')).toBe('second');
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('cleans up its temp file when the rename fails', () => {
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'x');
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['occupied']);
  });

  it('safeJoin keeps paths inside the root', () => {
    expect(safeJoin(dir, 'fields/step1.vti')).toBe(path.join(dir, 'fields', 'step1.vti'));
    expect(safeJoin(dir, 'a/../b.png')).toBe(path.join(dir, 'b.png'));
    expect(() => safeJoin(dir, '../x')).toThrow(/\.\.\/x/);
    expect(() => safeJoin(dir, 'a/../../x')).toThrow(/escapes/);
    expect(() => safeJoin(dir, '/etc/passwd')).toThrow(/\/etc\/passwd/);
  });
});

describe('metrics csv', () => {
  const cols = ['step', 'time', 'tipHeight', 'note'];

  it('writes the header once and reads rows back exactly', () => {
    const f = path.join(dir, 'sub', 'metrics.csv');
    const csv = new MetricsCsv(f, cols);
    const rows = [
      { step: 0, time: 0, tipHeight: 0.1 + 0.2, note: 'start' },
      { step: 1, time: 1.234567890123457e-7, tipHeight: -2.5e-300, note: 'a, "quoted" note' },
      { step: 2, time: 1234567.5, tipHeight: Math.PI, note: '' },
    ];
    for (const r of rows) csv.append(r);
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    expect(lines[0]).toBe('step,time,tipHeight,note');
    expect(lines[3]).toBe('2,1234567.5,3.141592653589793,');
    expect(lines[4]).toBe('');
    const back = readCsv(f);
    expect(back.map((r) => [r.step, r.time, r.tipHeight])).toEqual(rows.map((r) => [r.step, r.time, r.tipHeight]));
  });

  it('resumes an existing file and refuses a different header', () => {
    const f = path.join(dir, 'metrics.csv');
    new MetricsCsv(f, cols).append({ step: 1, time: 1, tipHeight: 1, note: 'x' });
    new MetricsCsv(f, cols).append({ step: 2, time: 2, tipHeight: 2, note: 'y' });
    expect(readCsv(f).map((r) => r.step)).toEqual([1, 2]);
    expect(fs.readFileSync(f, 'utf8').match(/step,/g)).toHaveLength(1);
    expect(() => new MetricsCsv(f, ['step', 'time'])).toThrow(/columns/);
  });

  it('drops a partial last row left by a crash', () => {
    const f = path.join(dir, 'metrics.csv');
    fs.writeFileSync(f, 'step,time,tipHeight,note\n1,1,1,x\n2,2');
    new MetricsCsv(f, cols).append({ step: 3, time: 3, tipHeight: 3, note: 'z' });
    expect(readCsv(f).map((r) => r.step)).toEqual([1, 3]);
  });

  it('rejects unknown or missing columns', () => {
    const csv = new MetricsCsv(path.join(dir, 'm.csv'), cols);
    expect(() => csv.append({ step: 1, time: 1, tipHeight: 1, note: '', extra: 1 })).toThrow(/extra/);
    expect(() => csv.append({ step: 1, time: 1, note: '' })).toThrow(/tipHeight/);
  });
});
