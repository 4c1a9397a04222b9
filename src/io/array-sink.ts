/**
 * The one place an array's data bytes become values in memory. Bytes arrive in chunks of any
 * size (a file read, a gzip stream) and are written straight into one array of the final dtype,
 * allocated once at the size the header declares: unsigned bytes stay bytes, everything else
 * becomes float32. Rows not asked for (a seeded subset) are skipped, not stored. A value that
 * float32 cannot hold — NaN, ±Infinity, a float64 beyond ±3.4e38, a 64-bit integer beyond
 * ±(2^53 − 1) — is refused with the file, sample and column; so is data longer or shorter than
 * the header declares.
 */
import { inputError } from '../errors.js';
import { dataBytes, rowWidth, type ArrayHeader } from './array-header.js';
import { sharedFloat32 } from './sample-rows.js';

/** An n-d array read from disk on a SharedArrayBuffer: unsigned bytes as they are, else float32. */
export interface NdArray {
  shape: number[];
  data: Float32Array | Uint8Array;
  /** Stored as unsigned bytes (npy |u1, IDX ubyte): inputs of this kind get scaled by 1/255. */
  isUint8: boolean;
  /** Stored with an integer (or bool) dtype. */
  isInteger: boolean;
}

export interface SinkOptions {
  /** Keep only these rows (sorted, distinct, each < shape[0]), in this order. */
  rows?: Uint32Array;
  /** Keep unsigned bytes as bytes (inputs); false converts them to float32 (labels). */
  keepBytes: boolean;
  /** How a value is called in messages: "value" (inputs) or "label". */
  role: 'value' | 'label';
}

/** Bytes in memory the array will take with `opts` (checked against the budget before allocating). */
export function sinkBytes(h: ArrayHeader, opts: SinkOptions): number {
  const rows = opts.rows ? opts.rows.length : h.shape[0];
  return rows * rowWidth(h) * (h.type.uint8 && opts.keepBytes ? 1 : 4);
}

/** Writes data bytes into an {@link NdArray}; `write` each chunk in order, then `finish`. */
export class ArraySink {
  private readonly width: number;
  private readonly out: Float32Array | Uint8Array;
  private readonly bytes: boolean;
  private readonly declared: number;
  private received = 0;
  /** Elements consumed so far (stored or skipped). */
  private pos = 0;
  /** Index into `rows` of the next row to keep. */
  private next = 0;
  private carry = new Uint8Array(0);

  constructor(
    private readonly h: ArrayHeader,
    private readonly file: string,
    private readonly opts: SinkOptions,
  ) {
    this.width = rowWidth(h);
    this.bytes = h.type.uint8 && opts.keepBytes;
    this.declared = dataBytes(h);
    const n = (opts.rows ? opts.rows.length : h.shape[0]) * this.width;
    try {
      this.out = this.bytes ? new Uint8Array(new SharedArrayBuffer(n)) : sharedFloat32(n);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw inputError(
        file,
        `cannot allocate ${n} ${this.bytes ? 'bytes' : 'float32 values'} for this array (${err.message}); keep a subset with --samples N or use a smaller file`,
        err,
      );
    }
  }

  write(chunk: Uint8Array): void {
    this.received += chunk.byteLength;
    if (this.received > this.declared) {
      throw inputError(this.file, `data runs past the ${this.declared} bytes its header declares for shape (${this.h.shape.join(', ')})`);
    }
    const size = this.h.type.size;
    let c = chunk;
    if (this.carry.byteLength > 0) {
      const need = size - this.carry.byteLength;
      const one = new Uint8Array(size);
      one.set(this.carry);
      one.set(c.subarray(0, need), this.carry.byteLength);
      if (c.byteLength < need) {
        this.carry = one.slice(0, this.carry.byteLength + c.byteLength);
        return;
      }
      this.carry = new Uint8Array(0);
      this.run(one, 1);
      c = c.subarray(need);
    }
    const whole = Math.floor(c.byteLength / size);
    this.run(c, whole);
    if (whole * size < c.byteLength) this.carry = c.slice(whole * size);
  }

  /** The array, once every declared byte has arrived. */
  finish(): NdArray {
    if (this.received !== this.declared) {
      throw inputError(
        this.file,
        `holds ${this.received} data bytes but its header declares ${this.declared} for shape (${this.h.shape.join(', ')}) of ${this.h.type.name}`,
      );
    }
    const rows = this.opts.rows ? this.opts.rows.length : this.h.shape[0];
    return { shape: [rows, ...this.h.shape.slice(1)], data: this.out, isUint8: this.h.type.uint8, isInteger: this.h.type.integer };
  }

  /** Consume `count` whole elements from the start of `src`, row segment by row segment. */
  private run(src: Uint8Array, count: number): void {
    const rows = this.opts.rows;
    let done = 0;
    while (done < count) {
      const r = Math.floor(this.pos / this.width);
      const take = Math.min((r + 1) * this.width - this.pos, count - done);
      if (rows) while (this.next < rows.length && rows[this.next] < r) this.next++;
      const keep = !rows || rows[this.next] === r;
      if (keep) this.store(src, done, take, (rows ? this.next : r) * this.width + (this.pos - r * this.width), r);
      done += take;
      this.pos += take;
    }
  }

  private store(src: Uint8Array, from: number, count: number, dest: number, row: number): void {
    const size = this.h.type.size;
    if (this.bytes) {
      this.out.set(src.subarray(from, from + count), dest);
      return;
    }
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    const read = this.h.type.read;
    const out = this.out;
    const col0 = this.pos - row * this.width;
    for (let i = 0; i < count; i++) {
      const off = (from + i) * size;
      const v = read(dv, off);
      out[dest + i] = v;
      if (!Number.isFinite(out[dest + i])) this.refuse(v, dv, off, row, col0 + i);
    }
  }

  private refuse(v: number, dv: DataView, off: number, row: number, col: number): never {
    const where = `sample ${row}${this.width > 1 ? `, column ${col}` : ''}`;
    const label = this.opts.role === 'label';
    if (Number.isNaN(v)) throw inputError(this.file, `${where} has a NaN ${label ? 'label' : 'value'}`);
    if (this.h.type.exact) {
      throw inputError(
        this.file,
        `${where}: ${this.h.type.name} ${label ? 'label' : 'value'} ${this.h.type.exact(dv, off)} is beyond ±(2^53 − 1), where it cannot be held exactly`,
      );
    }
    if (Number.isFinite(v)) {
      throw inputError(
        this.file,
        `${where}: ${this.h.type.name} ${label ? 'label' : 'value'} ${v} is beyond float32's range (±3.4e38) and would become Infinity`,
      );
    }
    throw inputError(this.file, `${where} has a non-finite ${label ? 'label' : 'value'} (${v})`);
  }
}
