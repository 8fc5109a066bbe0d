// Which guest process or thread a /proc/PID or /proc/PID/task/TID entry is
// about (Linux's struct pid held by a proc inode), and where the host keeps
// the facts the kernel does not: a guest thread is a host thread, so its
// address space, CPU times, page faults and signal masks are the host's, read
// from the host's /proc of that thread.
import { readFileSync } from 'node:fs';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task, ThreadGroup } from '../../kernel/task.js';
import { OvlSuperBlock } from '../overlayfs/super.js';
import { HostSuperBlock } from '../hostfs/inode.js';
import type { Ownership } from './generic.js';
import { devField, mappedLocation } from '../../mm/mapped_names.js';
import type { Location } from '../mount.js';
import { dPath } from '../d_path.js';

export class PidRef {
  constructor(
    readonly kernel: Kernel,
    readonly group: ThreadGroup,
    /** The thread of /proc/PID/task/TID; null for the process as a whole. */
    readonly thread: Task | null,
  ) {}

  get pid(): number { return this.group.pid; }

  /** The task whose per-thread state is shown: the thread, or the process's leader. */
  task(): Task | undefined { return this.thread ?? this.group.leader; }

  /** Still there for /proc: running or a zombie not yet reaped. */
  alive(): boolean {
    const g = this.group;
    if (g.exitState === 'dead' || this.kernel.groups.get(g.pid) !== g) return false;
    return this.thread === null || g.threads.has(this.thread) || g.exitState === 'zombie';
  }

  /** Whether the host process behind it still exists (a zombie's may be reused). */
  private running(): boolean {
    const g = this.group;
    if (g.exitState !== 'running' || this.kernel.groups.get(g.pid) !== g) return false;
    return this.thread === null || g.threads.has(this.thread);
  }

  /** The host's /proc directory of this thread or process, or null when it is gone. */
  hostDir(): string | null {
    if (!this.running()) return null;
    const g = this.group;
    return this.thread ? `/proc/${g.hostPid}/task/${this.thread.host.tid}` : `/proc/${g.hostPid}`;
  }

  /** A file of the host's /proc for this thread (null when unreadable). */
  host(name: string): Buffer | null {
    const dir = this.hostDir();
    if (!dir) return null;
    try { return readFileSync(`${dir}/${name}`); } catch { return null; }
  }

  hostText(name: string): string | null {
    const b = this.host(name);
    return b ? b.toString('latin1') : null;
  }

  /** The identity of an entry under this directory, for inode numbers. */
  key(rest = ''): string {
    const base = this.thread ? `${this.pid}/task/${this.thread.tid}` : `${this.pid}`;
    return rest ? `${base}/${rest}` : base;
  }

  /** Like task_dump_owner(): a process's entries belong to its effective ids. */
  owner(): Ownership {
    const c = this.task()?.cred;
    return { uid: c?.euid ?? 0, gid: c?.egid ?? 0, timeMs: this.group.startTime };
  }
}

/**
 * A host path as the guest names it. The guest's root is a hostfs directory
 * of the host, so a host path under it is that path with the prefix removed;
 * a path outside it stays as the host spells it (it names nothing the guest
 * can reach, which is also how Linux shows a file outside a chroot).
 */
export function guestPath(kernel: Kernel, hostPath: string): string {
  const sb = kernel.mntns.root.children.get('/')?.sb;
  if (sb instanceof OvlSuperBlock) return sb.guestPath(hostPath);
  if (!(sb instanceof HostSuperBlock) || sb.hostRoot === '/') return hostPath;
  const root = sb.hostRoot.replace(/\/+$/, '');
  if (hostPath === root) return '/';
  if (hostPath.startsWith(root + '/')) return hostPath.slice(root.length);
  return hostPath;
}

/** Rewrites the pathname column of maps/smaps lines from host to guest paths. */
export function translateMaps(kernel: Kernel, text: string): string {
  const sb = kernel.mntns.root.children.get('/')?.sb;
  const hostNames = !(sb instanceof HostSuperBlock || sb instanceof OvlSuperBlock) || (sb instanceof HostSuperBlock && sb.hostRoot === '/');
  return text.split('\n').map((line) => {
    // "start-end perms offset dev inode" then padding then the path.
    const m = /^([0-9a-f]+-[0-9a-f]+ \S+ \S+ )(\S+) (\d+)\s+(\/.*)$/.exec(line);
    if (!m) return line;
    const loc = mappedLocation(m[2], m[3]);
    if (loc && !loc.path.startsWith('/proc/')) return mappedLine(m[1], loc);
    if (hostNames) return line;
    const deleted = m[4].endsWith(' (deleted)') ? ' (deleted)' : '';
    const p = deleted ? m[4].slice(0, -deleted.length) : m[4];
    return line.slice(0, line.length - m[4].length) + guestPath(kernel, p) + deleted;
  }).join('\n');
}

/** A maps line for a file the kernel mapped: the file's own dev, inode and path (show_map_vma). */
function mappedLine(head: string, loc: Location): string {
  let st;
  try { st = loc.inode.getattr(); } catch { st = null; }
  const deleted = !st || st.nlink === 0n ? ' (deleted)' : '';
  const cols = `${head}${st ? devField(st.dev) : '00:00'} ${st?.ino ?? 0}`;
  return `${cols.padEnd(72)} ${dPath(loc, null)}${deleted}`;
}
