/**
 * What the watch page shows of a run folder: run.json, every measurement as chart points, the PNG figures and
 * the report pages (index.html in the folder or one level below), and the exported page (`watch.html`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FitRecord, FitRunInfo } from '../fit/record.js';
import { readNewLines } from './tail.js';
import { recordPoints } from './points.js';
import { watchPage, type FigureList, type PointsBatch } from './page.js';

/** The measurement log and run file names in a run folder. */
export const MEASUREMENTS = 'measurements.jsonl';
export const RUN_FILE = 'run.json';
export const EXPORT_FILE = 'watch.html';

/** run.json, or null while it is missing or half-written. */
export async function readRun(dir: string): Promise<FitRunInfo | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, RUN_FILE), 'utf8')) as FitRunInfo;
  } catch {
    return null;
  }
}

/** Records → the batch the page inserts. */
export function pointsBatch(records: FitRecord[], bad: number): PointsBatch {
  return { n: records.length, lastStep: records.length ? records[records.length - 1].step : null, bad, charts: recordPoints(records) };
}

/** The PNGs in `dir` and the report pages (index.html) in it and its subfolders, sorted, as paths relative to `dir`. */
export async function listFigures(dir: string, base: string): Promise<FigureList> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const pngs = entries.filter((e) => e.isFile() && e.name.endsWith('.png')).map((e) => e.name);
  const pages = entries.filter((e) => e.isFile() && e.name === 'index.html').map((e) => e.name);
  for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.'))) {
    const st = await fs.stat(path.join(dir, e.name, 'index.html')).catch(() => null);
    if (st?.isFile()) pages.push(`${e.name}/index.html`);
  }
  return { base, pngs: pngs.sort(), pages: pages.sort() };
}

/** Every complete record in the folder's log. */
export async function readAllRecords(dir: string): Promise<{ records: FitRecord[]; bad: number }> {
  const records: FitRecord[] = [];
  let bad = 0;
  for (let offset = 0; ;) {
    const r = await readNewLines(path.join(dir, MEASUREMENTS), offset);
    records.push(...r.records);
    bad += r.bad;
    if (r.offset === offset) return { records, bad };
    offset = r.offset;
  }
}

/** Writes `dir/watch.html`: the watch page with every measurement and PNG embedded (opens offline); returns its path. */
export async function exportWatchPage(dir: string): Promise<string> {
  const [{ records, bad }, run, figures] = await Promise.all([readAllRecords(dir), readRun(dir), listFigures(dir, '')]);
  figures.embedded = {};
  for (const p of figures.pngs) figures.embedded[p] = `data:image/png;base64,${(await fs.readFile(path.join(dir, p))).toString('base64')}`;
  const html = watchPage({ live: false, title: `losslens watch: ${path.basename(path.resolve(dir))}`, run, points: pointsBatch(records, bad), figures });
  const file = path.join(dir, EXPORT_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, html);
  await fs.rename(tmp, file);
  return file;
}
