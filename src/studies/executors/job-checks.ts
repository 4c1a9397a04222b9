/**
 * What a worker checks of a job taken from Redis before it runs anything: the job is data from
 * whoever can write to Redis, so its size, shape, handler, kind, version, native thread count and
 * every option in its config are held to the same rules as the CLI's (one option table: src/options/limits.ts), and
 * its trees to job-paths.ts's. These checks stand on their own, signed jobs or not.
 */
import { LosslensError } from '../../errors.js';
import { describeLimit, limitOf, within } from '../../options/limits.js';
import { VERSION } from '../../version.js';
import { HANDLERS, handlerUrl } from './redis.js';
import { checkTrees, type TreeLimits } from './job-paths.js';
import type { RunJobData } from './run-job.js';
import { nativeThreadsProblem } from '../native-thread-count.js';

const MAX_CONFIG_DEPTH = 16;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:=,+-]{0,199}$/;

const refuse = (problem: string) => new LosslensError('BAD_INPUT', `job refused: ${problem}`);
const optionRefused = (field: string, problem: string) => new LosslensError('BAD_OPTION', `job refused: option ${field}: ${problem}`);

/**
 * Check one job's data (decoded, and its signature checked where the queue has a secret: see
 * job-signature.ts); returns its handler module. Throws a one-line BAD_INPUT/BAD_OPTION refusal.
 */
export function checkJobData(data: RunJobData, limits: TreeLimits): URL {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw refuse('job data is not an object');
  const handler = handlerUrl(data.handler);
  if (!handler)
    throw refuse(
      `unknown task handler ${JSON.stringify(String(data.handler).slice(0, 40))} (this worker knows ${Object.keys(HANDLERS).join(', ')}; is it an older losslens?)`,
    );
  if (data.version !== VERSION)
    throw refuse(`submitted by losslens ${String(data.version).slice(0, 40)}, served by ${VERSION}: run the same version on the coordinator and every worker`);
  if (typeof data.id !== 'string' || !NAME.test(data.id)) throw refuse('its id must be a short name of letters, digits and .:=,+-_');
  if (typeof data.kind !== 'string' || !NAME.test(data.kind)) throw refuse('its kind must be a short name');
  if (!data.config || typeof data.config !== 'object' || Array.isArray(data.config)) throw refuse('its config must be an object');
  checkConfigOptions(data.config);
  if (data.nativeThreads !== undefined) {
    const problem = nativeThreadsProblem(data.nativeThreads);
    if (problem) throw refuse(`its nativeThreads ${problem}`);
  }
  if (data.trees !== undefined) checkTrees(data.trees, limits);
  return handler;
}

/**
 * Every number in a config within its option's range (by field name, see limitOf) and finite;
 * nesting bounded. Fields the table does not know must still be finite.
 */
export function checkConfigOptions(config: unknown): void {
  const walk = (v: unknown, field: string, depth: number): void => {
    if (depth > MAX_CONFIG_DEPTH) throw refuse(`its config is nested more than ${MAX_CONFIG_DEPTH} levels deep`);
    if (typeof v === 'number') {
      const lim = limitOf(field);
      if (!Number.isFinite(v)) throw optionRefused(field, `must be a finite number, got ${v}`);
      if (lim && !within(v, lim)) throw optionRefused(field, `must be ${describeLimit(lim)}, got ${v}`);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, `${field}[]`, depth + 1));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
  };
  walk(config, '', 0);
}
