// hostfs (fs/hostfs in UML): a directory of the host seen as a filesystem of
// the guest. Each inode is a host path; every operation is the host system
// call on it, made with the rights of the host user that runs tuml. The path
// walk is the kernel's (namei.ts), so host symlinks are followed inside the
// guest's tree, never the host's.
import { Errno, E } from '../../host/errno.js';
import { syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import type { Task } from '../../kernel/task.js';
import { decodeStat, File, O, S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, type Stat } from '../file.js';
import { Inode, type SetAttr, type SuperBlock } from '../inode.js';
import { joinPath } from '../namei.js';
import { openDevice } from '../../drivers/registry.js';
import { openFifo } from '../pipe.js';
import { DeadDirFile, HostFile } from './file.js';
import { inodeInitOwner } from '../permission.js';
import { CAP } from '../../kernel/cred.js';

function ok(r: number): number {
  if (r < 0) throw new Errno(-r);
  return r;
}

export class HostSuperBlock implements SuperBlock {
  readonly type = 'hostfs';
  readonly root: HostInode;
  constructor(readonly hostRoot: string, readonly dev: bigint, readonly source = 'none') {
    this.root = new HostInode(this, hostRoot === '/' ? '/' : hostRoot.replace(/\/+$/, ''));
  }
  options(): string { return `rw,relatime,${this.hostRoot}`; }
  statfs(): Buffer {
    ok(syscall(sys.NR.statfs, sys.hostPath(this.hostRoot), sys.ioAddr()));
    return Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + 120));
  }
}

/**
 * The host user running tuml is root inside: files it owns show as owned by
 * uid 0 / gid 0, as in a user namespace that maps the host user to root.
 */
const AT_SYMLINK_FOLLOW = 0x400;

const HOST_UID = process.getuid?.() ?? 0;
const HOST_GID = process.getgid?.() ?? 0;
export function hostToGuest(st: Stat): Stat {
  if (st.uid === HOST_UID) st.uid = 0;
  if (st.gid === HOST_GID) st.gid = 0;
  return st;
}
const guestToHostUid = (u: number | undefined) => (u === 0 ? HOST_UID : u);
const guestToHostGid = (g: number | undefined) => (g === 0 ? HOST_GID : g);

export class HostInode extends Inode {
  /** S_IFMT of the inode: it never changes, and a removed inode still has it. */
  private type: number;
  constructor(readonly sb: HostSuperBlock, readonly hostPath: string, mode?: number) {
    super();
    this.type = (mode ?? this.getattr().mode) & S_IFMT;
  }

  private child(name: string): string { return joinPath(this.hostPath, name); }

  override get mode(): number {
    try { return this.getattr().mode; } catch { return this.type; }
  }
  override isDir(): boolean { return this.type === 0o040000; }
  override isLink(): boolean { return this.type === 0o120000; }

  getattr(): Stat {
    const { r, st } = sys.lstat(this.hostPath);
    ok(r);
    return hostToGuest(decodeStat(st));
  }

  lookup(name: string): Inode {
    if (!this.isDir()) throw new Errno(E.ENOTDIR);
    const p = this.child(name);
    const { r, st } = sys.lstat(p);
    ok(r);
    return new HostInode(this.sb, p, st.readUInt32LE(24));
  }

  readlink(): string {
    const r = sys.readlink(this.hostPath);
    if (typeof r === 'number') throw new Errno(-r);
    return r;
  }

  open(task: Task, flags: number): File {
    if (this.isDir()) return this.openHost(flags);
    const st = this.getattr();
    const type = st.mode & S_IFMT;
    if (!(flags & O.PATH)) {
      // Device nodes are the kernel's, whatever filesystem they live on.
      if (type === S_IFCHR || type === S_IFBLK) return openDevice(task, type, st.rdev, flags);
      if (type === S_IFIFO) return openFifo(task, `hostfs:${st.dev}:${st.ino}`, flags);
      if (type === S_IFSOCK) throw new Errno(E.ENXIO);
    }
    return this.openHost(flags);
  }

