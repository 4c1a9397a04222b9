/**
 * Errors across a thread (or Redis) boundary: one plain, structured-clone/JSON-safe shape for the
 * objective pool, the study pool and the distributed executor, and the error rebuilt on the other
 * side with its code (and, for option errors, the field, so the CLI still shows the flag).
 */
import { LosslensError, type ErrorCode } from '../errors.js';

/** An error as it crosses a worker thread: its message, code and the option it names. */
export interface WireError {
  message: string;
  code?: string;
  option?: { field: string; problem: string };
}

const CODES: readonly string[] = ['BAD_INPUT', 'BAD_OPTION', 'UNSUPPORTED', 'OUTPUT_EXISTS', 'INTERRUPTED', 'INTERNAL'];

/** The error as data: a LosslensError keeps its code and option; a coded Node error its code. */
export function toWireError(err: unknown): WireError {
  if (err instanceof LosslensError) return { message: err.message, code: err.code, ...(err.option ? { option: err.option } : {}) };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(err) };
}

/** The error as thrown on the other side: a LosslensError when its code is ours, else a plain Error. */
export function fromWireError(e: WireError): Error {
  if (e.code && CODES.includes(e.code)) return new LosslensError(e.code as ErrorCode, e.message, e.option ? { option: e.option } : {});
  return new Error(e.message);
}
