/**
 * Tiny embedded bitmap font so PNG labels need no font files or native
 * dependencies. Glyphs are 5 pixels wide on an 8-row cell: rows 0-6 hold the
 * classic 5x7 character, row 7 is only used by descenders (g j p q y , µ).
 * Each glyph is 8 rows as two hex digits, bit 4 = leftmost column.
 */

export const GLYPH_W = 5;
export const GLYPH_H = 8;
/** Horizontal advance per character (glyph plus one column of spacing). */
export const ADVANCE = 6;

const GLYPHS: Record<string, string> = {
  '0': '0e11131519110e00',
  '1': '040c040404040e00',
  '2': '0e11010204081f00',
  '3': '1f02040201110e00',
  '4': '02060a121f020200',
  '5': '1f101e0101110e00',
  '6': '0608101e11110e00',
  '7': '1f01020408080800',
  '8': '0e11110e11110e00',
  '9': '0e11110f01020c00',
  A: '0e1111111f111100',
  B: '1e11111e11111e00',
  C: '0e11101010110e00',
  D: '1c12111111121c00',
  E: '1f10101e10101f00',
  F: '1f10101e10101000',
  G: '0e11101711110f00',
  H: '1111111f11111100',
  I: '0e04040404040e00',
  J: '0702020202120c00',
  K: '1112141814121100',
  L: '1010101010101f00',
  M: '111b151511111100',
  N: '1111191513111100',
  O: '0e11111111110e00',
  P: '1e11111e10101000',
  Q: '0e11111115120d00',
  R: '1e11111e14121100',
  S: '0f10100e01011e00',
  T: '1f04040404040400',
  U: '1111111111110e00',
  V: '11111111110a0400',
  W: '1111111515150a00',
  X: '11110a040a111100',
  Y: '1111110a04040400',
  Z: '1f01020408101f00',
  a: '00000e010f110f00',
  b: '1010161911111e00',
  c: '00000e1010110e00',
  d: '01010d1311110f00',
  e: '00000e111f100e00',
  f: '0609081c08080800',
  g: '00000f11110f010e',
  h: '1010161911111100',
  i: '04000c0404040e00',
  j: '020006020202120c',
  k: '1010121418141200',
  l: '0c04040404040e00',
  m: '00001a1515111100',
  n: '0000161911111100',
  o: '00000e1111110e00',
  p: '00001e11111e1010',
  q: '00000d13110f0101',
  r: '0000161910101000',
  s: '00000e100e011e00',
  t: '08081c0808090600',
  u: '0000111111130d00',
  v: '00001111110a0400',
  w: '0000111115150a00',
  x: '0000110a040a1100',
  y: '00001111110f010e',
  z: '00001f0204081f00',
  µ: '0000111111131d10',
  '.': '00000000000c0c00',
  '-': '0000001f00000000',
  '+': '0004041f04040000',
  ' ': '0000000000000000',
  '/': '0001020408100000',
  '(': '0204080808040200',
  ')': '0804020202040800',
  '=': '00001f001f000000',
  ':': '000c0c000c0c0000',
  '%': '1819020408130300',
  _: '0000000000001f00',
  ',': '00000000000c0408',
  '[': '0e08080808080e00',
  ']': '0e02020202020e00',
  '*': '0004150e15040000',
  '<': '0204081008040200',
  '>': '0804020102040800',
  '!': '0404040404000400',
  '?': '0e11010204000400',
  "'": '0404080000000000',
  '°': '0c12120c00000000',
  '^': '040a110000000000',
};
// Greek small mu (U+03BC) looks the same as the micro sign (U+00B5).
GLYPHS['\u03bc'] = GLYPHS['\u00b5'];

/** Drawn for characters the font lacks, so missing glyphs are visible, not silent. */
const MISSING = '1f11111111111f00';

/** Rows of the glyph for `ch` (8 numbers, 5 bits each, bit 4 = left). */
export function glyphRows(ch: string): number[] {
  const hex = GLYPHS[ch] ?? MISSING;
  const rows: number[] = [];
  for (let r = 0; r < GLYPH_H; r++) rows.push(parseInt(hex.slice(2 * r, 2 * r + 2), 16));
  return rows;
}

/** True if the font has a real glyph for `ch`. */
export function hasGlyph(ch: string): boolean {
  return ch in GLYPHS;
}

/** Pixel width of `text` drawn at integer `scale` (no trailing spacing). */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** Pixel height of one line of text at `scale`, descender row included. */
export function textHeight(scale: number): number {
  return GLYPH_H * scale;
}

/** RGBA raster as used by pngjs (4 bytes per pixel, row-major, top row first). */
export interface Raster {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Draws `text` with its top-left corner at (x, y), each font pixel as a
 * scale x scale square. Pixels outside the raster are clipped.
 */
export function drawText(img: Raster, x: number, y: number, text: string, rgb: readonly [number, number, number], scale = 2): void {
  let cx = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const rows = glyphRows(ch);
    for (let r = 0; r < GLYPH_H; r++) {
      for (let c = 0; c < GLYPH_W; c++) {
        if (!(rows[r] & (1 << (GLYPH_W - 1 - c)))) continue;
        for (let sy = 0; sy < scale; sy++) {
          const py = top + r * scale + sy;
          if (py < 0 || py >= img.height) continue;
          for (let sx = 0; sx < scale; sx++) {
            const px = cx + c * scale + sx;
            if (px < 0 || px >= img.width) continue;
            const o = 4 * (py * img.width + px);
            img.data[o] = rgb[0];
            img.data[o + 1] = rgb[1];
            img.data[o + 2] = rgb[2];
            img.data[o + 3] = 255;
          }
        }
      }
    }
    cx += ADVANCE * scale;
  }
}
