// Runs many CLI invocations that are refused (bad input, bad options) in ONE node process, so that
// a test pays one process start and one module compile instead of one per case (~2 s each on 2
// shared cores). Each case re-evaluates dist/cli/main.js (a fresh module instance through a query
// string; the modules it imports are shared, as they are loaded once in a real process) with
// process.argv set to the case's arguments. process.exit records the code and stops the case;
// anything written after it is dropped, as a real exit would drop it. stdout and stderr are
// captured per case. An error that escapes a case (an uncaught exception or rejection) is
// reported as that case's exit 1 with its message, so it cannot pass as a refusal.
//
// Usage: node test/helpers/cli-batch.mjs <cases.json> <results.json>
//   cases.json: [{ "args": [...], "cwd"?: "..." }, ...]; results.json gets [{ code, stdout, stderr, ms }, ...].
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = pathToFileURL(path.join(ROOT, 'dist/cli/main.js')).href;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const [casesFile, resultsFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));

const realExit = process.exit.bind(process);
const realWrite = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

class Exited extends Error {}

/** The case running now: its buffers, and its exit code once process.exit was called. */
let current;

for (const stream of ['stdout', 'stderr']) {
  process[stream].write = (chunk, ...rest) => {
    if (!current) return realWrite[stream](chunk, ...rest);
    if (current.code === undefined) current[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((r) => typeof r === 'function');
    if (cb) cb();
    return true;
  };
}
process.exit = (code) => {
  if (!current) return realExit(code);
  current.code ??= code ?? process.exitCode ?? 0;
  throw new Exited(`exit ${current.code}`);
};
const escaped = (err) => {
  if (err instanceof Exited || !current || current.code !== undefined) return;
  current.stderr += `cli-batch: escaped the case: ${err && err.stack ? err.stack : String(err)}\n`;
  current.code = 1;
};
process.on('uncaughtException', escaped);
process.on('unhandledRejection', escaped);

/** Runs one case; the signal handlers main.js installs are removed after it (each case installs its own). */
async function runCase({ args, cwd }, i) {
  const listeners = Object.fromEntries(SIGNALS.map((s) => [s, process.listeners(s)]));
  const dir = process.cwd();
  current = { stdout: '', stderr: '', code: undefined };
  process.argv = [process.execPath, path.join(ROOT, 'bin/losslens.js'), ...args];
  process.exitCode = undefined;
  const t0 = performance.now();
  try {
    if (cwd) process.chdir(cwd);
    await import(`${MAIN}?case=${i}`);
  } catch (err) {
    escaped(err);
  }
  await new Promise((resolve) => setImmediate(resolve)); // let a rejection of this case surface here
  const ms = performance.now() - t0;
  const done = { code: current.code ?? process.exitCode ?? 0, stdout: current.stdout, stderr: current.stderr, ms };
  current = undefined;
  process.chdir(dir);
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!listeners[s].includes(l)) process.off(s, l);
  return done;
}

const results = [];
for (const [i, c] of cases.entries()) results.push(await runCase(c, i));
writeFileSync(resultsFile, JSON.stringify(results));
realExit(0);