  private openHost(flags: number): File {
    const hostFlags = (flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.NONBLOCK | O.ASYNC)) | O.CLOEXEC | O.NOFOLLOW;
    const fd = sys.openat(this.hostPath, hostFlags);
    // A directory removed while it was some task's cwd can still be opened
    // (its inode lives on); reading it then fails with ENOENT, as on Linux.
    if (fd === -E.ENOENT && this.isDir()) return new DeadDirFile(flags, this.hostPath);
    return new HostFile(ok(fd), flags, this.hostPath);
  }

  create(task: Task, name: string, mode: number, flags: number): File {
    const p = this.child(name);
    const hostFlags = (flags & ~(O.NOCTTY | O.NONBLOCK | O.ASYNC)) | O.CREAT | O.CLOEXEC | O.NOFOLLOW;
    const fd = ok(sys.openat(p, hostFlags, mode));
    this.initOwner(task, p, S_IFREG | mode);
    return new HostFile(fd, flags, p);
  }

  mkdir(task: Task, name: string, mode: number): void {
    ok(syscall(sys.NR.mkdirat, sys.AT_FDCWD, sys.hostPath(this.child(name)), mode));
    this.initOwner(task, this.child(name), 0o040000 | mode);
  }

  mknod(task: Task, name: string, mode: number, dev: bigint): void {
    ok(syscall(sys.NR.mknodat, sys.AT_FDCWD, sys.hostPath(this.child(name)), mode, dev));
    this.initOwner(task, this.child(name), mode);
  }

  /**
   * inode_init_owner() for a file the host just made for the guest: the
   * host made it the host user's (guest root's) with the host's rules; when
   * the guest's creator is someone else, or the guest's setgid rules differ,
   * the owner and mode are set to what the guest's kernel says, as far as
   * the host user may (a host user that is not root keeps the file, as
   * UML's hostfs does).
   */
  private initOwner(task: Task, path: string, mode: number): void {
    const c = task.cred;
    if (c.fsuid === 0 && c.fsgid === 0 && c.capable(CAP.FSETID)) return;
    const now = () => {
      const { r, st } = sys.lstat(path);
      return r < 0 ? null : hostToGuest(decodeStat(st));
    };
    const want = inodeInitOwner(c, this.getattr(), mode);
    let st = now();
    if (st && (st.uid !== want.uid || st.gid !== want.gid)) {
      syscall(sys.NR.fchownat, sys.AT_FDCWD, sys.hostPath(path), guestToHostUid(want.uid)!, guestToHostGid(want.gid)!, sys.AT_SYMLINK_NOFOLLOW);
      st = now();
    }
    // A chown clears setuid bits, and the host's setgid rules are the host user's.
    if (st && (st.mode & S_IFMT) !== 0o120000 && (want.mode & 0o7777) !== (st.mode & 0o7777)) {
      syscall(sys.NR.fchmodat, sys.AT_FDCWD, sys.hostPath(path), want.mode & 0o7777);
    }
  }

  unlink(_task: Task, name: string): void {
    ok(syscall(sys.NR.unlinkat, sys.AT_FDCWD, sys.hostPath(this.child(name)), 0));
  }

  rmdir(_task: Task, name: string): void {
    ok(syscall(sys.NR.unlinkat, sys.AT_FDCWD, sys.hostPath(this.child(name)), sys.AT_REMOVEDIR));
  }

  symlink(task: Task, target: string, name: string): void {
    ok(syscall(sys.NR.symlinkat, sys.hostPath(target, 0), sys.AT_FDCWD, sys.hostPath(this.child(name), 1)));
    this.initOwner(task, this.child(name), 0o120777);
  }

  link(_task: Task, old: Inode, name: string): void {
    if (old instanceof HostTmpInode) {
      // An O_TMPFILE file has no host path; the host links it from its open
      // fd's /proc link (allowed unprivileged for a linkable unnamed file,
      // refused with ENOENT when it was opened O_EXCL).
      ok(syscall(sys.NR.linkat, sys.AT_FDCWD, sys.hostPath(old.procPath, 0), sys.AT_FDCWD, sys.hostPath(this.child(name), 1), AT_SYMLINK_FOLLOW));
      return;
    }
    if (!(old instanceof HostInode)) throw new Errno(E.EXDEV);
    ok(syscall(sys.NR.linkat, sys.AT_FDCWD, sys.hostPath(old.hostPath, 0), sys.AT_FDCWD, sys.hostPath(this.child(name), 1), 0));
  }

  tmpfile(_task: Task, mode: number, flags: number): { file: File; inode: Inode } {
    if (!this.isDir()) throw new Errno(E.ENOTDIR);
    // O_TMPFILE (with its O_DIRECTORY) and O_EXCL go to the host, which then
    // keeps the file linkable or not, as Linux's I_LINKABLE.
    const hostFlags = (flags & ~(O.CREAT | O.NOCTTY | O.NONBLOCK | O.ASYNC | O.TRUNC)) | O.CLOEXEC | O.NOFOLLOW;
    const fd = ok(sys.openat(this.hostPath, hostFlags, mode));
    const file = new HostFile(fd, flags & ~(O.EXCL | O.NOCTTY | O.TRUNC), `${this.hostPath}/#tmpfile (deleted)`);
    return { file, inode: new HostTmpInode(this.sb, file) };
  }

  rename(_task: Task, oldName: string, newDir: Inode, newName: string, flags: number): void {
    if (!(newDir instanceof HostInode)) throw new Errno(E.EXDEV);
    ok(syscall(sys.NR.renameat2, sys.AT_FDCWD, sys.hostPath(this.child(oldName), 0),
      sys.AT_FDCWD, sys.hostPath(newDir.child(newName), 1), flags));
  }

  setattr(_task: Task, a: SetAttr): void { hostSetattr(this.hostPath, a, sys.AT_SYMLINK_NOFOLLOW); }

  access(task: Task, mode: number): void { hostAccess(task, this.hostPath, mode); }

  getxattr(name: string): Buffer {
    const r = ok(syscall(sys.NR.lgetxattr, sys.hostPath(this.hostPath, 0), sys.hostPath(name, 1), sys.ioAddr(), 65536));
    return Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + r));
  }

  listxattr(): Buffer {
    const r = ok(syscall(sys.NR.llistxattr, sys.hostPath(this.hostPath), sys.ioAddr(), 65536));
    return Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + r));
  }

  setxattr(_task: Task, name: string, value: Buffer, flags: number): void {
    value.copy(sys.ioBuf, sys.IO_DATA);
    ok(syscall(sys.NR.lsetxattr, sys.hostPath(this.hostPath, 0), sys.hostPath(name, 1), sys.ioAddr(), value.length, flags));
  }

  removexattr(_task: Task, name: string): void {
    ok(syscall(sys.NR.lremovexattr, sys.hostPath(this.hostPath, 0), sys.hostPath(name, 1)));
  }
}

