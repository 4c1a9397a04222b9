/**
 * Jobs and results authenticated with the queue's shared secret. Anyone who can write to Redis
 * can add a job or overwrite a return value; only a holder of the secret can make one that the
 * other side accepts. The coordinator signs each job, a worker checks the signature before it
 * looks at anything else in the job, signs its return value, and the coordinator checks that before
 * it uses the result.
 *
 * The MAC is HMAC-SHA256 over a domain tag ("job" or "result"), the BullMQ job id (a result
 * cannot be moved to another job) and the value's canonical JSON (keys sorted at every depth), so
 * it does not depend on how either side's JSON orders keys. Comparison is timing-safe. Without a
 * key (a loopback Redis under insecureNoSecret) nothing is signed and nothing is checked.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeJson, encodeJson, type RunJobData, type RunJobReturn } from './run-job.js';

/** Job data or a return value longer than this is refused before it is parsed. */
export const MAX_WIRE_CHARS = 16 * 2 ** 20;

/** Why a job or a result was refused; the reason names no content of the refused value. */
export class RefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RefusedError';
  }
}

/** One JSON text per value: object keys sorted at every depth, non-finite numbers as {"$num": "NaN"}. */
export function canonicalJson(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return canonicalJson({ $num: String(v) });
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

type Domain = 'job' | 'result';
const mac = (key: Buffer, domain: Domain, jobId: string, value: unknown) =>
  createHmac('sha256', key).update(`losslens-${domain}\0${jobId}\0`).update(canonicalJson(value)).digest();

/** The value as the other side will parse it (what crosses Redis is JSON text). */
const wireForm = (v: unknown) => decodeJson(encodeJson(v));

function sign<T extends object>(key: Buffer | undefined, domain: Domain, jobId: string, value: T): T & { sig?: string } {
  return key ? { ...value, sig: mac(key, domain, jobId, wireForm(value)).toString('hex') } : value;
}

function open(key: Buffer | undefined, domain: Domain, jobId: string, raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string') throw new RefusedError(`its ${domain} is not JSON text`);
  if (raw.length > MAX_WIRE_CHARS) throw new RefusedError(`its ${domain} is ${raw.length} characters, more than ${MAX_WIRE_CHARS}`);
  let v: unknown;
  try {
    v = decodeJson(raw);
  } catch {
    throw new RefusedError(`its ${domain} is not valid JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new RefusedError(`its ${domain} is not a JSON object`);
  const { sig, ...rest } = v as Record<string, unknown>;
  if (!key) return rest;
  if (sig === undefined) throw new RefusedError(`its ${domain} is not signed (not written by a losslens holding this queue's secret)`);
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) throw new RefusedError(`its ${domain} signature is malformed`);
  if (!timingSafeEqual(Buffer.from(sig, 'hex'), mac(key, domain, jobId, rest)))
    throw new RefusedError(`its ${domain} signature does not match (altered in Redis, or signed with another secret)`);
  return rest;
}

/** Job data as the coordinator enqueues it: signed when there is a key. */
export const signJob = (key: Buffer | undefined, jobId: string, data: RunJobData) => sign(key, 'job', jobId, data);
/** A worker's return value, signed when there is a key. */
export const signResult = (key: Buffer | undefined, jobId: string, ret: RunJobReturn) => sign(key, 'result', jobId, ret);

/** The job data of BullMQ job `jobId` once its signature holds; a RefusedError otherwise. */
export const openJob = (key: Buffer | undefined, jobId: string, raw: unknown) => open(key, 'job', jobId, raw) as unknown as RunJobData;
/** A job's return value once its signature holds; a RefusedError otherwise. */
export const openResult = (key: Buffer | undefined, jobId: string, raw: unknown) => open(key, 'result', jobId, raw) as unknown as RunJobReturn;
