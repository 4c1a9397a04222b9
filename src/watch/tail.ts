/**
 * Reading `measurements.jsonl` while the fit callback appends to it: from a byte offset to the last newline, one
 * record per complete line. A last line without its newline is still being written: it is left for the next read
 * (the offset stops before it). A complete line that does not parse is counted and skipped.
 */
import { promises as fs } from 'node:fs';
import type { FitRecord } from '../fit/record.js';

/** What one read of the log gave: the new records, the offset to read from next, and the complete lines that did not parse. */
export interface TailRead {
  records: FitRecord[];
  offset: number;
  bad: number;
}

/** At most this many bytes per read: a long log is caught up over several reads. */
const CHUNK = 4 << 20;

/** Records of the complete lines after `offset` in `file` (none when the file does not exist yet). */
export async function readNewLines(file: string, offset: number): Promise<TailRead> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], offset, bad: 0 };
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    if (size < offset) offset = 0; // the file was replaced by a shorter one: a new run, read it from the start
    const buf = Buffer.alloc(Math.min(size - offset, CHUNK));
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (end < 0) return { records: [], offset, bad: 0 };
    const records: FitRecord[] = [];
    let bad = 0;
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as FitRecord;
        if (r && typeof r === 'object' && Number.isFinite(r.step)) records.push(r);
        else bad++;
      } catch {
        bad++;
      }
    }
    return { records, offset: offset + end + 1, bad };
  } finally {
    await fh.close();
  }
}
