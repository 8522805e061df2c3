/**
 * The files of one run directory:
 *   manifest.json          resolved scenario, derived groups, backend, versions, status
 *                          (rewritten after every output and checkpoint)
 *   metrics.csv            one row per output time (appended, fsync'd)
 *   fields/fields_NNNN.vti the output fields of src/model/fields.ts as VTK ImageData cell data:
 *                          ξ, c̃ (c/c0), φ (V), each transported species over its bulk value
 *                          (e.g. the shielding additive), then the material props
 *   png/<name>_NNNN.png    maps of the fields with a PNG entry there (xi, c, phi; 2D, the
 *                          mid-plane z slice in 3D)
 *   checkpoint/            restart data (src/io/checkpoint.ts)
 * Every file is written atomically (complete or absent); every path is resolved inside the
 * run directory (safeJoin). A new run writes its manifest first (it marks the directory as a
 * run's: src/io/run-dir.ts) and never appends to an existing metrics.csv.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureDir, safeJoin, writeFileAtomic } from './atomic.ts';
import { MetricsCsv } from './csv.ts';
import { midPlaneSlice, renderFieldPng } from './png.ts';
import { gitCommit, packageVersion } from './version.ts';
import { encodeVti } from './vti.ts';
import type { Scenario } from '../model/scenario.ts';
import { initialProps } from '../model/initial.ts';
import { coefficients, type Coefficients, type DerivedGroup } from '../model/derived.ts';
import { outputFields, type Fields } from '../model/fields.ts';
import { metricColumns, type MetricsRow } from '../solver/metrics.ts';

export type RunStatus =
  | { state: 'running' }
  | { state: 'finished' }
  | { state: 'interrupted'; signal: string }
  | { state: 'failed'; reason: string };

export interface OutputRecord {
  index: number;
  time: number;
  files: string[];
}

export interface CheckpointNote {
  file: string;
  step: number;
  time: number;
  exact: boolean;
  writtenAt: string;
}

export interface RunWriterOptions {
  /** Continue the files of a run already in the directory (resume); otherwise the directory holds no run. */
  resume?: boolean;
  /** Outputs already in the directory (resume): the list continues from them. */
  outputs?: OutputRecord[];
  /** Extra fields every manifest carries (e.g. what a resume started from). */
  extra?: Record<string, unknown>;
}

export class RunWriter {
  private csv!: MetricsCsv;
  private started = Date.now();
  private outputs: OutputRecord[];
  private checkpoint: CheckpointNote | null = null;
  private extra: Record<string, unknown>;
  private k: Coefficients;

  constructor(
    readonly dir: string,
    private s: Scenario,
    private meta: { groups: DerivedGroup[]; backend: string; device: string; warnings: string[]; argv: string[] },
    opts: RunWriterOptions = {},
  ) {
    ensureDir(dir);
    this.k = coefficients(s);
    this.outputs = (opts.outputs ?? []).map((o) => ({ ...o, files: [...o.files] }));
    this.extra = opts.extra ?? {};
    if (!opts.resume) this.writeManifest({ state: 'running' });
    ensureDir(this.resolveInRun('fields'));
    if (s.grid.dims === 2 || s.output.png) ensureDir(this.resolveInRun('png'));
    this.csv = new MetricsCsv(
      this.resolveInRun('metrics.csv'),
      metricColumns(s.grid.dims, this.k.species, this.k.mechanics !== undefined),
      { fresh: !opts.resume },
    );
  }

  /** The absolute path of `rel` inside the run directory; throws if it would leave it. */
  resolveInRun(rel: string): string {
    return safeJoin(this.dir, rel);
  }

  /** The outputs written so far (copies). */
  outputList(): OutputRecord[] {
    return this.outputs.map((o) => ({ ...o, files: [...o.files] }));
  }

  /** Records the newest checkpoint (shown in the next manifest). */
  noteCheckpoint(c: CheckpointNote): void {
    this.checkpoint = { ...c };
  }

