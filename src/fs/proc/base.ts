// /proc/PID and /proc/PID/task/TID (fs/proc/base.c, fd.c): the directory of
// one process or thread, made from a table of entries as Linux's
// tgid_base_stuff and tid_base_stuff are. Every entry holds a PidRef and
// answers ESRCH (or ENOENT on lookup) once its process is gone.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { RLIM_INFINITY, RLIM_NLIMITS } from '../../kernel/rlimit.js';
import { anonStat, File, O, type Stat } from '../file.js';
import type { Inode } from '../inode.js';
import type { Location } from '../namei.js';
import type { MntNamespace } from '../mount.js';
import { dPath } from '../d_path.js';
import {
  ProcDir, ProcFileInode, ProcInode, ProcLinkInode, ProcPathFile, procIno, type ProcSb, type Show, type Store,
} from './generic.js';
import { PidRef, translateMaps } from './pid.js';
import { showStat, showStatm, showStatus } from './array.js';
import { ANON_MOUNT_ID, mountId, showMountinfo, showMounts } from './mounts.js';

type Make = (sb: ProcSb, ref: PidRef, parent: ProcDir) => ProcInode;
type Entry = [string, Make];

/** ptrace_may_access(PTRACE_MODE_READ), reduced to ids: root, or the owner itself. */
function mayAccess(reader: Task | undefined, ref: PidRef): void {
  if (!reader) return;
  const c = reader.cred;
  if (c.fsuid === 0 || reader.group === ref.group || c.fsuid === ref.owner().uid) return;
  throw new Errno(E.EACCES);
}

/** The task an entry needs, or ESRCH when the process is gone (get_proc_task() failing). */
function liveTask(ref: PidRef): Task {
  const t = ref.alive() && ref.group.exitState === 'running' ? ref.task() : undefined;
  if (!t) throw new Errno(E.ESRCH);
  return t;
}

function reg(name: string, perm: number, show: (ref: PidRef, reader: Task) => string | Buffer,
  store?: (ref: PidRef, writer: Task, data: Buffer) => number): Entry {
  return [name, (sb, ref) => {
    const s: Show = (reader) => {
      if (!ref.alive()) throw new Errno(E.ESRCH);
      return show(ref, reader);
    };
    const w: Store | null = store ? (writer, data) => {
      if (!ref.alive()) throw new Errno(E.ESRCH);
      return store(ref, writer, data);
    } : null;
    return new ProcFileInode(sb, procIno(ref.key(name)), () => ref.owner(), perm, s, w, `/proc/${ref.key(name)}`);
  }];
}

/** A location's path as d_path() writes it for reader: " (deleted)" once its inode is gone. */
function locText(loc: Location, reader: Task | undefined): string {
  const p = dPath(loc, reader?.fs.root ?? null);
  try { loc.inode.getattr(); } catch (e) {
    if (e instanceof Errno && e.errno === E.ENOENT) return `${p} (deleted)`;
  }
  return p;
}

/** An open file's link text: its location's path for reader, with what the file adds to it. */
export function fileLinkText(f: File, reader: Task | undefined): string {
  const d = f.describe();
  if (!f.location || !d.startsWith(f.location.path)) return d;
  const text = dPath(f.location, reader?.fs.root ?? null) + d.slice(f.location.path.length);
  return !text.endsWith(' (deleted)') && fileUnlinked(f) ? `${text} (deleted)` : text;
}

/** d_unlinked for an open file: no link left (its own stat says so), or its name is gone. */
function fileUnlinked(f: File): boolean {
  try { if (f.stat().nlink === 0n) return true; } catch { /* no stat of its own */ }
  try { f.location!.inode.getattr(); } catch (e) { return e instanceof Errno && e.errno === E.ENOENT; }
  return false;
}

