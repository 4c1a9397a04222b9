/**
 * One CLI step of check-real as a child process, its wall time and its peak RSS. The peak RSS is
 * the child's maximum resident set size as GNU time reports it (`/usr/bin/time -f %M`, from
 * wait4's rusage: the node process itself, worker threads included); where /usr/bin/time is
 * absent it is read from the child's own /proc/self/status VmHWM at exit (a preload hook).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface StepResult {
  ok: boolean;
  /** Exit status (2: refused input, the message in `error`). */
  status: number | null;
  json?: any;
  /** The last line of stderr when it failed. */
  error: string;
  ms: number;
  /** Peak resident set size in bytes (undefined when neither source could be read). */
  rssBytes?: number;
}

const TIME = '/usr/bin/time';
export const RSS_SOURCE = fs.existsSync(TIME) ? 'GNU time %M (wait4 rusage maxrss of the child)' : '/proc/self/status VmHWM of the child at exit';

/** Run `node --import tsx cli/main.ts ...args` in `root`. */
export function runStep(root: string, args: string[]): StepResult {
  const rssFile = path.join(fs.mkdtempSync('/tmp/losslens-rss-'), 'rss');
  const node = [process.execPath, '--import', 'tsx', path.join(root, 'cli/main.ts'), ...args];
  const viaTime = fs.existsSync(TIME);
  const [cmd, ...rest] = viaTime ? [TIME, '-f', '%M', '-o', rssFile, ...node] : node;
  const env = viaTime
    ? process.env
    : {
        ...process.env,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${path.join(root, 'scripts/check-real/vmhwm.mjs')}`,
        CHECK_REAL_RSS_FILE: rssFile,
      };
  const t0 = Date.now();
  const r = spawnSync(cmd!, rest, { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20, env });
  const ms = Date.now() - t0;
  const kb = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN;
  fs.rmSync(path.dirname(rssFile), { recursive: true, force: true });
  const rssBytes = Number.isFinite(kb) ? kb * 1024 : undefined;
  const lines = (r.stderr || r.stdout || `exit ${r.status}`)
    .trim()
    .split('\n')
    .filter((l) => !/^Command exited with non-zero status/.test(l));
  if (r.status !== 0) return { ok: false, status: r.status, error: lines.slice(-1)[0] ?? '', ms, rssBytes };
  try {
    return { ok: true, status: 0, json: JSON.parse(r.stdout), error: '', ms, rssBytes };
  } catch {
    return { ok: true, status: 0, error: '', ms, rssBytes };
  }
}
