// The proc filesystem's superblock and root directory (fs/proc/root.c): the
// machine-wide files, /proc/sys, the self and thread-self links, and one
// directory per live process, named by the guest's pids.
import { netOf, type Net } from '../../net/core/dev.js';
import { procNetDev, procNetIfInet6, procNetRoute } from '../../net/core/net_procfs.js';
import { procNetUnix } from '../../net/unix/af_unix.js';
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import type { Inode } from '../inode.js';
import { joinPath, type Location } from '../namei.js';
import {
  ProcDir, ProcFileInode, ProcInode, ProcLinkInode, procIno, TableDir, type OwnerFn, type ProcSb,
} from './generic.js';
import { PidDir } from './base.js';
import { PidRef } from './pid.js';
import {
  showCmdline, showCpuinfo, showDevices, showDiskstats, showFilesystems, showLoadavg, showMeminfo, showPartitions,
  showStat, showSwaps, showUptime, showVersion, showVmstat,
} from './system.js';
import { sysctlRoot } from './sysctl.js';
import { startLoadavg } from '../../kernel/loadavg.js';
import { showSysvipcShm } from '../../ipc/shm.js';
import { showSysvipcSem } from '../../ipc/sem.js';
import { showSysvipcMsg } from '../../ipc/msg.js';

/** PROC_SUPER_MAGIC */
const PROC_SUPER_MAGIC = 0x9fa0;
/** ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME, matching options(). */
const PROC_ST_FLAGS = 0x2 | 0x4 | 0x8 | 0x400;

export class ProcSuperBlock implements ProcSb {
  readonly type = 'proc';
  readonly dev = 0x16n;
  readonly source = 'proc';
  readonly root: ProcRoot;
  readonly rootOwner: OwnerFn;

  constructor(readonly kernel: Kernel) {
    this.rootOwner = () => ({ uid: 0, gid: 0, timeMs: kernel.bootTime });
    this.root = new ProcRoot(this);
    startLoadavg(kernel);
  }

  options(): string { return 'rw,nosuid,nodev,noexec,relatime'; }

  statfs(): Buffer {
    const b = Buffer.alloc(120);
    b.writeBigInt64LE(BigInt(PROC_SUPER_MAGIC), 0);   // f_type
    b.writeBigInt64LE(4096n, 8);                       // f_bsize
    b.writeBigInt64LE(255n, 64);                       // f_namelen
    b.writeBigInt64LE(4096n, 72);                      // f_frsize
    b.writeBigInt64LE(BigInt(PROC_ST_FLAGS), 80);      // f_flags
    return b;
  }

  /**
   * A mount of this procfs (the first of the initial namespace), for the self
   * links; the walk moves what they give to the mount it went through.
   */
  mountPoint(): Location {
    const m = this.kernel.mntns.list.find((x) => x.sb === this);
    if (!m) throw new Errno(E.ENOENT);
    return m.rootLocation();
  }
}

/** A process directory of the root for pid, or null when no live process or thread has it. */
function pidEntry(sb: ProcSuperBlock, pid: number): PidDir | null {
  const k = sb.kernel;
  const g = k.groups.get(pid);
  if (g && g.exitState !== 'dead') return new PidDir(sb, new PidRef(k, g, null), true, 1n);
  // A thread's tid also names a directory, though readdir does not list it.
  const t = k.tasks.get(pid);
  if (t && t.group.exitState !== 'dead') return new PidDir(sb, new PidRef(k, t.group, t), true, 1n);
  return null;
}

type Make = (sb: ProcSuperBlock) => ProcInode;

function file(name: string, show: (sb: ProcSuperBlock) => string): [string, Make] {
  return [name, (sb) => new ProcFileInode(sb, procIno(name), sb.rootOwner, 0o444, () => show(sb), null, `/proc/${name}`)];
}

function link(name: string, target: (task: Task | undefined) => string,
  magic: ((sb: ProcSuperBlock, task: Task) => Location) | null = null): [string, Make] {
  return [name, (sb) => new ProcLinkInode(sb, procIno(name), sb.rootOwner, target,
    magic ? (task) => magic(sb, task) : null, 0o777, `/proc/${name}`)];
}

/** The task a self link is about; a link read outside any task has no target. */
function reader(task: Task | undefined): Task {
  if (!task) throw new Errno(E.ENOENT);
  return task;
}

/**
 * /proc/self and /proc/thread-self resolve straight to the directory, so
 * that the walk does not depend on the link text (which needs the reader).
 */
