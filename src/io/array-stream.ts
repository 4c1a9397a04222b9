/**
 * Read a .npy or IDX file (gzipped or not — detected by its magic bytes) as a stream: the header
 * first, so the caller can check what the data will take in memory before anything is allocated,
 * then the data straight into an {@link ArraySink}. Nothing is held twice: no whole-file Buffer,
 * no inflated copy — memory is the array itself plus one 1 MiB chunk.
 */
import { constants, promises as fs } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { inputError, LosslensError } from '../errors.js';
import type { ArrayHeader } from './array-header.js';
import type { ArraySink, NdArray } from './array-sink.js';
import { idxHeader, isIdx } from './dataset-idx.js';
import { isNpy, npyHeader } from './dataset-npy.js';
import { checkReadable, isGzip } from './safe-read.js';

/** An array file whose header has been read; `readInto` streams its data, `close` abandons it. */
export interface OpenArray {
  file: string;
  header: ArrayHeader;
  gzip: boolean;
  readInto(sink: ArraySink): Promise<NdArray>;
  close(): void;
}

/** 1 MiB reads and inflated chunks: each is a thread-pool round trip, so fewer is faster. */
const CHUNK = 1 << 20;
/** A header (npy's at most 1 MiB + 12 bytes, IDX's 36) must show within this many bytes. */
const MAX_HEAD = CHUNK + 64;

/** Open `file` and read its header (see the file comment); throws input errors naming `file`. */
export async function openArray(file: string): Promise<OpenArray> {
  await checkReadable(file, { what: 'array file', maxBytes: Number.MAX_SAFE_INTEGER });
  // O_NONBLOCK: should a FIFO be swapped in after the check, open() does not hang on it
  const fh = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw inputError(file, `array file cannot be opened (${err.code ?? 'error'})`, err);
  });
  const magic = new Uint8Array(2);
  let source: Readable;
  let gzip: boolean;
  try {
    if (!(await fh.stat()).isFile()) throw inputError(file, 'array file changed while it was being read');
    await fh.read(magic, 0, 2, 0);
    gzip = isGzip(magic);
    const raw = fh.createReadStream({ highWaterMark: CHUNK, start: 0 });
    source = gzip ? pipeline(raw, createGunzip({ chunkSize: CHUNK }), () => {}) : raw;
  } catch (err) {
    await fh.close();
    throw err;
  }
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const close = () => void source.destroy();
  try {
    const { header, rest } = await readHeader(it, file);
    return { file, header, gzip, close, readInto: (sink) => readData(it, rest, sink, file, close) };
  } catch (err) {
    close();
    throw readError(err, file);
  }
}

async function readHeader(it: AsyncIterator<Buffer>, file: string): Promise<{ header: ArrayHeader; rest: Uint8Array }> {
  let head: Uint8Array = new Uint8Array(0);
  for (;;) {
    const { value, done } = await it.next();
    if (!done) head = head.byteLength === 0 ? value : Buffer.concat([head, value]);
    const header = parseHead(head, file, done === true);
    if (header) return { header, rest: head.subarray(header.headerBytes) };
    if (done) throw inputError(file, `ends after ${head.byteLength} bytes, inside its array header`);
    if (head.byteLength > MAX_HEAD) throw inputError(file, 'does not start with a .npy or IDX header');
  }
}

function parseHead(head: Uint8Array, file: string, ended: boolean): ArrayHeader | undefined {
  if (head.byteLength < 6 && !ended) return undefined;
  if (isNpy(head)) return npyHeader(head, file);
  if (isIdx(head) || /idx\d-ubyte/i.test(file)) return idxHeader(head, file);
  throw inputError(file, 'not a .npy or IDX file (unknown magic bytes)');
}

async function readData(it: AsyncIterator<Buffer>, rest: Uint8Array, sink: ArraySink, file: string, close: () => void): Promise<NdArray> {
  try {
    if (rest.byteLength) sink.write(rest);
    for (;;) {
      const { value, done } = await it.next();
      if (done) break;
      sink.write(value);
    }
    return sink.finish();
  } catch (err) {
    throw readError(err, file);
  } finally {
    close();
  }
}

/** Our own errors as they are; zlib's and the file system's as one input error naming the file. */
function readError(err: unknown, file: string): unknown {
  if (err instanceof LosslensError || !(err instanceof Error)) return err;
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  return String(code).startsWith('Z_') || /zlib|header check|unexpected end/i.test(err.message)
    ? inputError(file, `corrupt gzip data (${code})`, err)
    : inputError(file, `array file cannot be read (${code})`, err);
}
