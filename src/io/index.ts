/** Output layer: atomic files, VTK ImageData, PNG snapshots, metrics CSV. */
export { writeFileAtomic, ensureDir, safeJoin } from './atomic.ts';
export { encodeVti, decodeVti, parseXml } from './vti.ts';
export type { Vec3, VtiField, VtiEncodeOptions, VtiDecoded, XmlNode } from './vti.ts';
export { colorAt, colorLut, COLORMAPS } from './colormap.ts';
export type { ColormapName, Rgb } from './colormap.ts';
export { renderFieldPng, renderFieldPngWithLayout, midPlaneSlice, fmtNumber, NON_FINITE_RGB, CONTOUR_RGB } from './png.ts';
export type { FieldPngOptions, FieldPngLayout } from './png.ts';
export { MetricsCsv, readCsv } from './csv.ts';
export type { CsvValue } from './csv.ts';
