import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDir, writeFileAtomic } from './atomic.ts';
import { IoError, RunDirError } from './errors.ts';

export type CsvValue = number | string;

/**
 * Append-only metrics table (one row per output step). Each row is written as
 * one complete line and fsynced, so a crash loses at most the row in flight;
 * reopening an existing file (resume) checks that the columns still match, or — a file from a
 * version with fewer trailing columns — pads its rows with NaN in the new ones.
 * `fresh` (a new run) refuses a file that exists already: rows of two runs never mix.
 */
export class MetricsCsv {
  readonly path: string;
  readonly columns: readonly string[];

  constructor(filePath: string, columns: string[], opts: { fresh?: boolean } = {}) {
    if (columns.length === 0) throw new Error('MetricsCsv: no columns');
    if (new Set(columns).size !== columns.length) throw new Error(`MetricsCsv: duplicate columns in ${columns.join(',')}`);
    for (const c of columns) {
      if (c === '' || /[",\r\n]/.test(c)) throw new Error(`MetricsCsv: column name ${JSON.stringify(c)} is not CSV-safe`);
    }
    this.path = filePath;
    this.columns = [...columns];
    const header = columns.join(',');

    if (opts.fresh && fs.existsSync(filePath))
      throw new RunDirError(`${filePath} exists already: a new run does not append to another run's metrics`);
    let existing = '';
    try {
      existing = fs.existsSync(filePath) ? fs.readFileSync(filePath, 'utf8') : '';
    } catch (e) {
      throw new IoError(filePath, 'read', e);
    }
    if (existing === '') {
      ensureDir(path.dirname(path.resolve(filePath)));
      writeFileAtomic(filePath, header + '\n');
      return;
    }
    const nl = existing.indexOf('\n');
    const found = (nl < 0 ? existing : existing.slice(0, nl)).replace(/\r$/, '');
    const old = found.split(',');
    if (found !== header && old.length < columns.length && old.every((c, i) => c === columns[i])) {
      // a run directory from a version with fewer (trailing) columns: its rows get NaN in the
      // new ones, so a resumed run keeps one table (complete rows only; a torn last line goes)
      const pad = ',NaN'.repeat(columns.length - old.length);
      const rows = existing
        .slice(nl + 1)
        .split('\n')
        .filter((line, i, all) => line !== '' && (i < all.length - 1 || existing.endsWith('\n')));
      writeFileAtomic(filePath, [header, ...rows.map((r) => r.replace(/\r$/, '') + pad)].join('\n') + '\n');
      return;
    }
    if (found !== header) {
      throw new RunDirError(
        `${filePath}: has the columns "${found.slice(0, 200)}" but this run writes "${header}"; ` +
          'the file is damaged or from another version (a new run needs a new directory)',
      );
    }
    if (!existing.endsWith('\n')) {
      // A crash mid-append can leave a partial last row; drop it so the next
      // row does not get glued onto it.
      const keep = existing.lastIndexOf('\n') + 1;
      writeFileAtomic(filePath, keep > 0 ? existing.slice(0, keep) : header + '\n');
    }
  }

  /** Appends one row; every column must be given, and no others. */
  append(row: Record<string, CsvValue>): void {
    for (const k of Object.keys(row)) {
      if (!this.columns.includes(k)) throw new Error(`MetricsCsv: unknown column "${k}" (columns: ${this.columns.join(',')})`);
    }
    const cells = this.columns.map((c) => {
      if (!(c in row)) throw new Error(`MetricsCsv: row lacks column "${c}"`);
      return formatCell(row[c]);
    });
    const line = cells.join(',') + '\n';
    let fd: number | undefined;
    let size = -1;
    try {
      fd = fs.openSync(this.path, 'a');
      size = fs.fstatSync(fd).size;
      fs.appendFileSync(fd, line);
      fs.fsyncSync(fd);
    } catch (e) {
      // a full disk may have taken part of the line: cut it off so the file stays whole rows
      if (fd !== undefined && size >= 0) {
        try {
          fs.ftruncateSync(fd, size);
        } catch {
          /* resume drops a torn last line anyway */
        }
      }
      throw new IoError(this.path, 'append a row to', e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}

/**
 * Numbers use JS's shortest round-trip form (never locale-formatted), so
 * Number(text) gives back the identical double; NaN/Infinity stay readable.
 */
function formatCell(v: CsvValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new Error(`MetricsCsv: unsupported value ${String(v)}`);
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Reads a CSV written by MetricsCsv: header line, then rows of numbers.
 * Cells that are not numbers (or empty) come back as NaN.
 */
export function readCsv(filePath: string): Record<string, number>[] {
  const lines = parseCsv(fs.readFileSync(filePath, 'utf8'));
  if (lines.length === 0) return [];
  const [header, ...rows] = lines;
  return rows.map((cells, r) => {
    if (cells.length !== header.length) {
      throw new Error(`readCsv: ${filePath} row ${r + 2} has ${cells.length} cells, header has ${header.length}`);
    }
    const rec: Record<string, number> = {};
    header.forEach((h, i) => {
      rec[h] = cells[i].trim() === '' ? NaN : Number(cells[i]);
    });
    return rec;
  });
}

/** RFC 4180-style split into rows of cells (quoted cells may hold commas, quotes, newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
