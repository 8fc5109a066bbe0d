// /proc/PID/mounts and mountinfo (fs/proc_namespace.c): the mount table as
// the process sees it, which is relative to its root: a chrooted process
// sees the mounts below its root, with paths from there.
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import type { Mount } from '../namei.js';

/** mount(2)'s MS_RDONLY, as Mount.flags keeps it. */
const MS_RDONLY = 1;

/** Per-mount flags (show_mnt_opts); the rest of an options string belongs to the superblock. */
const MNT_OPTS = new Set(['nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime', 'relatime', 'strictatime']);

// Mount ids are handed out the first time a mount is shown and kept with it.
const mountIds = new WeakMap<Mount, number>();
let nextMountId = 21;

export function mountId(m: Mount): number {
  let id = mountIds.get(m);
  if (id === undefined) { id = nextMountId++; mountIds.set(m, id); }
  return id;
}

/** What fdinfo shows as mnt_id for a file with no mount (pipes, sockets, anon inodes). */
export const ANON_MOUNT_ID = 15;

/** Linux's mangle(): the separators of the format are written as octal escapes. */
export function mangle(s: string): string {
  return s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
}

/** glibc's major()/minor() of a dev_t. */
export function majorMinor(dev: bigint): string {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
  return `${major}:${minor}`;
}

interface Shown { m: Mount; path: string }

/** The mounts visible from task's root, parents before children, with paths relative to that root. */
function visible(kernel: Kernel, task: Task | undefined): Shown[] {
  const root = task?.fs.root.path ?? '/';
  const out: Shown[] = [];
  for (const m of kernel.mounts.list()) {
    let p: string;
    if (root === '/') p = m.path;
    else if (m.path === root) p = '/';
    else if (m.path.startsWith(root + '/')) p = m.path.slice(root.length);
    else continue;
    out.push({ m, path: p });
  }
  return out;
}

function splitOptions(m: Mount): { all: string[]; mnt: string[]; sb: string[] } {
  const opts = m.sb.options().split(',').filter((o) => o !== '');
  const sbRo = opts.includes('ro');
  const ro = sbRo || (m.flags & MS_RDONLY) !== 0;
  const rest = opts.filter((o) => o !== 'rw' && o !== 'ro');
  const mnt = [ro ? 'ro' : 'rw', ...rest.filter((o) => MNT_OPTS.has(o))];
  const sb = [sbRo ? 'ro' : 'rw', ...rest.filter((o) => !MNT_OPTS.has(o))];
  return { all: [ro ? 'ro' : 'rw', ...rest], mnt, sb };
}

/** /proc/mounts: "SOURCE MOUNTPOINT TYPE OPTIONS 0 0". */
export function showMounts(kernel: Kernel, task: Task | undefined): string {
  return visible(kernel, task).map(({ m, path }) =>
    `${mangle(m.sb.source)} ${mangle(path)} ${m.sb.type} ${splitOptions(m).all.join(',')} 0 0\n`).join('');
}

/** /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT MNTOPTS - TYPE SOURCE SBOPTS". */
export function showMountinfo(kernel: Kernel, task: Task | undefined): string {
  const all = kernel.mounts.list();
  const lines: string[] = [];
  for (const { m, path } of visible(kernel, task)) {
    // The parent is the mount the mount point lies in: the longest other mount path above it.
    let parent: Mount | null = null;
    for (const o of all) {
      if (o === m) continue;
      const above = o.path === '/' ? m.path !== '/' : m.path.startsWith(o.path + '/');
      if (above && (!parent || o.path.length > parent.path.length)) parent = o;
    }
    const o = splitOptions(m);
    lines.push(`${mountId(m)} ${parent ? mountId(parent) : 1} ${majorMinor(m.sb.dev)} / ${mangle(path)} ` +
      `${o.mnt.join(',')} - ${m.sb.type} ${mangle(m.sb.source)} ${o.sb.join(',')}\n`);
  }
  return lines.join('');
}
