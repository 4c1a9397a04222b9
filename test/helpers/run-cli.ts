/**
 * Run the real CLI in a child process: bin/losslens.js on dist/, what `npm i -g` users run. dist/ is
 * rebuilt before the suite when a source is newer (test/helpers/global-setup.ts), so it is never stale.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The node arguments that start the CLI: `spawn(process.execPath, cliArgv(args))`. */
export function cliArgv(args: string[]): string[] {
  return [path.join(ROOT, 'bin/losslens.js'), ...args];
}

/**
 * The node arguments that start the CLI paused `ms` ms at each of `phases` of its report commit
 * (`write:<file>`, `commit`, `manifest`, `aside`, `renamed`), after printing
 * `losslens-test: paused at <phase>` on stderr: test/helpers/commit-pause.mjs, preloaded.
 */
export function pausedCliArgv(args: string[], phases: string[], ms: number): string[] {
  const preload = pathToFileURL(path.join(ROOT, 'test/helpers/commit-pause.mjs'));
  preload.search = new URLSearchParams({ at: phases.join(','), ms: String(ms) }).toString();
  return ['--import', preload.href, ...cliArgv(args)];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runNode(cliArgv(args), opts);
}

/** node with `argv`, its output collected; killed after `timeoutMs`. */
function runNode(argv: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env, FORCE_COLOR: '0' }, // a variable set to undefined in opts.env is unset
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A refused run in a batch: its exit code, output, and the milliseconds it took inside the batch process. */
export interface BatchResult extends CliResult {
  ms: number;
}

/**
 * Runs CLI invocations that are refused before any work in ONE node process (test/helpers/cli-batch.mjs):
 * each case re-evaluates dist/cli/main.js with its own argv, exit code and captured output, so a test of
 * many refusals pays one process start instead of one per case (~2 s each on 2 shared cores). For
 * refusals only: a run that does work could leave timers or workers behind for the next case. What
 * only a fresh process shows (a once-per-process warning, peak RSS) needs runCli; test/cli-batch.test.ts
 * checks that both give the same results.
 */
export async function runCliBatch(
  cases: (string[] | { args: string[]; cwd?: string })[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<BatchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'losslens-cli-batch-'));
  try {
    const input = path.join(dir, 'cases.json');
    const output = path.join(dir, 'results.json');
    writeFileSync(input, JSON.stringify(cases.map((c) => (Array.isArray(c) ? { args: c } : c))));
    const r = await runNode([path.join(ROOT, 'test/helpers/cli-batch.mjs'), input, output], opts);
    if (r.code !== 0) throw new Error(`cli-batch exited ${r.code}:\n${r.stderr}`);
    return JSON.parse(readFileSync(output, 'utf8')) as BatchResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
