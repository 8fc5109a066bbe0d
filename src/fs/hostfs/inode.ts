// hostfs (fs/hostfs in UML): a directory of the host seen as a filesystem of
// the guest. Each inode is a host path; every operation is the host system
// call on it, made with the rights of the host user that runs tuml. The path
// walk is the kernel's (namei.ts), so host symlinks are followed inside the
// guest's tree, never the host's.
import { Errno, E } from '../../host/errno.js';
import { syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import type { Task } from '../../kernel/task.js';
import { decodeStat, File, O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK, type Stat } from '../file.js';
import { Inode, type SetAttr, type SuperBlock } from '../inode.js';
import { joinPath } from '../namei.js';
import { openDevice } from '../../drivers/registry.js';
import { openFifo } from '../pipe.js';
import { DeadDirFile, HostFile } from './file.js';
import { inodeInitOwner } from '../permission.js';
import { META_FILE, type MetaStore } from './meta.js';
import { CAP } from '../../kernel/cred.js';

function ok(r: number): number {
  if (r < 0) throw new Errno(-r);
  return r;
}

export class HostSuperBlock implements SuperBlock {
  readonly type = 'hostfs';
  readonly root: HostInode;
  /** hostRoot without a trailing slash ("" for the host's /), to make store paths. */
  private readonly prefix: string;
  /**
   * meta: the metadata store that keeps the guest's owners, modes, device
   * nodes and xattrs of these host files (null: the host's own, as UML).
   */
  constructor(readonly hostRoot: string, readonly dev: bigint, readonly source = 'none', readonly meta: MetaStore | null = null) {
    this.prefix = hostRoot === '/' ? '' : hostRoot.replace(/\/+$/, '');
    this.root = new HostInode(this, this.prefix || '/');
  }
  options(): string { return `rw,relatime,${this.hostRoot}${this.meta ? ',meta' : ''}`; }
  /** The store's name of a host path ("" for the root). */
  metaPath(hostPath: string): string { return hostPath === '/' ? '' : hostPath.slice(this.prefix.length + 1); }
  kill(): void { this.meta?.close(); }
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

  private child(name: string): string {
    if (this.sb.meta && this.isMetaRoot() && name.startsWith(META_FILE)) throw new Errno(E.EACCES);
    return joinPath(this.hostPath, name);
  }
  private isMetaRoot(): boolean { return this.hostPath === this.sb.root.hostPath; }
  /** The name of this file in the metadata store. */
  get metaPath(): string { return this.sb.metaPath(this.hostPath); }
  private childMeta(name: string): string { return this.sb.metaPath(this.child(name)); }

  override get mode(): number {
    try { return this.getattr().mode; } catch { return this.type; }
  }
  /** The store may make a host file a device node: then its type is the guest's. */
  override fmt(): number { return this.sb.meta ? super.fmt() : this.type; }
  override isDir(): boolean { return this.type === 0o040000; }
  override isLink(): boolean { return this.type === 0o120000; }

  getattr(): Stat {
    const { r, st } = sys.lstat(this.hostPath);
    ok(r);
    const s = hostToGuest(decodeStat(st));
    const e = this.sb.meta?.get(this.metaPath);
    if (e) {
      if (e.uid !== undefined) s.uid = e.uid;
      if (e.gid !== undefined) s.gid = e.gid;
      if (e.mode !== undefined) s.mode = ((e.mode & S_IFMT) || (s.mode & S_IFMT)) | (e.mode & 0o7777);
      if (e.rdev !== undefined) s.rdev = e.rdev;
    }
    return s;
  }

  lookup(name: string): Inode {
    if (!this.isDir()) throw new Errno(E.ENOTDIR);
    if (this.sb.meta && this.isMetaRoot() && name.startsWith(META_FILE)) throw new Errno(E.ENOENT);
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
    const type = this.fmt();
    if (!(flags & O.PATH)) {
      // Device nodes are the kernel's, whatever filesystem they live on.
      if (type === S_IFCHR || type === S_IFBLK) return openDevice(task, type, this.getattr().rdev, flags);
      if (type === S_IFIFO) { const st = this.getattr(); return openFifo(task, `hostfs:${st.dev}:${st.ino}`, flags); }
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
    // The root of a hostfs with a metadata store does not list the store.
    return new HostFile(ok(fd), flags, this.hostPath, this.sb.meta && this.isMetaRoot() ? META_FILE : null);
  }

  create(task: Task, name: string, mode: number, flags: number): File {
    const p = this.child(name);
    const hostFlags = (flags & ~(O.NOCTTY | O.NONBLOCK | O.ASYNC)) | O.CREAT | O.CLOEXEC | O.NOFOLLOW;
    const fd = ok(sys.openat(p, hostFlags, this.sb.meta ? hostMode(mode, false) : mode));
    if (this.sb.meta) this.recordNew(task, name, S_IFREG | mode); else this.initOwner(task, p, S_IFREG | mode);
    return new HostFile(fd, flags, p);
  }

  mkdir(task: Task, name: string, mode: number): void {
    ok(syscall(sys.NR.mkdirat, sys.AT_FDCWD, sys.hostPath(this.child(name)), this.sb.meta ? hostMode(mode, true) : mode));
    if (this.sb.meta) this.recordNew(task, name, S_IFDIR | mode); else this.initOwner(task, this.child(name), S_IFDIR | mode);
  }

  mknod(task: Task, name: string, mode: number, dev: bigint): void {
    const p = this.child(name);
    if (!this.sb.meta) { ok(syscall(sys.NR.mknodat, sys.AT_FDCWD, sys.hostPath(p), mode, dev)); this.initOwner(task, p, mode); return; }
    // With a metadata store, a node the host user cannot make (a device,
    // or whatever the host refuses) is an empty host file; the store says what it is.
    const type = mode & S_IFMT;
    let r = -E.EPERM;
    if (type !== S_IFCHR && type !== S_IFBLK) r = syscall(sys.NR.mknodat, sys.AT_FDCWD, sys.hostPath(p), type | hostMode(mode, false), 0n);
    if (r === -E.EPERM) {
      ok(sys.close(ok(sys.openat(p, O.WRONLY | O.CREAT | O.EXCL | O.CLOEXEC | O.NOFOLLOW, 0o600))));
      this.recordNew(task, name, mode, dev, true);
      return;
    }
    ok(r);
    this.recordNew(task, name, mode);
  }

  /**
   * The store's entry for a new object: its owner is the creator (the group
   * the directory's if it is setgid) and its mode the guest's. Nothing is
   * written when the host's attributes already say it.
   */
  private recordNew(task: Task, name: string, mode: number, rdev?: bigint, always = false): void {
    const meta = this.sb.meta;
    if (!meta) return;
    const dir = this.getattr();
    const uid = task.cred.fsuid;
    const gid = dir.mode & 0o2000 ? dir.gid : task.cred.fsgid;
    const isDir = (mode & S_IFMT) === S_IFDIR;
    if ((mode & 0o2000) === 0 && isDir && (dir.mode & 0o2000)) mode |= 0o2000;   // setgid directories beget setgid directories
    const plain = uid === 0 && gid === 0 && (mode & 0o7777) === hostMode(mode, isDir);
    if (!always && plain) return;
    meta.setAttrs(this.childMeta(name), { uid, gid, mode, ...(rdev !== undefined ? { rdev } : {}) });
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
    this.sb.meta?.forget(this.childMeta(name));
  }

  rmdir(_task: Task, name: string): void {
    ok(syscall(sys.NR.unlinkat, sys.AT_FDCWD, sys.hostPath(this.child(name)), sys.AT_REMOVEDIR));
    this.sb.meta?.forget(this.childMeta(name));
  }

  symlink(task: Task, target: string, name: string): void {
    ok(syscall(sys.NR.symlinkat, sys.hostPath(target, 0), sys.AT_FDCWD, sys.hostPath(this.child(name), 1)));
    if (this.sb.meta) {
      if (task.cred.fsuid !== 0 || task.cred.fsgid !== 0) this.sb.meta.setAttrs(this.childMeta(name), { uid: task.cred.fsuid, gid: task.cred.fsgid });
    } else this.initOwner(task, this.child(name), 0o120777);
  }

  link(_task: Task, old: Inode, name: string): void {
    if (old instanceof HostTmpInode) {
      // An O_TMPFILE file has no host path; the host links it from its open
      // fd's /proc link (allowed unprivileged for a linkable unnamed file,
      // refused with ENOENT when it was opened O_EXCL).
      ok(syscall(sys.NR.linkat, sys.AT_FDCWD, sys.hostPath(old.procPath, 0), sys.AT_FDCWD, sys.hostPath(this.child(name), 1), AT_SYMLINK_FOLLOW));
      return;
    }
    if (!(old instanceof HostInode) || old.sb.meta !== this.sb.meta) throw new Errno(E.EXDEV);
    ok(syscall(sys.NR.linkat, sys.AT_FDCWD, sys.hostPath(old.hostPath, 0), sys.AT_FDCWD, sys.hostPath(this.child(name), 1), 0));
    this.sb.meta?.link(old.metaPath, this.childMeta(name));
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
    if (!(newDir instanceof HostInode) || newDir.sb.meta !== this.sb.meta) throw new Errno(E.EXDEV);
    ok(syscall(sys.NR.renameat2, sys.AT_FDCWD, sys.hostPath(this.child(oldName), 0),
      sys.AT_FDCWD, sys.hostPath(newDir.child(newName), 1), flags));
    const meta = this.sb.meta;
    if (!meta) return;
    const from = this.childMeta(oldName), to = newDir.childMeta(newName);
    if (flags & 2 /* RENAME_EXCHANGE */) {
      const tmp = `${to}\0exchange`;
      meta.rename(from, tmp); meta.rename(to, from); meta.rename(tmp, to);
    } else meta.rename(from, to);
  }

  setattr(task: Task, a: SetAttr): void {
    const meta = this.sb.meta;
    if (!meta) { hostSetattr(this.hostPath, a, sys.AT_SYMLINK_NOFOLLOW); return; }
    // Owners and modes go to the store (the host file keeps what its user
    // needs to serve it); size and times to the host file.
    const { uid, gid, mode, ...rest } = a;
    if (uid !== undefined || gid !== undefined || mode !== undefined) {
      const st = this.getattr();
      let m = mode ?? st.mode & 0o7777;
      // chown of a non-directory drops setuid, and setgid when group-executable (ATTR_KILL_S*ID).
      if (mode === undefined && (uid !== undefined || gid !== undefined) && !this.isDir()) {
        m &= ~0o4000;
        if (m & 0o010) m &= ~0o2000;
      }
      const type = st.mode & S_IFMT;
      meta.setAttrs(this.metaPath, { uid: uid ?? st.uid, gid: gid ?? st.gid, mode: type | m });
      if (mode !== undefined && !this.isLink()) hostSetattr(this.hostPath, { mode: hostMode(mode, this.isDir()) }, sys.AT_SYMLINK_NOFOLLOW);
    }
    if (Object.keys(rest).length) hostSetattr(this.hostPath, rest, sys.AT_SYMLINK_NOFOLLOW);
  }

  access(task: Task, mode: number): void {
    // With a store the kernel's DAC on the store's attributes is all; else the host may add EROFS.
    if (!this.sb.meta) hostAccess(task, this.hostPath, mode);
  }

  getxattr(name: string): Buffer {
    const v = this.sb.meta?.get(this.metaPath)?.xattrs?.get(name);
    if (v) return Buffer.from(v);
    const r = ok(syscall(sys.NR.lgetxattr, sys.hostPath(this.hostPath, 0), sys.hostPath(name, 1), sys.ioAddr(), 65536));
    return Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + r));
  }

  listxattr(): Buffer {
    const r = ok(syscall(sys.NR.llistxattr, sys.hostPath(this.hostPath), sys.ioAddr(), 65536));
    const host = Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + r));
    const stored = this.sb.meta?.get(this.metaPath)?.xattrs;
    if (!stored?.size) return host;
    const names = new Set(host.toString('latin1').split('\0').filter((n) => n !== ''));
    for (const n of stored.keys()) names.add(n);
    return Buffer.from([...names].map((n) => n + '\0').join(''), 'latin1');
  }

  setxattr(_task: Task, name: string, value: Buffer, flags: number): void {
    const meta = this.sb.meta;
    if (meta) {
      // Every namespace is the guest's: kept in the store, whatever the host allows.
      let exists = meta.get(this.metaPath)?.xattrs?.has(name) ?? false;
      if (!exists) { try { this.getxattr(name); exists = true; } catch { /* absent */ } }
      if ((flags & 1 /* XATTR_CREATE */) && exists) throw new Errno(E.EEXIST);
      if ((flags & 2 /* XATTR_REPLACE */) && !exists) throw new Errno(E.ENODATA);
      meta.setXattr(this.metaPath, name, value);
      return;
    }
    value.copy(sys.ioBuf, sys.IO_DATA);
    ok(syscall(sys.NR.lsetxattr, sys.hostPath(this.hostPath, 0), sys.hostPath(name, 1), sys.ioAddr(), value.length, flags));
  }

  removexattr(_task: Task, name: string): void {
    const meta = this.sb.meta;
    if (meta?.get(this.metaPath)?.xattrs?.has(name)) { meta.removeXattr(this.metaPath, name); return; }
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

/**
 * The host mode of a file whose guest mode is in the store: the guest's
 * permission bits, never setuid/setgid/sticky on the host, and always what
 * the host user needs to serve the file (rw, and x for a directory).
 */
function hostMode(mode: number, dir: boolean): number {
  return (mode & 0o777) | (dir ? 0o700 : 0o600);
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
