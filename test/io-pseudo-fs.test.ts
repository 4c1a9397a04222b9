import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPseudoFolder, mountTypeOf } from '../src/io/pseudo-fs.js';

describe('isPseudoFolder', () => {
  it('refuses /proc, /sys and /dev (devtmpfs) but not /dev/shm or a tmpfs', async () => {
    expect(await isPseudoFolder('/proc/self')).toBe(true);
    expect(await isPseudoFolder('/sys')).toBe(true);
    expect(await isPseudoFolder('/dev')).toBe(true);
    expect(await isPseudoFolder('/dev/shm')).toBe(false);
    expect(await isPseudoFolder(os.tmpdir())).toBe(false);
  });

  it('finds the innermost mount in mountinfo, spaces and mounts stacked on one point included', async () => {
    const info = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'losslens-mi-')), 'mountinfo');
    fs.writeFileSync(
      info,
      [
        '26 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
        '23 26 0:6 / /dev rw,relatime shared:2 - devtmpfs devtmpfs rw',
        '24 23 0:22 / /dev/shm rw,relatime - tmpfs tmpfs rw',
        '40 26 0:40 / /mnt/my\\040disk rw - tmpfs tmpfs rw',
        '41 26 0:41 / /mnt/dev rw - devtmpfs devtmpfs rw',
        '42 26 0:42 / /mnt/dev rw - tmpfs tmpfs rw',
        '43 26 0:43 / /srv/dt rw - devtmpfs devtmpfs rw',
        '',
      ].join('\n'),
    );
    expect(await mountTypeOf('/dev/shm/x', info)).toBe('tmpfs');
    expect(await mountTypeOf('/dev/null', info)).toBe('devtmpfs');
    expect(await mountTypeOf('/mnt/my disk/r', info)).toBe('tmpfs');
    expect(await mountTypeOf('/mnt/dev/r', info)).toBe('tmpfs'); // the later mount covers the earlier one
    expect(await mountTypeOf('/srv/dt/r', info)).toBe('devtmpfs');
    expect(await mountTypeOf('/srv/dtx', info)).toBe('ext4');
    expect(await mountTypeOf('/x', path.join(info, 'missing'))).toBeUndefined();
  });
});