function selfLocation(sb: ProcSuperBlock, task: Task, thread: boolean): Location {
  const mp = sb.mountPoint();
  const g = task.group;
  const dir = new PidDir(sb, new PidRef(sb.kernel, g, null), true, 1n);
  const loc: Location = { mnt: mp.mnt, inode: dir, path: joinPath(mp.path, String(g.pid)) };
  if (!thread) return loc;
  const taskDir = dir.lookup('task');
  const tdir = taskDir.lookup(String(task.tid));
  return { mnt: mp.mnt, inode: tdir, path: `${loc.path}/task/${task.tid}` };
}

/** /proc/net: the guest's interfaces and routes (net/core/net_procfs.ts). */
function netDir(sb: ProcSuperBlock): ProcInode {
  const f = (name: string, show: (net: Net) => string): [string, () => ProcInode] =>
    [name, () => new ProcFileInode(sb, procIno(`net/${name}`), sb.rootOwner, 0o444, () => show(netOf(sb.kernel)), null, `/proc/net/${name}`)];
  return new TableDir(sb, procIno('net'), sb.rootOwner, [f('dev', procNetDev), f('route', procNetRoute), f('if_inet6', procNetIfInet6), f('unix', () => procNetUnix(sb.kernel))]);
}

/** /proc/sysvipc: the System V IPC objects (ipcs reads these). */
function sysvipcDir(sb: ProcSuperBlock): ProcInode {
  const f = (name: string, show: (k: typeof sb.kernel) => string): [string, () => ProcInode] =>
    [name, () => new ProcFileInode(sb, procIno(`sysvipc/${name}`), sb.rootOwner, 0o444, () => show(sb.kernel), null, `/proc/sysvipc/${name}`)];
  return new TableDir(sb, procIno('sysvipc'), sb.rootOwner, [
    f('msg', showSysvipcMsg), f('sem', showSysvipcSem), f('shm', showSysvipcShm),
  ]);
}

const STATIC: Array<[string, Make]> = [
  file('cmdline', (sb) => showCmdline(sb.kernel)),
  file('cpuinfo', () => showCpuinfo()),
  file('devices', () => showDevices()),
  file('diskstats', () => showDiskstats()),
  file('filesystems', () => showFilesystems()),
  file('loadavg', (sb) => showLoadavg(sb.kernel)),
  file('meminfo', (sb) => showMeminfo(sb.kernel)),
  file('modules', () => ''),
  ['net', (sb) => netDir(sb)],
  link('mounts', () => 'self/mounts'),
  file('partitions', () => showPartitions()),
  file('stat', (sb) => showStat(sb.kernel)),
  file('swaps', () => showSwaps()),
  ['sys', (sb) => sysctlRoot(sb, 1n)],
  ['sysvipc', (sb) => sysvipcDir(sb)],
  file('uptime', (sb) => showUptime(sb.kernel)),
  file('version', () => showVersion()),
  file('vmstat', () => showVmstat()),
  link('self', (t) => String(reader(t).pid), (sb, t) => selfLocation(sb, t, false)),
  link('thread-self', (t) => `${reader(t).pid}/task/${reader(t).tid}`, (sb, t) => selfLocation(sb, t, true)),
];

export class ProcRoot extends ProcDir {
  constructor(readonly sb: ProcSuperBlock) {
    super(sb, 1n, sb.rootOwner, 0o555, 1n);
  }

  children(): Array<[string, ProcInode]> {
    const out: Array<[string, ProcInode]> = STATIC.map(([n, make]) => [n, make(this.sb)]);
    const pids = [...this.sb.kernel.groups.values()].filter((g) => g.exitState !== 'dead').map((g) => g.pid);
    pids.sort((a, b) => a - b);
    for (const pid of pids) {
      const d = pidEntry(this.sb, pid);
      if (d) out.push([String(pid), d]);
    }
    return out;
  }

  override lookup(name: string): Inode {
    const e = STATIC.find(([n]) => n === name);
    if (e) return e[1](this.sb);
    if (/^[1-9][0-9]{0,9}$/.test(name)) {
      const d = pidEntry(this.sb, Number(name));
      if (d) return d;
    }
    throw new Errno(E.ENOENT);
  }

  // Linux counts the static subdirectories and the processes.
  protected override nlink(): number {
    let n = 3; // ".", "..", sys
    for (const g of this.sb.kernel.groups.values()) if (g.exitState !== 'dead') n++;
    return n;
  }
}
