// The size rules as errors: oxlint measures (max-lines, max-lines-per-function, complexity, at the
// limits .oxlintrc.json sets), and every measurement over a limit is a fault unless
// .house-rules-exceptions.json names it with a reason; an exception that no longer matches is a fault
// too, so the file lists exactly what is over the limits today.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const EXCEPTIONS_FILE = '.house-rules-exceptions.json';
export const SIZE_RULES = { 'eslint(max-lines)': 'max-lines', 'eslint(max-lines-per-function)': 'max-lines-per-function', 'eslint(complexity)': 'complexity' };
export const LINTED = ['src', 'cli', 'bench', 'scripts', 'test'];

/** The name oxlint gives a function, or the binding an anonymous one is assigned to. */
function functionName(message, sourceLine) {
  const named = /`([^`]+)`/.exec(message);
  if (named) return named[1];
  const bound = /\b([A-Za-z_$][\w$]*)\s*[:=]\s*(async\s*)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.exec(sourceLine ?? '');
  return bound ? bound[1] : '(anonymous)';
}

/** Each size measurement over its limit: { rel, line, key, message } (key: the exception key). */
export function sizeViolations(root, oxlintBin) {
  const dirs = LINTED.filter((d) => existsSync(path.join(root, d)));
  const run = spawnSync(oxlintBin, ['-c', path.join(root, '.oxlintrc.json'), '-f', 'json', ...dirs], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error || !run.stdout.trim().startsWith('{')) throw new Error(`oxlint did not run: ${run.error?.message ?? run.stderr.trim()}`);
  const lines = new Map();
  const lineOf = (rel, n) => {
    if (!lines.has(rel)) lines.set(rel, readFileSync(path.join(root, rel), 'utf8').split('\n'));
    return lines.get(rel)[n - 1];
  };
  return JSON.parse(run.stdout).diagnostics.flatMap((d) => {
    const rule = SIZE_RULES[d.code];
    if (!rule) return [];
    const rel = d.filename.split(path.sep).join('/');
    const line = d.labels?.[0]?.span?.line ?? 1;
    const key = rule === 'max-lines' ? rule : `${rule} ${functionName(d.message, lineOf(rel, line))}`;
    return [{ rel, line, key, message: d.message.replace(/\.$/, '') }];
  });
}

/** The written exceptions: { path: { key: reason } }; a fault line for a malformed file. */
export function readExceptions(root) {
  const file = path.join(root, EXCEPTIONS_FILE);
  if (!existsSync(file)) return { exceptions: {}, faults: [] };
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { exceptions: {}, faults: [`${EXCEPTIONS_FILE}: not JSON (${e.message})`] };
  }
  const faults = [];
  for (const [rel, rules] of Object.entries(parsed)) {
    if (rel.startsWith('$')) continue;
    for (const [key, reason] of Object.entries(rules ?? {})) {
      if (typeof reason !== 'string' || reason.trim().length < 10)
        faults.push(`${EXCEPTIONS_FILE}: ${rel} "${key}": the reason must be one honest line, not "${reason}"`);
    }
  }
  return { exceptions: parsed, faults };
}

/** Size faults: violations without an exception, and exceptions without a violation. `also`: other excepted findings. */
export function sizeFaults(violations, exceptions, also = []) {
  const faults = [];
  const used = new Set();
  for (const v of [...violations, ...also]) {
    const reason = exceptions[v.rel]?.[v.key] ?? exceptions[v.rel]?.[v.key.split(' ')[0]];
    if (reason) used.add(`${v.rel}\u0000${exceptions[v.rel][v.key] ? v.key : v.key.split(' ')[0]}`);
    else faults.push(`${v.rel}:${v.line}: ${v.message} (${v.hint ?? 'split it'}, or add "${v.key}" under "${v.rel}" in ${EXCEPTIONS_FILE} with a reason)`);
  }
  for (const [rel, rules] of Object.entries(exceptions)) {
    if (rel.startsWith('$')) continue;
    for (const key of Object.keys(rules ?? {})) {
      if (!used.has(`${rel}\u0000${key}`))
        faults.push(`${EXCEPTIONS_FILE}: ${rel} "${key}" is stale: nothing there is over the limit now (remove the exception)`);
    }
  }
  return faults;
}