/** setattr on a host path; nofollow is AT_SYMLINK_NOFOLLOW or 0 (through a /proc fd link). */
function hostSetattr(path: string, a: SetAttr, nofollow: number): void {
  const p = () => sys.hostPath(path);
  if (a.mode !== undefined) ok(syscall(sys.NR.fchmodat, sys.AT_FDCWD, p(), a.mode & 0o7777));
  if (a.uid !== undefined || a.gid !== undefined) {
    ok(syscall(sys.NR.fchownat, sys.AT_FDCWD, p(), guestToHostUid(a.uid) ?? -1, guestToHostGid(a.gid) ?? -1, nofollow));
  }
  if (a.size !== undefined) ok(syscall(sys.NR.truncate, p(), a.size));
  if (a.atime !== undefined || a.mtime !== undefined) {
    const UTIME_NOW = (1n << 30n) - 1n, UTIME_OMIT = (1n << 30n) - 2n;
    const enc = (t: SetAttr['atime'], at: number) => {
      const [s, ns] = t === undefined || t === 'omit' ? [0n, UTIME_OMIT] : t === 'now' ? [0n, UTIME_NOW] : t;
      sys.ioBuf.writeBigInt64LE(s, sys.IO_DATA + at);
      sys.ioBuf.writeBigInt64LE(ns, sys.IO_DATA + at + 8);
    };
    enc(a.atime, 0); enc(a.mtime, 16);
    ok(syscall(sys.NR.utimensat, sys.AT_FDCWD, p(), sys.ioAddr(), nofollow));
  }
}

function hostAccess(_task: Task, path: string, mode: number): void {
  // The kernel has checked the guest's permissions; what the host adds to
  // access(W_OK) is a read-only host filesystem (the host user's own rights
  // show when the operation itself is tried).
  if (!(mode & 2)) return;
  const r = syscall(sys.NR.faccessat2, sys.AT_FDCWD, sys.hostPath(path), 2, 0x200 /* AT_EACCESS */);
  if (r === -E.EROFS) throw new Errno(E.EROFS);
}

/**
 * The inode of an O_TMPFILE file (Linux's unnamed, I_LINKABLE inode): it has
 * no host path, only the host fd the kernel holds open on it, so the host
 * reaches it through tuml's own /proc/self/fd link to that fd, which the host
 * follows to the file itself (as it does for any unlinked open file).
 */
export class HostTmpInode extends Inode {
  constructor(readonly sb: HostSuperBlock, private readonly file: HostFile) { super(); }

  /** The host path that names the open file (valid while the file is open). */
  get procPath(): string { return `/proc/self/fd/${this.file.fd}`; }

  getattr(): Stat { return this.file.stat(); }

  override open(_task: Task, flags: number): File {
    // Reopening /proc/PID/fd/N of the file: a new open file description.
    const hostFlags = (flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.NONBLOCK | O.ASYNC | O.NOFOLLOW)) | O.CLOEXEC;
    const fd = ok(sys.openat(this.procPath, hostFlags));
    return new HostFile(fd, flags, this.file.name);
  }

  override setattr(_task: Task, a: SetAttr): void { hostSetattr(this.procPath, a, 0); }
  override access(task: Task, mode: number): void { hostAccess(task, this.procPath, mode); }
}
