/**
 * Run the real CLI in a child process: bin/losslens.js on dist/, what `npm i -g` users run. dist/ is
 * rebuilt before the suite when a source is newer (test/helpers/global-setup.ts), so it is never stale.
 */
import { spawn } from 'node:child_process';
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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgv(args), {
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
