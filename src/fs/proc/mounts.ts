// /proc/PID/mounts and mountinfo (fs/proc_namespace.c): the mount table as
// the process sees it, which is relative to its root: a chrooted process
// sees the mounts below its root, with paths from there.
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { MS, sbReadOnly, type Mount } from '../mount.js';
import { dPathOf } from '../d_path.js';

/** The per-mount options of an options string; the rest belongs to the superblock (show_options). */
const MNT_OPTS = new Set(['rw', 'ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime', 'relatime', 'strictatime', 'nosymfollow']);

export function mountId(m: Mount): number { return m.id; }

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

/**
 * The mounts of the task's namespace whose root it can reach from its root,
 * in mount order, with their mountpoints as d_path() names them for it.
 */
function visible(kernel: Kernel, task: Task | undefined): Shown[] {
  const ns = task?.mntns ?? kernel.mntns;
  const root = task?.fs.root ?? null;
  const out: Shown[] = [];
  for (const m of ns.list) {
    const d = dPathOf(m.rootLocation(), root ?? ns.root.rootLocation());
    if (d.unreachable) continue;
    out.push({ m, path: d.path });
  }
  return out;
}

/** show_mnt_opts: "rw" or "ro", then the mount's flags in Linux's order. */
function mntOptions(m: Mount): string[] {
  const o = [m.readOnly ? 'ro' : 'rw'];
  if (m.flags & MS.NOSUID) o.push('nosuid');
  if (m.flags & MS.NODEV) o.push('nodev');
  if (m.flags & MS.NOEXEC) o.push('noexec');
  if (m.flags & MS.NOATIME) o.push('noatime');
  if (m.flags & MS.NODIRATIME) o.push('nodiratime');
  if (m.flags & MS.RELATIME) o.push('relatime');
  if (m.flags & MS.NOSYMFOLLOW) o.push('nosymfollow');
  return o;
}

/** The filesystem's own options (show_options). */
function fsOptions(m: Mount): string[] {
  return m.sb.options().split(',').filter((o) => o !== '' && !MNT_OPTS.has(o));
}

/** /proc/mounts: "SOURCE MOUNTPOINT TYPE OPTIONS 0 0". */
export function showMounts(kernel: Kernel, task: Task | undefined): string {
  return visible(kernel, task).map(({ m, path }) =>
    `${mangle(m.sb.source)} ${mangle(path)} ${m.sb.type} ${[...mntOptions(m), ...fsOptions(m)].join(',')} 0 0\n`).join('');
}

/** The optional fields of mountinfo: shared:N, master:N, unbindable. */
function propagationFields(m: Mount): string {
  let s = '';
  if (m.propagation === 'shared') s += ` shared:${m.peerGroup}`;
  if (m.masterGroup) s += ` master:${m.masterGroup}`;
  if (m.propagation === 'unbindable') s += ' unbindable';
  return s;
}

/** /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT MNTOPTS [FIELDS] - TYPE SOURCE SBOPTS". */
export function showMountinfo(kernel: Kernel, task: Task | undefined): string {
  return visible(kernel, task).map(({ m, path }) => {
    const parent = m.parent ? m.parent.id : m.id;
    const sbOpts = [sbReadOnly(m.sb) ? 'ro' : 'rw', ...fsOptions(m)];
    return `${m.id} ${parent} ${majorMinor(m.sb.dev)} ${mangle(m.rootPath)} ${mangle(path)} ` +
      `${mntOptions(m).join(',')}${propagationFields(m)} - ${m.sb.type} ${mangle(m.sb.source)} ${sbOpts.join(',')}\n`;
  }).join('');
}