  writeManifest(status: RunStatus, extra: Record<string, unknown> = {}): void {
    const mem = process.resourceUsage();
    const manifest = {
      lidendrite: packageVersion(),
      gitCommit: gitCommit(),
      status,
      scenario: this.s,
      derived: this.meta.groups,
      warnings: this.meta.warnings,
      backend: this.meta.backend,
      device: this.meta.device,
      node: process.version,
      argv: this.meta.argv,
      startedAt: new Date(this.started).toISOString(),
      wallSeconds: (Date.now() - this.started) / 1000,
      peakRssMiB: Math.round(mem.maxRSS / 1024),
      units: {
        metrics: this.s.grid.dims === 2 ? 'amounts per metre of depth (mol/m, A/m); lengths in µm' : 'totals (mol, A); lengths in µm',
        fields:
          'xi: phase field (1 = Li metal); c: Li+ concentration / c0; phi: potential in V' +
          this.k.species.map((sp) => `; ${sp.name}: ${sp.meaning}`).join('') +
          (this.k.gp
            ? '; w: diffusion potential (chemical potential / RT); c_l, c_s: Li site fractions of the electrolyte and the metal; li_metal: Li of the metal / c0 (K·dv·h·c_s)'
            : ''),
      },
      outputs: this.outputs,
      checkpoint: this.checkpoint,
      ...this.extra,
      ...extra,
    };
    writeFileAtomic(this.resolveInRun('manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  private material: { name: string; data: Float64Array }[] | null = null;

  /**
   * The static material field (src/model/props.ts) as VTI cell data, when a switch (sei, host)
   * sets it: host (1 = scaffold), kL, kD, kS (ratios to L_η, D_l, σ_l). Empty for the base model.
   */
  private materialFields(): { name: string; data: Float64Array }[] {
    if (!this.material) {
      const p = initialProps(this.s);
      this.material =
        p === null
          ? []
          : (['kL', 'kD', 'kS', 'host'] as const).map((name, slot) => ({
              name,
              data: Float64Array.from({ length: p.length / 4 }, (_, q) => p[4 * q + slot]),
            }));
    }
    return this.material;
  }

  /**
   * Writes the files of output number `index` and appends the metrics row: all of them or, when
   * a write fails (a full disk), none (the files already written for it are removed again).
   * `f`: the fields as Backend.read() returns them (scaled); src/model/fields.ts says what is
   * written and how.
   */
  writeOutput(index: number, time: number, f: Fields, row: MetricsRow): void {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new Error(`RunWriter: output index ${String(index)} is not a non-negative integer`);
    const files: string[] = [];
    try {
      this.writeOutputFiles(index, time, f, row, files);
      this.csv.append(row);
    } catch (e) {
      for (const rel of files) rmSync(safeJoin(this.dir, rel), { force: true });
      throw e;
    }
    this.outputs.push({ index, time, files });
  }

  private writeOutputFiles(index: number, time: number, f: Fields, row: MetricsRow, files: string[]): void {
    const s = this.s;
    const [nx, ny, nz] = s.grid.n;
    const tag = String(index).padStart(4, '0');
    const out = outputFields(this.k, f);
    if (s.output.vti) {
      const rel = `fields/fields_${tag}.vti`;
      writeFileAtomic(
        safeJoin(this.dir, rel),
        encodeVti({
          dims: [nx, ny, nz],
          spacing: [s.grid.dx, s.grid.dx, s.grid.dx],
          fields: [...out.map((o) => ({ name: o.name, data: o.data })), ...this.materialFields()],
          fieldData: { TIME: time, STEP: row.step },
        }),
      );
      files.push(rel);
    }
    if (s.output.png) {
      const slice = (a: Float64Array) => (nz > 1 ? midPlaneSlice(a, nx, ny, nz, 'z') : a);
      const xi = slice(f.xi);
      const where = nz > 1 ? ` (z mid-plane)` : '';
      for (const o of out) {
        const png = o.def.output?.png;
        if (!png) continue;
        const rel = `png/${o.name}_${tag}.png`;
        writeFileAtomic(
          safeJoin(this.dir, rel),
          renderFieldPng({
            data: slice(o.data),
            nx,
            ny,
            dxMeters: s.grid.dx,
            title: `${s.name} ${png.title} t=${time.toPrecision(4)} s${where}`,
            unit: o.def.output!.unit,
            colormap: png.colormap,
            range: png.range,
            contour: { data: xi, level: 0.5 },
          }),
        );
        files.push(rel);
      }
    }
  }
}

/**
 * Makes a run directory agree with a checkpoint before a resume: metrics.csv keeps its header
 * and the complete rows up to the checkpoint's step (a torn last line and the rows of outputs
 * written after the checkpoint go), and field/PNG files numbered from the checkpoint's next
 * output index on are removed (the resumed run writes them again). Returns what was dropped.
 */
export function rewindRunDir(dir: string, at: { step: number; nextIndex: number }): { rowsDropped: number; filesRemoved: string[] } {
  let rowsDropped = 0;
  const csvPath = safeJoin(dir, 'metrics.csv');
  if (existsSync(csvPath)) {
    const text = readFileSync(csvPath, 'utf8');
    const lines = text.split('\n');
    const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1);
    if (!text.endsWith('\n') && lines.length > 0) rowsDropped++;
    const header = complete[0];
    if (header !== undefined) {
      const stepCol = header.split(',').indexOf('step');
      const keep = [header];
      for (const line of complete.slice(1)) {
        const step = stepCol >= 0 ? Number(line.split(',')[stepCol]) : NaN;
        if (Number.isFinite(step) && step <= at.step && keep.length - 1 < at.nextIndex) keep.push(line);
        else rowsDropped++;
      }
      const next = keep.join('\n') + '\n';
      if (next !== text) writeFileAtomic(csvPath, next);
    }
  }
  const filesRemoved: string[] = [];
  // temp files of atomic writes a killed process left behind (".<name>.tmp-<pid>-<hex>")
  for (const sub of ['.', 'fields', 'png', 'checkpoint']) {
    const d = safeJoin(dir, sub);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      if (/^\..+\.tmp-\d+-[0-9a-f]+$/.test(name)) {
        rmSync(safeJoin(d, name), { force: true });
        filesRemoved.push(sub === '.' ? name : `${sub}/${name}`);
      }
    }
  }
  for (const sub of ['fields', 'png']) {
    const d = safeJoin(dir, sub);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      const m = /_(\d+)\.(vti|png)$/.exec(name);
      if (m && Number(m[1]) >= at.nextIndex) {
        rmSync(safeJoin(d, name), { force: true });
        filesRemoved.push(`${sub}/${name}`);
      }
    }
  }
  return { rowsDropped, filesRemoved };
}
