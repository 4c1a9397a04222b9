/**
 * A small tmpfs for tests (a full disk, a tmpfs --out): mounted with mount(8), which needs root or
 * CAP_SYS_ADMIN; canMount() says whether this user may, so a test can skip with that reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let mountable: boolean | undefined;

/** True when `mount -t tmpfs` works here (tried once). */
export function canMount(): boolean {
  if (mountable === undefined) {
    const probe = mkdtempSync(path.join(os.tmpdir(), 'losslens-probe-'));
    mountable = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe]).status === 0;
    if (mountable) umount(probe);
    rmdirSync(probe);
  }
  return mountable;
}

/** Mount a tmpfs of `size` (e.g. "256k") at a new folder under `parent`; returns the folder. */
export function mountTmpfs(parent: string, size: string): string {
  const dir = path.join(parent, `mnt-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -t tmpfs ${dir}: ${r.stderr}`);
  return dir;
}

export function umount(dir: string): void {
  spawnSync('umount', [dir]);
}