function lnk(name: string, loc: (ref: PidRef) => Location, text: (ref: PidRef, reader: Task | undefined) => string = (ref, reader) => locText(loc(ref), reader)): Entry {
  return [name, (sb, ref) => new ProcLinkInode(sb, procIno(ref.key(name)), () => ref.owner(),
    (reader) => { mayAccess(reader, ref); return text(ref, reader); },
    (task) => { mayAccess(task, ref); return loc(ref); }, 0o777, `/proc/${ref.key(name)}`)];
}

function exeLocation(ref: PidRef): Location {
  const g = ref.group;
  if (g.exitState !== 'running' || !g.exe) throw new Errno(E.ENOENT);
  // A program run from an open file with no name (fexecve of a memfd) has no location.
  return g.exeLoc ?? ref.kernel.namei.lookupCanonical(g.exe);
}

/** The program's path; one that was removed shows " (deleted)", as d_path() writes it. */
function exeLinkText(ref: PidRef, reader: Task | undefined): string {
  const g = ref.group;
  if (g.exitState !== 'running' || !g.exe) throw new Errno(E.ENOENT);
  if (g.exeLoc) return locText(g.exeLoc, reader);
  try { exeLocation(ref); } catch (e) {
    if (e instanceof Errno && e.errno === E.ENOENT) return `${g.exe} (deleted)`;
  }
  return g.exe;
}

// ---- fd/ and fdinfo/ ----

/** lstat of /proc/PID/fd/N: the access mode shows as owner permissions (tid_fd_update_inode()). */
function fdLinkPerm(f: File): number {
  let perm = 0;
  if (f.readable) perm |= 0o500;
  if (f.writable) perm |= 0o300;
  return perm;
}

function fdEntries(ref: PidRef): Array<[number, File, boolean]> {
  if (!ref.alive() || ref.group.exitState !== 'running') return [];
  const t = ref.task();
  if (!t) return [];
  return [...t.files.fds].sort((a, b) => a[0] - b[0]).map(([fd, e]) => [fd, e.file, e.cloexec]);
}

function openFd(ref: PidRef, fd: number): { file: File; cloexec: boolean } {
  const e = liveTask(ref).files.fds.get(fd);
  if (!e) throw new Errno(E.ENOENT);
  return e;
}

function parseFd(name: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(name)) throw new Errno(E.ENOENT);
  return Number(name);
}

class FdDir extends ProcDir {
  constructor(sb: ProcSb, readonly ref: PidRef, parentIno: bigint) {
    super(sb, procIno(ref.key('fd')), () => ref.owner(), 0o500, parentIno);
  }

  private fdLink(fd: number, file: File): ProcInode {
    const ref = this.ref;
    return new ProcLinkInode(this.sb, procIno(ref.key(`fd/${fd}`)), () => ref.owner(),
      (reader) => { mayAccess(reader, ref); return fileLinkText(openFd(ref, fd).file, reader); },
      // The open file itself: opening /proc/PID/fd/N shares nothing with a new walk.
      (task) => { mayAccess(task, ref); return openFd(ref, fd).file; },
      fdLinkPerm(file), `/proc/${ref.key(`fd/${fd}`)}`);
  }

  children(): Array<[string, ProcInode]> {
    return fdEntries(this.ref).map(([fd, f]) => [String(fd), this.fdLink(fd, f)]);
  }

  override lookup(name: string): Inode {
    const fd = parseFd(name);
    return this.fdLink(fd, openFd(this.ref, fd).file);
  }

  // A plain directory's count, as Linux's (fd/N are links, not subdirectories).
  protected override nlink(): number { return 2; }
}

/** The position of a file without moving it; files that cannot seek show their pos field. */
function filePos(f: File): bigint {
  try { return f.llseek(0n, 1); } catch { return f.pos; }
}

function showFdinfo(file: File, cloexec: boolean): string {
  let flags = file.flags | (cloexec ? O.CLOEXEC : 0);
  // open(2) on x86-64 forces O_LARGEFILE (force_o_largefile()).
  if (file.location) flags |= O.LARGEFILE;
  let ino = 0n;
  try { ino = file.stat().ino; } catch { /* objects without a stat show 0 */ }
  const mnt = file.location ? mountId(file.location.mnt) : ANON_MOUNT_ID;
  return `pos:\t${filePos(file)}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${mnt}\nino:\t${ino}\n`;
}

