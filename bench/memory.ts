/**
 * Memory at real size: peak RSS of `losslens eval`, two exact HVPs (what each Lanczos/Hutchinson
 * step of `losslens hessian` costs) and one `losslens train` epoch of a 117k-parameter LeNet on
 * N = 6 000, 20 000 and 60 000 Fashion-MNIST training images, with the ratio to N = 6 000 (goal:
 * ≤ 1.3 at 60 000, i.e. memory independent of N) and the wall time per sample.
 *
 * Fashion-MNIST comes from Debian's dataset-fashion-mnist package (installed here when missing
 * and running as root; skipped with a message otherwise). Peak RSS is GNU time's maximum resident
 * set size of the whole process (worker threads included).
 *
 *   npm run bench -- --only memory        (or: node --import tsx bench/memory.ts [--sizes 6000,20000])
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLenet } from './lib/lenet.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FASHION = '/usr/share/datasets/fashion-mnist';
const sizesArg = process.argv.indexOf('--sizes');
const SIZES = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [6000, 20000, 60000];

function ensureFashion(): boolean {
  if (existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz'))) return true;
  if (process.getuid?.() !== 0) return false;
  console.log('installing dataset-fashion-mnist (apt-get)…');
  spawnSync('apt-get', ['install', '-y', '-qq', 'dataset-fashion-mnist'], { stdio: 'ignore' });
  return existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz'));
}

interface Row {
  what: string;
  n: number;
  rssMb: number;
  seconds: number;
  ok: boolean;
}

/** Run `args` (node + tsx) under GNU time; peak RSS in MB and wall seconds. */
function measure(what: string, n: number, args: string[]): Row {
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--import', 'tsx', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (Date.now() - t0) / 1000;
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  if (r.status !== 0) console.error(`${what} N=${n} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3, -1).join(' | ')}`);
  return { what, n, rssMb: kb / 1024, seconds, ok: r.status === 0 };
}

if (!existsSync('/usr/bin/time')) {
  console.log('skipped: needs GNU time at /usr/bin/time (apt-get install time)');
} else if (!ensureFashion()) {
  console.log(`skipped: Fashion-MNIST not found in ${FASHION} (apt-get install dataset-fashion-mnist, as root)`);
} else {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'losslens-membench-'));
  try {
    const model = await writeLenet(path.join(tmp, 'lenet'));
    const rows: Row[] = [];
    for (const n of SIZES) {
      const samples = n < 60000 ? ['--samples', String(n)] : [];
      const common = ['--model', model, '--data', FASHION, ...samples, '--quiet', '--force'];
      rows.push(measure('eval (loss + gradient)', n, ['cli/main.ts', 'eval', ...common, '--out', path.join(tmp, `eval-${n}`)]));
      rows.push(measure('2 exact HVPs', n, ['bench/lib/hvp-probe.ts', model, FASHION, String(n), '2']));
      rows.push(
        measure('train, 1 epoch (Adam, batch 64)', n, [
          'cli/main.ts',
          'train',
          ...common,
          '--optimizer',
          'adam',
          '--lr',
          '0.001',
          '--epochs',
          '1',
          '--out',
          path.join(tmp, `train-${n}`),
        ]),
      );
    }
    const base = new Map(rows.filter((r) => r.n === SIZES[0]).map((r) => [r.what, r]));
    console.log(`\nLeNet 117 066 params, Fashion-MNIST, backend auto, ${os.availableParallelism()} cores\n`);
    console.log('| work | N | peak RSS | × N=' + SIZES[0] + ' | wall | ms / sample |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      const b = base.get(r.what)!;
      const ratio = r.ok && b.ok ? (r.rssMb / b.rssMb).toFixed(2) : 'failed';
      console.log(`| ${r.what} | ${r.n} | ${r.rssMb.toFixed(0)} MB | ${ratio} | ${r.seconds.toFixed(1)} s | ${((r.seconds * 1000) / r.n).toFixed(2)} |`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
