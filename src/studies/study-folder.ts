/**
 * A study folder: resumable, never staged-and-renamed as a whole.
 *
 *   <dir>/study.json            {command, config, configHash, createdAt}: what the runs belong to
 *   <dir>/runs/<id>.json        one RunRecord per finished run, written atomically
 *   <dir>/runs/<id>.<name>.f32  its float32 attachments (e.g. θ), written BEFORE the record
 *   <dir>/runs/<id>.failed.json the last failure of a run (not "finished": a resume retries it)
 *   <dir>/summary.json, *.png, *.vg.json   rebuilt from the finished runs (atomically, per file)
 *
 * Opening a folder made with a different config (by hash) is refused with OUTPUT_EXISTS unless
 * `force`; then the old study.json, runs/ and rebuilt outputs are moved into
 * `superseded-<timestamp>/` — nothing is deleted. A non-empty folder that is not a study is
 * refused unless `force` (and even then nothing in it is touched).
 *
 * A failed write (a full disk: ENOSPC, a quota, a read-only filesystem) is one `--out` error naming
 * the folder (exit 2), and never leaves half of anything: every file is written atomically, a
 * run's attachments are removed when its record could not be written, and the rebuilt outputs
 * land all together or not at all (the previous ones stay). What stays is exactly the resumable
 * state — study.json and the finished runs' records — which the same command continues from; a
 * folder this run created that holds no run at all is removed by discardIfEmpty.
 */
import { figuresIndexHtml } from '../report/figures-index.js';
import { checkOutPath } from '../io/out-path.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { LosslensError } from '../errors.js';
import { jsonText, writeFileAtomic, writeFilesAtomic } from '../io/atomic-write.js';
import { outFsError } from '../io/out-path.js';
import type { RunRecord } from './types.js';
import type { Figure } from '../report/write-report.js';

/** A study's folder on disk: its directory and config hash, the runs recorded, and writing and loading run records. */
export interface StudyFolder {
  readonly dir: string;
  readonly configHash: string;
  /** Ids of runs with a record on disk. */
  finishedIds(): Promise<Set<string>>;
  /** Write the attachments (each `runs/<id>.<name>.f32`), then the record; all atomically. */
  writeRun(record: RunRecord, attachments?: Record<string, Float32Array>): Promise<void>;
  /** Records of the given ids (all finished ones when omitted), sorted by id. */
  loadRecords<R = unknown>(ids?: string[]): Promise<RunRecord<R>[]>;
  readAttachment(id: string, name: string): Promise<Float32Array>;
  /** Failure records on disk (runs that failed last time they ran), sorted by id. */
  loadFailures(): Promise<RunRecord[]>;
  /** summary.json (with `files` listing what was written) and figures, all together or none. */
  writeOutputs(summary: Record<string, unknown>, figures: Figure[]): Promise<string[]>;
  /** Remove the folder again when this open made it and no run record is in it; true when removed. */
  discardIfEmpty(): Promise<boolean>;
}

/** A filesystem error (it has a syscall) as the one-line `--out` error naming the folder; others as they are. */
const onDisk =
  (dir: string) =>
  (err: unknown): never => {
    throw err instanceof LosslensError || !(err as NodeJS.ErrnoException)?.syscall ? err : outFsError(dir, err);
  };

/**
 * Stable JSON (sorted keys) → sha256 hex: equal configs ⇔ equal hashes.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { configHash } from 'losslens/studies';
 *
 * // key order does not matter, values do
 * assert.equal(configHash({ lr: 0.1, seeds: 3 }), configHash({ seeds: 3, lr: 0.1 }));
 * assert.notEqual(configHash({ lr: 0.1 }), configHash({ lr: 0.2 }));
 * assert.match(configHash({}), /^[0-9a-f]{64}$/); // sha256, hex
 * ```
 */
export function configHash(config: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stable)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
          )
        : v;
  // JSON.stringify(undefined) is undefined (a config field present on one side only): hash it as a word
  return createHash('sha256')
    .update(JSON.stringify(stable(config)) ?? 'undefined')
    .digest('hex');
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );
/** JSON as jsonText writes it, with "NaN"/"±Infinity" strings turned back into numbers. */
export const parseJson = (text: string) => JSON.parse(text, (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));

/**
 * Opens (or creates) a study's folder: its config is fixed at creation (a different config is
 * refused unless `force`), finished runs are one file each, so a rerun resumes.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { openStudyFolder } from 'losslens/studies';
 *
 * const dir = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'study');
 * const folder = await openStudyFolder(dir, { command: 'squares', config: { xs: [1, 2] } });
 * await folder.writeRun({ id: 'x2', kind: 'square', config: { x: 2 }, result: { y: 4 }, elapsedMs: 1, finishedAt: new Date().toISOString() });
 * // reopened with the same config, the finished run is there; a different config is refused
 * const again = await openStudyFolder(dir, { command: 'squares', config: { xs: [1, 2] } });
 * assert.deepEqual([...(await again.finishedIds())], ['x2']);
 * await assert.rejects(openStudyFolder(dir, { command: 'squares', config: { xs: [3] } }));
 * ```
 */
