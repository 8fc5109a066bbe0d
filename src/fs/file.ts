// struct file: an open file description of the kernel. Subclasses implement
// the operations their object supports (include/linux/fs.h file_operations);
// the defaults return what Linux returns for an object without them.
import { Errno, E } from '../host/errno.js';
import { WaitQueue } from '../kernel/wait.js';
import type { Task } from '../kernel/task.js';
import type { Location } from './namei.js';

export const O = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400,
  TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, ASYNC: 0o20000,
  DIRECT: 0o40000, LARGEFILE: 0o100000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000,
  NOATIME: 0o1000000, CLOEXEC: 0o2000000, SYNC: 0o4010000, PATH: 0o10000000, TMPFILE: 0o20200000,
} as const;

export const POLL = {
  IN: 0x1, PRI: 0x2, OUT: 0x4, ERR: 0x8, HUP: 0x10, NVAL: 0x20, RDNORM: 0x40, RDBAND: 0x80,
  WRNORM: 0x100, WRBAND: 0x200, MSG: 0x400, RDHUP: 0x2000,
} as const;

export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000,
  S_IFBLK = 0o060000, S_IFDIR = 0o040000, S_IFCHR = 0o020000, S_IFIFO = 0o010000;

/** A struct stat as the kernel fills it for the guest (x86-64 layout). */
export interface Stat {
  dev: bigint; ino: bigint; nlink: bigint; mode: number; uid: number; gid: number;
  rdev: bigint; size: bigint; blksize: bigint; blocks: bigint;
  atime: [bigint, bigint]; mtime: [bigint, bigint]; ctime: [bigint, bigint];
}

export function encodeStat(st: Stat): Buffer {
  const b = Buffer.alloc(144);
  b.writeBigUInt64LE(st.dev, 0); b.writeBigUInt64LE(st.ino, 8); b.writeBigUInt64LE(st.nlink, 16);
  b.writeUInt32LE(st.mode, 24); b.writeUInt32LE(st.uid, 28); b.writeUInt32LE(st.gid, 32);
  b.writeBigUInt64LE(st.rdev, 40); b.writeBigInt64LE(st.size, 48); b.writeBigInt64LE(st.blksize, 56);
  b.writeBigInt64LE(st.blocks, 64);
  b.writeBigInt64LE(st.atime[0], 72); b.writeBigInt64LE(st.atime[1], 80);
  b.writeBigInt64LE(st.mtime[0], 88); b.writeBigInt64LE(st.mtime[1], 96);
  b.writeBigInt64LE(st.ctime[0], 104); b.writeBigInt64LE(st.ctime[1], 112);
  return b;
}

export function decodeStat(b: Buffer): Stat {
  return {
    dev: b.readBigUInt64LE(0), ino: b.readBigUInt64LE(8), nlink: b.readBigUInt64LE(16),
    mode: b.readUInt32LE(24), uid: b.readUInt32LE(28), gid: b.readUInt32LE(32),
    rdev: b.readBigUInt64LE(40), size: b.readBigInt64LE(48), blksize: b.readBigInt64LE(56),
    blocks: b.readBigInt64LE(64),
    atime: [b.readBigInt64LE(72), b.readBigInt64LE(80)],
    mtime: [b.readBigInt64LE(88), b.readBigInt64LE(96)],
    ctime: [b.readBigInt64LE(104), b.readBigInt64LE(112)],
  };
}

let nextAnonIno = 1000n;
/** A stat for objects with no filesystem behind them (pipes, eventfds, ...). */
export function anonStat(mode: number, dev = 0xdn): Stat {
  const now = BigInt(Date.now());
  const t: [bigint, bigint] = [now / 1000n, (now % 1000n) * 1000000n];
  return {
    dev, ino: nextAnonIno++, nlink: 1n, mode, uid: 0, gid: 0, rdev: 0n, size: 0n,
    blksize: 4096n, blocks: 0n, atime: t, mtime: t, ctime: t,
  };
}

export type MaybeAsync<T> = T | Promise<T>;

export abstract class File {
  /** O_* status flags (access mode, O_APPEND, O_NONBLOCK, ...). */
  flags: number;
  pos = 0n;
  /** Readers and writers waiting on this file; poll and epoll wait here too. */
  readonly waitq = new WaitQueue();
  /** Where the file was opened, for /proc/PID/fd and fchdir; null for anonymous objects. */
  location: Location | null = null;
  private refs = 1;

  constructor(flags: number) { this.flags = flags; }

  get readable(): boolean { return (this.flags & O.ACCMODE) !== O.WRONLY && !(this.flags & O.PATH); }
  get writable(): boolean { return (this.flags & O.ACCMODE) !== O.RDONLY && !(this.flags & O.PATH); }
  get nonblock(): boolean { return (this.flags & O.NONBLOCK) !== 0; }

  /** Called when the last reference goes (epoll forgets the file then). */
  readonly closeHooks = new Set<() => void>();

  get(): this { this.refs++; return this; }
  put(): void {
    if (--this.refs !== 0) return;
    for (const h of this.closeHooks) h();
    this.release();
  }
  protected release(): void {}

  /** The name shown by readlink(/proc/PID/fd/N). */
  abstract describe(): string;

  read(_task: Task, _len: number, _pos: bigint | null): MaybeAsync<Buffer> { throw new Errno(E.EINVAL); }
  write(_task: Task, _data: Buffer, _pos: bigint | null): MaybeAsync<number> { throw new Errno(E.EINVAL); }
  llseek(_off: bigint, _whence: number): bigint { throw new Errno(E.ESPIPE); }
  stat(): Stat { throw new Errno(E.EINVAL); }
  ioctl(_task: Task, _cmd: number, _arg: bigint): MaybeAsync<number> { throw new Errno(E.ENOTTY); }
  /** Ready events (POLL.*) right now. */
  poll(): number { return POLL.IN | POLL.OUT; }
  getdents(_max: number): Buffer { throw new Errno(E.ENOTDIR); }
  truncate(_len: bigint): void { throw new Errno(E.EINVAL); }
  /** fallocate(2): ENODEV for objects without it (vfs_fallocate's "no f_op->fallocate"). */
  fallocate(_mode: number, _off: bigint, _len: bigint): void { throw new Errno(E.ENODEV); }
  /** fsync(2): EINVAL for objects that cannot be synced (pipes, terminals). */
  fsync(): void { throw new Errno(E.EINVAL); }
  /** A host fd that maps this object, for mmap of the file (null when it cannot be mapped). */
  hostFd(): number | null { return null; }
  /**
   * open() of /proc/PID/fd/N for a file with no path (a memfd): a new open
   * file description of the same object, as Linux gives; null when the
   * object has no way to make one (the open then shares this description).
   */
  reopen(_task: Task, _flags: number): File | null { return null; }
  /** Whether the file is a terminal. */
  isTty(): boolean { return false; }
}