class FdInfoDir extends ProcDir {
  constructor(sb: ProcSb, readonly ref: PidRef, parentIno: bigint) {
    super(sb, procIno(ref.key('fdinfo')), () => ref.owner(), 0o555, parentIno);
  }

  private info(fd: number): ProcInode {
    const ref = this.ref;
    return new ProcFileInode(this.sb, procIno(ref.key(`fdinfo/${fd}`)), () => ref.owner(), 0o400,
      (reader) => {
        mayAccess(reader, ref);
        const e = openFd(ref, fd);
        return showFdinfo(e.file, e.cloexec);
      }, null, `/proc/${ref.key(`fdinfo/${fd}`)}`);
  }

  children(): Array<[string, ProcInode]> {
    return fdEntries(this.ref).map(([fd]) => [String(fd), this.info(fd)]);
  }

  override lookup(name: string): Inode {
    const fd = parseFd(name);
    openFd(this.ref, fd);
    return this.info(fd);
  }
}

// ---- ns/ ----

/**
 * The namespaces of the initial set, the only ones the guest has: their
 * inode numbers are the PROC_*_INIT_INO constants of include/linux/proc_ns.h
 * (mnt and net have none; these are the first numbers proc_alloc_inum() gives).
 */
const NAMESPACES: Array<[string, string, bigint]> = [
  ['cgroup', 'cgroup', 0xeffffffbn], ['ipc', 'ipc', 0xefffffffn], ['mnt', 'mnt', 0xf0000001n],
  ['net', 'net', 0xf0000000n], ['pid', 'pid', 0xeffffffcn], ['pid_for_children', 'pid', 0xeffffffcn],
  ['time', 'time', 0xeffffffan], ['time_for_children', 'time', 0xeffffffan], ['user', 'user', 0xeffffffdn],
  ['uts', 'uts', 0xeffffffen],
];

/** An open namespace (nsfs): what following /proc/PID/ns/X gives, for fstat and setns. */
export class NsFile extends File {
  /** mnt: the namespace itself (the other kinds have one instance per machine). */
  constructor(readonly nsType: string, readonly inum: bigint, readonly mntns: MntNamespace | null = null, flags = O.RDONLY) { super(flags); }
  describe(): string { return `${this.nsType}:[${this.inum}]`; }
  override stat(): Stat {
    const st = anonStat(0o100444, 0x4n);
    st.ino = this.inum;
    return st;
  }
}

class NsDir extends ProcDir {
  constructor(sb: ProcSb, readonly ref: PidRef, parentIno: bigint) {
    super(sb, procIno(ref.key('ns')), () => ref.owner(), 0o511, parentIno);
  }

  private ns(name: string, type: string, inum: bigint): ProcInode {
    const ref = this.ref;
    // The mount namespace is the task's own; the others are the machine's only ones.
    const mnt = (t: Task) => (type === 'mnt' ? t.mntns : null);
    const num = (t: Task) => (type === 'mnt' ? BigInt(t.mntns.inum) : inum);
    return new ProcLinkInode(this.sb, procIno(ref.key(`ns/${name}`)), () => ref.owner(),
      (reader) => { mayAccess(reader, ref); return `${type}:[${num(liveTask(ref))}]`; },
      (task) => { mayAccess(task, ref); const t = liveTask(ref); return new NsFile(type, num(t), mnt(t)); },
      0o777, `/proc/${ref.key(`ns/${name}`)}`);
  }

  children(): Array<[string, ProcInode]> {
    if (!this.ref.alive()) return [];
    return NAMESPACES.map(([n, type, inum]) => [n, this.ns(n, type, inum)]);
  }
}

// ---- task/ ----