export async function openStudyFolder(dir: string, opts: { command: string; config: unknown; force?: boolean }): Promise<StudyFolder> {
  await checkOutPath(dir); // not /proc, not a symlink, not under a file: refused before any run
  const hash = configHash(opts.config);
  const studyFile = path.join(dir, 'study.json');
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  if (await exists(studyFile)) {
    const old = parseJson(await fs.readFile(studyFile, 'utf8'));
    if (old.configHash !== hash || old.command !== opts.command) {
      if (!opts.force) {
        throw new LosslensError(
          'OUTPUT_EXISTS',
          `${dir} holds a ${old.command} study with a different config (${describeChange(old.config, opts.config)}); resume it with the same options, choose another --out, or pass --force to move its runs aside`,
        );
      }
      await supersede(dir, entries);
    }
  } else if (entries.length > 0 && !opts.force) {
    throw new LosslensError(
      'OUTPUT_EXISTS',
      `${dir} is not empty and is not a losslens study folder (no study.json); choose another --out or pass --force to add a study beside its files`,
    );
  }
  const made = !(await exists(dir));
  const f = folder(dir, hash, made);
  try {
    await fs.mkdir(path.join(dir, 'runs'), { recursive: true });
    if (!(await exists(studyFile)))
      await writeFileAtomic(studyFile, jsonText({ command: opts.command, configHash: hash, config: opts.config, createdAt: new Date().toISOString() }));
  } catch (err) {
    await f.discardIfEmpty().catch(() => undefined);
    onDisk(dir)(err);
  }
  return f;
}

/** Which top-level config fields differ, for the refusal message. */
function describeChange(a: Record<string, unknown> = {}, b: unknown): string {
  const bb = (b ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(bb)])].filter((k) => configHash(a[k]) !== configHash(bb[k]));
  return keys.length ? `changed: ${keys.join(', ')}` : 'different command';
}

/** Move the study's own files (study.json, runs/, summary.json and the files it lists) into superseded-<stamp>/. */
async function supersede(dir: string, entries: string[]): Promise<void> {
  const dest = path.join(dir, `superseded-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await fs.mkdir(dest, { recursive: true });
  let listed: string[] = [];
  if (entries.includes('summary.json')) listed = (parseJson(await fs.readFile(path.join(dir, 'summary.json'), 'utf8')).files ?? []) as string[];
  const own = new Set(['study.json', 'runs', 'summary.json', ...listed.filter((f) => !f.includes('/') && !f.includes('\\'))]);
  for (const name of entries) if (own.has(name)) await fs.rename(path.join(dir, name), path.join(dest, name));
}

/** A run's attachments, then its record (or its failure record); on a failed write, no attachment is left without its record. */
async function writeRunFiles(dir: string, id: string, record: RunRecord, attachments: Record<string, Float32Array>): Promise<void> {
  const runs = path.join(dir, 'runs');
  const written: string[] = [];
  try {
    if (record.error) return await writeFileAtomic(path.join(runs, `${id}.failed.json`), jsonText(record));
    for (const [name, v] of Object.entries(attachments)) {
      written.push(path.join(runs, `${id}.${name}.f32`));
      await writeFileAtomic(written.at(-1)!, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
    await writeFileAtomic(path.join(runs, `${id}.json`), jsonText(record));
  } catch (err) {
    for (const w of written) await fs.rm(w, { force: true }).catch(() => undefined);
    onDisk(dir)(err);
  }
  await fs.rm(path.join(runs, `${id}.failed.json`), { force: true });
}

function folder(dir: string, hash: string, made: boolean): StudyFolder {
  const runs = path.join(dir, 'runs');
  const checkId = (id: string) => {
    if (!SAFE_ID.test(id) || id.endsWith('.failed')) throw new LosslensError('INTERNAL', `run id "${id}" is not a safe file name`);
    return id;
  };
  const readRecord = async (file: string) => parseJson(await fs.readFile(path.join(runs, file), 'utf8')) as RunRecord;
  return {
    dir,
    configHash: hash,
    async finishedIds() {
      const names = await fs.readdir(runs).catch(() => [] as string[]);
      return new Set(names.filter((n) => n.endsWith('.json') && !n.endsWith('.failed.json') && !n.startsWith('.')).map((n) => n.slice(0, -5)));
    },
    writeRun: (record, attachments = {}) => writeRunFiles(dir, checkId(record.id), record, attachments),
    async loadRecords<R>(ids?: string[]) {
      const list = ids ?? [...(await this.finishedIds())];
      const recs = await Promise.all([...list].sort().map((id) => readRecord(`${checkId(id)}.json`)));
      return recs as RunRecord<R>[];
    },
    async readAttachment(id, name) {
      const buf = await fs.readFile(path.join(runs, `${checkId(id)}.${name}.f32`));
      const out = new Float32Array(buf.byteLength / 4);
      new Uint8Array(out.buffer).set(buf);
      return out;
    },
    async loadFailures() {
      const names = (await fs.readdir(runs).catch(() => [] as string[])).filter((n) => n.endsWith('.failed.json')).sort();
      return Promise.all(names.map(readRecord));
    },
    async writeOutputs(summary, figures) {
      const files = figures.flatMap((f) => [
        { name: `${f.name}.png`, data: f.png as Uint8Array | string },
        { name: `${f.name}.vg.json`, data: jsonText(f.spec) },
      ]);
      if (figures.length) files.push({ name: 'index.html', data: figuresIndexHtml(summary, figures) }); // the figures, live
      const written = files.map((f) => f.name);
      files.push({ name: 'summary.json', data: jsonText({ ...summary, files: written }) }); // last: it lists the others
      await writeFilesAtomic(files.map((f) => ({ path: path.join(dir, f.name), data: f.data }))).catch(onDisk(dir));
      return [...written, 'summary.json'];
    },
    async discardIfEmpty() {
      const left = await fs.readdir(runs).catch(() => [] as string[]);
      if (!made || left.some((n) => !n.startsWith('.'))) return false;
      await fs.rm(runs, { recursive: true, force: true }); // nothing but atomic writes' temporary files
      await fs.rm(path.join(dir, 'study.json'), { force: true });
      await fs.rmdir(dir).catch(() => undefined); // kept when anything else appeared in it
      return true;
    },
  };
}
