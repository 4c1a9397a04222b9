/**
 * Is a folder on a system (pseudo) filesystem, where a report must not go (writes there hang,
 * fail, or mean something else)? /proc, /sys and /dev by place — except /dev/shm, a plain tmpfs
 * for anyone's files — and the pseudo filesystems by type, wherever they are mounted.
 *
 * tmpfs is an ordinary place for files (/tmp is one on many systems). devtmpfs reports the same
 * statfs magic as tmpfs (0x01021994), so it is told apart by its mount: the filesystem type in
 * /proc/self/mountinfo of the mount that holds the folder, or, where that cannot be read, by
 * place (/dev).
 */
import { promises as fs } from 'node:fs';

/** statfs magic numbers of pseudo filesystems (never TMPFS_MAGIC: devtmpfs is found by its mount). */
const PSEUDO_MAGIC = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x64626720, // debugfs
  0x73636673, // securityfs
  0x74726163, // tracefs
  0xcafe4a11, // bpf
  0x62656570, // configfs
  0x65735543, // fusectl
  0x6165676c, // pstore
  0xde5e81e4, // efivarfs
  0x1cd1, // devpts
  0x42494e4d, // binfmt_misc
  0x19800202, // mqueue
  0xf97cff8c, // selinuxfs
  0x43415d53, // smackfs
  0x6e736673, // nsfs
  0x67596969, // rpc_pipefs
  0x958458f6, // hugetlbfs (no write(2))
]);

/** The same filesystems by the type name mountinfo gives them, plus devtmpfs. */
const PSEUDO_TYPES = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'cgroup',
  'cgroup2',
  'debugfs',
  'securityfs',
  'tracefs',
  'bpf',
  'configfs',
  'fusectl',
  'pstore',
  'efivarfs',
  'devpts',
  'binfmt_misc',
  'mqueue',
  'selinuxfs',
  'smackfs',
  'nsfs',
  'rpc_pipefs',
  'hugetlbfs',
]);

const under = (p: string, root: string) => p === root || p.startsWith(root === '/' ? '/' : `${root}/`);

/** True when `real` (a resolved, existing folder) is on a pseudo filesystem; see the file comment. */
export async function isPseudoFolder(real: string): Promise<boolean> {
  if (under(real, '/proc') || under(real, '/sys')) return true;
  if (under(real, '/dev') && !under(real, '/dev/shm')) return true;
  const type = await mountTypeOf(real);
  if (type !== undefined) return PSEUDO_TYPES.has(type);
  return PSEUDO_MAGIC.has(await magicOf(real));
}

/** The filesystem type of the innermost mount holding `real`, from /proc/self/mountinfo (Linux). */
export async function mountTypeOf(real: string, mountinfo = '/proc/self/mountinfo'): Promise<string | undefined> {
  const text = await fs.readFile(mountinfo, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let best: { point: string; type: string } | undefined;
  for (const line of text.split('\n')) {
    // "<id> <parent> <dev> <root> <mount point> <options> [optional…] - <type> <source> <super options>"
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 7 || dash < 0 || dash + 1 >= f.length) continue;
    const point = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    // later lines mount over earlier ones at the same point: >= keeps the last
    if (under(real, point) && (!best || point.length >= best.point.length)) best = { point, type: f[dash + 1] };
  }
  return best?.type;
}

async function magicOf(p: string): Promise<number> {
  const statfs = (fs as unknown as { statfs?: (p: string) => Promise<{ type: number }> }).statfs;
  const st = statfs ? await statfs(p).catch(() => undefined) : undefined;
  return st === undefined ? 0 : Number(st.type);
}