class TaskDir extends ProcDir {
  constructor(sb: ProcSb, readonly ref: PidRef, parentIno: bigint) {
    super(sb, procIno(ref.key('task')), () => ref.owner(), 0o555, parentIno);
  }

  private threads(): Task[] {
    if (!this.ref.alive()) return [];
    return [...this.ref.group.threads].sort((a, b) => a.tid - b.tid);
  }

  private dir(t: Task): PidDir {
    return new PidDir(this.sb, new PidRef(this.ref.kernel, this.ref.group, t), false, this.ino);
  }

  children(): Array<[string, ProcInode]> { return this.threads().map((t) => [String(t.tid), this.dir(t)]); }

  override lookup(name: string): Inode {
    const t = this.threads().find((x) => String(x.tid) === name);
    if (!t) throw new Errno(E.ENOENT);
    return this.dir(t);
  }
}

// ---- /proc/PID/mem ----

/** /proc/PID/mem: the process's memory at file offsets equal to addresses. */
class MemFile extends File {
  constructor(readonly inode: ProcInode, readonly ref: PidRef, flags: number) { super(flags); }

  describe(): string { return this.location?.path ?? `/proc/${this.ref.key('mem')}`; }

  override read(_task: Task, len: number, pos: bigint | null): Buffer {
    const at = BigInt.asUintN(64, pos ?? this.pos);
    const b = liveTask(this.ref).mem.readPartial(at, Math.min(len, 1 << 20));
    if (b.length === 0 && len > 0) throw new Errno(E.EIO);
    if (pos === null) this.pos = BigInt.asIntN(64, at + BigInt(b.length));
    return b;
  }

  override write(_task: Task, data: Buffer, pos: bigint | null): number {
    const at = BigInt.asUintN(64, pos ?? this.pos);
    try { liveTask(this.ref).mem.write(at, data); } catch (e) {
      if (e instanceof Errno && e.errno === E.EFAULT) throw new Errno(E.EIO);
      throw e;
    }
    if (pos === null) this.pos = BigInt.asIntN(64, at + BigInt(data.length));
    return data.length;
  }

  // Offsets are addresses: any value is a valid position (FMODE_UNSIGNED_OFFSET).
  override llseek(off: bigint, whence: number): bigint {
    if (whence === 0) this.pos = off;
    else if (whence === 1) this.pos = BigInt.asIntN(64, this.pos + off);
    else throw new Errno(E.EINVAL);
    return this.pos;
  }

  override stat(): Stat { return this.inode.getattr(); }
}

class MemInode extends ProcInode {
  constructor(sb: ProcSb, readonly ref: PidRef) {
    super(sb, procIno(ref.key('mem')), () => ref.owner());
  }
  procMode(): number { return 0o100600; }
  override open(task: Task, flags: number): File {
    if (flags & O.PATH) return new ProcPathFile(this, flags, `/proc/${this.ref.key('mem')}`);
    this.checkOpen(task, flags);
    mayAccess(task, this.ref);
    liveTask(this.ref);
    return new MemFile(this, this.ref, flags);
  }
}

// ---- small files ----

const LIMITS: Array<[string, string]> = [
  ['Max cpu time', 'seconds'], ['Max file size', 'bytes'], ['Max data size', 'bytes'],
  ['Max stack size', 'bytes'], ['Max core file size', 'bytes'], ['Max resident set', 'bytes'],
  ['Max processes', 'processes'], ['Max open files', 'files'], ['Max locked memory', 'bytes'],
  ['Max address space', 'bytes'], ['Max file locks', 'locks'], ['Max pending signals', 'signals'],
  ['Max msgqueue size', 'bytes'], ['Max nice priority', ''], ['Max realtime priority', ''],
  ['Max realtime timeout', 'us'],
];

