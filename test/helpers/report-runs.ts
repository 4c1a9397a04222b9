/**
 * The `losslens report` runs that the report tests (report.test.ts, report-browser.test.ts) make:
 * `--quick` on spiral-tanh with its test CSV at lr 0.5 (λmax > 2/lr there: the sharpness finding
 * shows), and `--quick` on deep-sigmoid (the vanishing-gradient finding), each with extra options,
 * and the summary.json a run writes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ROOT } from './run-cli.js';

const FIX = path.join(ROOT, 'fixtures');

/** argv of `losslens report --quick` on spiral-tanh (train and test CSVs, --lr 0.5), then `extra`, writing to `out`. */
export function spiralReport(out: string, extra: string[] = []): string[] {
  const data = ['--data', path.join(FIX, 'spiral-tanh/train.csv'), '--test-data', path.join(FIX, 'spiral-tanh/test.csv')];
  return ['report', '--model', path.join(FIX, 'spiral-tanh'), ...data, '--quick', '--lr', '0.5', ...extra, '--out', out];
}

/** argv of `losslens report --quick` on deep-sigmoid, then `extra`, writing to `out`. */
export function deepReport(out: string, extra: string[] = []): string[] {
  return ['report', '--model', path.join(FIX, 'deep-sigmoid'), '--data', path.join(FIX, 'deep-data'), '--quick', ...extra, '--out', out];
}

/** The summary.json in `dir`. */
export const readSummary = async (dir: string): Promise<any> => JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8'));