/** /proc/PID/limits: proc_pid_limits()'s table. */
function showLimits(ref: PidRef): string {
  const r = ref.group.rlimits;
  const v = (x: bigint) => (x === RLIM_INFINITY ? 'unlimited' : x.toString());
  let s = `${'Limit'.padEnd(25)} ${'Soft Limit'.padEnd(20)} ${'Hard Limit'.padEnd(20)} ${'Units'.padEnd(10)}\n`;
  for (let i = 0; i < RLIM_NLIMITS && i < LIMITS.length; i++) {
    const [name, unit] = LIMITS[i];
    s += `${name.padEnd(25)} ${v(r.cur[i]).padEnd(20)} ${v(r.max[i]).padEnd(20)} ` + (unit ? `${unit.padEnd(10)}\n` : '\n');
  }
  return s;
}

/** argv or envp as the process's memory holds them: each string NUL-terminated. */
function nulJoined(list: string[], zombie: boolean): string {
  if (zombie || list.length === 0) return '';
  return list.map((s) => s + '\0').join('');
}

function writeComm(ref: PidRef, writer: Task, data: Buffer): number {
  const t = liveTask(ref);
  // Only a thread of the same process may rename it (comm_write()).
  if (writer.group !== ref.group) throw new Errno(E.EINVAL);
  let b = data.subarray(0, 15);
  const z = b.indexOf(0);
  if (z >= 0) b = b.subarray(0, z);
  const name = b.toString('latin1');
  t.comm = name;
  if (t.tid === ref.group.pid) ref.group.comm = name;
  return data.length;
}

// Values a process may set that nothing else in the kernel acts on yet.
const oomScoreAdj = new WeakMap<object, number>();
const loginUid = new WeakMap<object, number>();
const coredumpFilter = new WeakMap<object, number>();

function parseIntStrict(data: Buffer, min: number, max: number): number {
  const s = data.toString('latin1').trim();
  if (!/^-?\d+$/.test(s)) throw new Errno(E.EINVAL);
  const n = Number(s);
  if (n < min || n > max) throw new Errno(E.EINVAL);
  return n;
}

const ID_MAP = '         0          0 4294967295\n';

function mapsOf(ref: PidRef, name: string): string {
  const s = ref.hostText(name);
  return s === null ? '' : translateMaps(ref.kernel, s);
}

function childrenOf(ref: PidRef): string {
  // Children are the process's; Linux attributes them to the thread that forked.
  if (ref.thread && ref.thread.tid !== ref.group.pid) return '';
  return [...ref.group.children].filter((c) => c.exitState !== 'dead').map((c) => `${c.pid} `).join('');
}

/** Entries of both /proc/PID and /proc/PID/task/TID, in Linux's order. */
const COMMON: Entry[] = [
  ['fd', (sb, ref, parent) => new FdDir(sb, ref, parent.ino)],
  ['fdinfo', (sb, ref, parent) => new FdInfoDir(sb, ref, parent.ino)],
  reg('environ', 0o400, (ref, reader) => { mayAccess(reader, ref); return nulJoined(ref.group.environ, ref.group.exitState !== 'running'); }),
  reg('auxv', 0o400, (ref, reader) => { mayAccess(reader, ref); return ref.host('auxv') ?? Buffer.alloc(0); }),
  reg('status', 0o444, (ref, reader) => showStatus(ref, reader)),
  reg('personality', 0o400, () => '00000000\n'),
  reg('limits', 0o444, (ref) => showLimits(ref)),
  reg('comm', 0o644, (ref) => `${ref.task()?.comm || ref.group.comm}\n`, writeComm),
  reg('cmdline', 0o444, (ref) => nulJoined(ref.group.cmdline, ref.group.exitState !== 'running')),
  reg('stat', 0o444, (ref, reader) => showStat(ref, reader)),
  reg('statm', 0o444, (ref) => showStatm(ref)),
  reg('maps', 0o444, (ref) => mapsOf(ref, 'maps')),
  ['mem', (sb, ref) => new MemInode(sb, ref)],
  lnk('cwd', (ref) => liveTask(ref).fs.cwd),
  lnk('root', (ref) => liveTask(ref).fs.root),
  lnk('exe', exeLocation, exeLinkText),
  ['ns', (sb, ref, parent) => new NsDir(sb, ref, parent.ino)],
  reg('mounts', 0o444, (ref) => showMounts(ref.kernel, liveTask(ref))),
  reg('mountinfo', 0o444, (ref) => showMountinfo(ref.kernel, liveTask(ref))),
  reg('smaps', 0o444, (ref) => mapsOf(ref, 'smaps')),
  reg('smaps_rollup', 0o444, (ref) => mapsOf(ref, 'smaps_rollup')),
  reg('loginuid', 0o644, (ref) => String(loginUid.get(ref.group) ?? 4294967295),
    (ref, _w, data) => { loginUid.set(ref.group, parseIntStrict(data, 0, 4294967295)); return data.length; }),
  reg('sessionid', 0o444, () => '4294967295'),
  reg('coredump_filter', 0o644, (ref) => `${(coredumpFilter.get(ref.group) ?? 0x33).toString(16).padStart(8, '0')}\n`,
    (ref, _w, data) => {
      // kstrtouint(base 0): 0x for hex, a leading 0 for octal, else decimal.
      const v = data.toString('latin1').trim();
      let n: number;
      if (/^0x[0-9a-f]+$/i.test(v)) n = parseInt(v.slice(2), 16);
      else if (/^0[0-7]*$/.test(v)) n = parseInt(v, 8);
      else if (/^[1-9][0-9]*$/.test(v)) n = Number(v);
      else throw new Errno(E.EINVAL);
      if (n > 0xffffffff) throw new Errno(E.ERANGE);
      coredumpFilter.set(ref.group, n);
      return data.length;
    }),
  reg('oom_score', 0o444, () => '0\n'),
  reg('oom_score_adj', 0o644, (ref) => `${oomScoreAdj.get(ref.group) ?? 0}\n`,
    (ref, _w, data) => { oomScoreAdj.set(ref.group, parseIntStrict(data, -1000, 1000)); return data.length; }),
  reg('wchan', 0o444, () => '0'),
  reg('cgroup', 0o444, () => '0::/\n'),
  // The guest has one user namespace, the initial one, whose maps are fixed.
  reg('uid_map', 0o644, () => ID_MAP, () => { throw new Errno(E.EPERM); }),
  reg('gid_map', 0o644, () => ID_MAP, () => { throw new Errno(E.EPERM); }),
  reg('setgroups', 0o644, () => 'allow\n', () => { throw new Errno(E.EPERM); }),
];

const TGID_ENTRIES: Entry[] = [
  ['task', (sb, ref, parent) => new TaskDir(sb, new PidRef(ref.kernel, ref.group, null), parent.ino)],
  ...COMMON,
];

const TID_ENTRIES: Entry[] = [
  ...COMMON,
  reg('children', 0o444, (ref) => childrenOf(ref)),
];

/** /proc/PID (tgid = true) or /proc/PID/task/TID. */
export class PidDir extends ProcDir {
  constructor(sb: ProcSb, readonly ref: PidRef, private readonly tgid: boolean, parentIno: bigint) {
    super(sb, procIno(ref.key()), () => ref.owner(), 0o555, parentIno);
  }

  private table(): Entry[] { return this.tgid ? TGID_ENTRIES : TID_ENTRIES; }

  children(): Array<[string, ProcInode]> {
    if (!this.ref.alive()) return [];
    return this.table().map(([name, make]) => [name, make(this.sb, this.ref, this)]);
  }

  override lookup(name: string): Inode {
    if (!this.ref.alive()) throw new Errno(E.ENOENT);
    const e = this.table().find(([n]) => n === name);
    if (!e) throw new Errno(E.ENOENT);
    return e[1](this.sb, this.ref, this);
  }

  // A fixed count, as Linux's pid_entry_nlink(): 2 plus the subdirectories.
  protected override nlink(): number {
    return 2 + (this.tgid ? 4 : 3);
  }
}
