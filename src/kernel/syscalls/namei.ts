// Path system calls (fs/namei.c, fs/open.c, fs/stat.c): open, stat, access,
// mkdir, unlink, rename, links, chmod/chown/utimes, chdir and getcwd. Paths
// are resolved by the kernel's walk (fs/namei.ts); the filesystem under the
// final component does the operation.
import { Errno, E } from '../../host/errno.js';
import { File, O, S_IFMT, S_IFDIR, S_IFLNK, S_IFREG, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK, encodeStat, type Stat } from '../../fs/file.js';
import { AT_FDCWD, joinPath, RESOLVE, type Location } from '../../fs/namei.js';
import { dPathOf } from '../../fs/d_path.js';
import { isMounted, MS } from '../../fs/mount.js';
import { mntWantWrite, mayOpenDev } from '../../fs/namespace.js';
import { FifoOpen, openFifoAsync } from '../../fs/pipe.js';
import type { Inode, SetAttr } from '../../fs/inode.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { CAP } from '../cred.js';
import { int, long, register, uint } from './table.js';
import { truncateLimit } from '../../fs/fsize.js';
import { fileRemovePrivs, genericPermission, inodePermission, MAY, mayCreate, mayDelete, mayLookup, mayOpen, openMask, setattrPrepare } from '../../fs/permission.js';
import { Cred } from '../cred.js';
import { IN, keyOfName, notifyCreate, notifyDelete, notifyLoc, notifyOpen, notifyRename } from '../../fs/notify/fsnotify.js';

const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400,
  AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000, AT_EACCESS = 0x200, AT_STATX_SYNC_TYPE = 0x6000;

const str = (t: Task, a: bigint) => t.mem.readCString(a);

// ---- open ----

/** Opens a path and installs the file: the common part of open, openat, creat and openat2. */
export async function doOpen(k: Kernel, t: Task, dirfd: number, path: string, flags: number, mode: number, resolve = 0): Promise<number> {
  const file = await openFile(k, t, dirfd, path, flags, mode, resolve);
  return t.files.install(file, (flags & O.CLOEXEC) !== 0, t.group.rlimits.nofile());
}

/** resolve: openat2's RESOLVE_* flags, which limit the path walk. */
export async function openFile(k: Kernel, t: Task, dirfd: number, path: string, flags: number, mode: number, resolve = 0): Promise<File> {
  // build_open_how: O_PATH drops every other flag (openat2 refused them already).
  if (flags & O.PATH) flags &= O.DIRECTORY | O.NOFOLLOW | O.PATH | O.CLOEXEC;
  // build_open_flags (Linux 6.4+): O_CREAT|O_DIRECTORY never made sense.
  if ((flags & O.CREAT) && (flags & O.DIRECTORY)) throw new Errno(E.EINVAL);
  if (flags & __O_TMPFILE) return openTmpfile(k, t, dirfd, path, flags, mode, resolve);
  let file: File;
  let loc: Location | null = null;
  try {
    if (flags & O.CREAT) {
      const r = openCreate(k, t, dirfd, path, flags, mode, { resolve, root: undefined });
      file = r.file; loc = r.loc;
    } else {
      const target = k.namei.resolveAny(t, dirfd, path, { follow: !(flags & O.NOFOLLOW), resolve });
      if (target instanceof File) return reopen(t, target, flags);
      loc = target;
      file = openLocation(t, loc, flags);
    }
  } catch (e) {
    if (e instanceof FifoOpen) return openFifoAsync(t, e.key, e.flags);
    throw e;
  }
  file.location = loc;
  notifyOpen(k, file);
  return file;
}

/** O_TMPFILE without O_DIRECTORY: what an old kernel would have taken for a plain open. */
const __O_TMPFILE = 0o20000000;

/**
 * open(dir, O_TMPFILE): an unnamed regular file in dir (do_tmpfile). Its
 * location names it as Linux's d_path does ("dir/#ino (deleted)"), and its
 * inode is the filesystem's unnamed one, which linkat can give a name.
 */
function openTmpfile(k: Kernel, t: Task, dirfd: number, path: string, flags: number, mode: number, resolve: number): File {
  // build_open_flags: O_TMPFILE needs its O_DIRECTORY, excludes O_CREAT,
  // and must be opened for writing (else the file is useless).
  if ((flags & (O.TMPFILE | O.CREAT)) !== O.TMPFILE) throw new Errno(E.EINVAL);
  if ((flags & O.ACCMODE) === O.RDONLY) throw new Errno(E.EINVAL);
  const dir = k.namei.resolve(t, dirfd, path, { follow: !(flags & O.NOFOLLOW), resolve });
  if (!dir.inode.isDir()) throw new Errno(E.ENOTDIR);
  mntWantWrite(dir);
  mayCreate(t, dir.inode);   // vfs_tmpfile: MAY_WRITE | MAY_EXEC on the directory
  const { file, inode } = dir.inode.tmpfile(t, mode & 0o7777 & ~t.fs.umask, flags);
  file.location = { mnt: dir.mnt, inode, path: `${joinPath(dir.path, `#${inode.getattr().ino}`)} (deleted)` };
  return file;
}

function openLocation(t: Task, loc: Location, flags: number): File {
  const inode = loc.inode;
  const type = inode.fmt();
  if (!(flags & O.PATH)) {
    mayOpenDev(loc);
    // A write, or a truncation, through a read-only mount (devices and FIFOs are not the filesystem's).
    if (((flags & O.ACCMODE) !== O.RDONLY || (flags & O.TRUNC)) && (type === S_IFREG || type === S_IFDIR || type === S_IFLNK)) mntWantWrite(loc);
  }
  if ((flags & O.DIRECTORY) && type !== S_IFDIR) throw new Errno(E.ENOTDIR);
  if (type === S_IFLNK && !(flags & O.PATH)) throw new Errno(E.ELOOP);
  if (type === S_IFDIR && !(flags & O.PATH) && ((flags & O.ACCMODE) !== O.RDONLY || (flags & O.TRUNC))) {
    throw new Errno(E.EISDIR);
  }
  mayOpen(t, loc, flags);
  // handle_truncate: truncating a file clears its setuid bits as a write does.
  if ((flags & O.TRUNC) && type === S_IFREG && !(flags & O.PATH)) fileRemovePrivs(t, inode, () => inode.getattr());
  return inode.open(t, flags);
}

/**
 * openat2's RESOLVE_* flags and, once a dangling link moves the walk
 * elsewhere, the root of the original scope (undefined until then).
 */
interface Scope { resolve: number; root: Location | undefined }

function openCreate(k: Kernel, t: Task, dirfd: number, path: string, flags: number, mode: number, scope: Scope, links = 40): { file: File; loc: Location } {
  const { dir, name, trailingSlash } = lookupParent(k, t, dirfd, path, scope);
  let existing: Location | null = null;
  try {
    existing = k.namei.resolve(t, dirfd, path, { follow: !(flags & (O.EXCL | O.NOFOLLOW)), ...scope });
  } catch (e) {
    if (!(e instanceof Errno) || e.errno !== E.ENOENT) throw e;
  }
  if (existing) {
    if (flags & O.EXCL) throw new Errno(E.EEXIST);
    if (existing.inode.isDir()) throw new Errno(E.EISDIR);
    return { file: openLocation(t, existing, flags), loc: existing };
  }
  if (trailingSlash) throw new Errno(E.EISDIR);
  if (name === '.' || name === '..') throw new Errno(E.EISDIR);
  const dangling = danglingLink(dir, name);
  if (dangling !== null && !(flags & (O.EXCL | O.NOFOLLOW))) {
    // O_CREAT follows a dangling symlink and creates its target.
    if (links <= 0 || (scope.resolve & RESOLVE.NO_SYMLINKS)) throw new Errno(E.ELOOP);
    const inner: Scope = { resolve: scope.resolve, root: k.namei.scopeRoot(t, dirfd, { follow: true, ...scope }) };
    if (dangling.startsWith('/') && (scope.resolve & RESOLVE.NO_XDEV) && dir.mnt !== (inner.root ?? t.fs.root).mnt) throw new Errno(E.EXDEV);
    const from = dangling.startsWith('/') ? AT_FDCWD : dirFd(t, dir);
    try { return openCreate(k, t, from, dangling, flags, mode, inner, links - 1); } finally { if (from !== AT_FDCWD) t.files.close(from); }
  }
  if (dangling !== null) throw new Errno(flags & O.EXCL ? E.EEXIST : E.ELOOP);
  mntWantWrite(dir);
  mayCreate(t, dir.inode);
  const file = dir.inode.create(t, name, (mode & 0o7777 & ~t.fs.umask), flags & ~O.EXCL);
  notifyCreate(k, dir.inode, name, false);
  const loc = { mnt: dir.mnt, inode: dir.inode.lookup(name), path: dir.path === '/' ? '/' + name : `${dir.path}/${name}` };
  return { file, loc };
}

/** The target of name in dir if it is a symlink (whose target is missing), else null. */
function danglingLink(dir: Location, name: string): string | null {
  let inode;
  try { inode = dir.inode.lookup(name); } catch { return null; }
  return inode.isLink() ? inode.readlink() : null;
}

/** A temporary fd for a directory location, to resolve a relative symlink target from it. */
function dirFd(t: Task, dir: Location): number {
  const f = dir.inode.open(t, O.RDONLY | O.PATH);
  f.location = dir;
  return t.files.install(f, true, 1 << 30);
}

/** open() of /proc/PID/fd/N: Linux reopens the file; an object with no path is reopened by itself, or shared. */
function reopen(t: Task, f: File, flags: number): File {
  if (f.location) {
    try {
      const file = openLocation(t, f.location, flags);
      file.location = f.location;
      return file;
    } catch (e) {
      // An unlinked file is still there to open through its fd (a path-named
      // host file has no name to open any more): the file reopens itself.
      if (!(e instanceof Errno) || e.errno !== E.ENOENT) throw e;
      const st = f.stat();
      if (genericPermission(t.cred, st, openMask(flags)) !== 0) throw new Errno(E.EACCES);
      const file = f.reopen(t, flags);
      if (!file) throw e;
      file.location = f.location;
      return file;
    }
  }
  return f.reopen(t, flags) ?? f.get();
}

/** vhangup (fs/open.c): hangs up the caller's controlling terminal (getty and login do, to start clean). */
register('vhangup', (_k, t) => {
  if (!t.cred.capable(CAP_SYS_TTY_CONFIG)) throw new Errno(E.EPERM);
  t.group.tty?.hangup();
  return 0;
});
const CAP_SYS_TTY_CONFIG = 26;

register('open', (k, t, a) => doOpen(k, t, AT_FDCWD, str(t, a[0]), int(a[1]), int(a[2])));
register('openat', (k, t, a) => doOpen(k, t, int(a[0]), str(t, a[1]), int(a[2]), int(a[3])));
register('creat', (k, t, a) => doOpen(k, t, AT_FDCWD, str(t, a[0]), O.CREAT | O.WRONLY | O.TRUNC, int(a[1])));
/** The flags open(2) knows (VALID_OPEN_FLAGS); openat2 refuses any other bit. */
const VALID_OPEN_FLAGS = BigInt(O.ACCMODE | O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.APPEND | O.NONBLOCK | O.DSYNC |
  O.ASYNC | O.DIRECT | O.LARGEFILE | O.DIRECTORY | O.NOFOLLOW | O.NOATIME | O.CLOEXEC | O.PATH | O.SYNC | O.TMPFILE);
const OPEN_HOW_SIZE_VER0 = 24n;

register('openat2', (k, t, a) => {
  // struct open_how { u64 flags; u64 mode; u64 resolve; }, extensible: a
  // larger struct is accepted when the bytes this kernel does not know are 0.
  const usize = a[3];
  if (usize < OPEN_HOW_SIZE_VER0) throw new Errno(E.EINVAL);
  if (usize > 4096n) throw new Errno(E.E2BIG);
  const how = t.mem.read(a[2], Number(usize));
  if (how.subarray(24).some((b) => b !== 0)) throw new Errno(E.E2BIG);
  const flags = how.readBigUInt64LE(0), mode = how.readBigUInt64LE(8), resolve = how.readBigUInt64LE(16);
  // build_open_flags, strict where open(2) ignores what it does not know.
  if (flags & ~VALID_OPEN_FLAGS) throw new Errno(E.EINVAL);
  if (resolve & ~0x3fn) throw new Errno(E.EINVAL);
  if ((flags & BigInt(O.PATH)) && (flags & ~BigInt(O.DIRECTORY | O.NOFOLLOW | O.PATH | O.CLOEXEC))) throw new Errno(E.EINVAL);
  if ((resolve & BigInt(RESOLVE.BENEATH)) && (resolve & BigInt(RESOLVE.IN_ROOT))) throw new Errno(E.EINVAL);
  const willCreate = (flags & BigInt(O.CREAT | __O_TMPFILE)) !== 0n;
  if (willCreate ? mode & ~0o7777n : mode !== 0n) throw new Errno(E.EINVAL);
  // Every lookup counts as cached (the walk never sleeps on a disk), but an
  // open that may create or truncate cannot be done without blocking.
  if ((resolve & BigInt(RESOLVE.CACHED)) && (flags & BigInt(O.TRUNC | O.CREAT | __O_TMPFILE))) throw new Errno(E.EAGAIN);
  let f = Number(flags);
  if (!(f & O.PATH)) f |= O.LARGEFILE;
  return doOpen(k, t, int(a[0]), str(t, a[1]), f, Number(mode), Number(resolve));
});

// ---- stat ----

function statAt(k: Kernel, t: Task, dirfd: number, path: string, flags: number): Stat {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) throw new Errno(E.EINVAL);
  if (path === '' && (flags & AT_EMPTY_PATH) && dirfd !== AT_FDCWD) return t.files.get(dirfd).stat();
  const r = k.namei.resolveAny(t, dirfd, path, { follow: !(flags & AT_SYMLINK_NOFOLLOW), emptyOk: (flags & AT_EMPTY_PATH) !== 0 });
  if (r instanceof File) return r.stat();
  return r.inode.getattr();
}

register('stat', (k, t, a) => { t.mem.write(a[1], encodeStat(statAt(k, t, AT_FDCWD, str(t, a[0]), 0))); return 0; });
register('lstat', (k, t, a) => { t.mem.write(a[1], encodeStat(statAt(k, t, AT_FDCWD, str(t, a[0]), AT_SYMLINK_NOFOLLOW))); return 0; });
register('fstat', (_k, t, a) => { t.mem.write(a[1], encodeStat(t.files.get(int(a[0])).stat())); return 0; });
register('newfstatat', (k, t, a) => {
  const path = a[1] === 0n && (int(a[3]) & AT_EMPTY_PATH) ? '' : str(t, a[1]);
  t.mem.write(a[2], encodeStat(statAt(k, t, int(a[0]), path, int(a[3]))));
  return 0;
});

function encodeStatx(st: Stat): Buffer {
  const b = Buffer.alloc(256);
  const major = (d: bigint) => Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = (d: bigint) => Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  b.writeUInt32LE(0x7ff, 0);                 // STATX_BASIC_STATS
  b.writeUInt32LE(Number(st.blksize), 4);
  b.writeUInt32LE(Number(st.nlink), 16);
  b.writeUInt32LE(st.uid, 20); b.writeUInt32LE(st.gid, 24);
  b.writeUInt16LE(st.mode, 28);
  b.writeBigUInt64LE(st.ino, 32); b.writeBigUInt64LE(BigInt.asUintN(64, st.size), 40);
  b.writeBigUInt64LE(BigInt.asUintN(64, st.blocks), 48);
  const ts = (off: number, t: [bigint, bigint]) => { b.writeBigInt64LE(t[0], off); b.writeUInt32LE(Number(t[1]), off + 8); };
  ts(64, st.atime); ts(96, st.ctime); ts(112, st.mtime);
  b.writeUInt32LE(major(st.rdev), 128); b.writeUInt32LE(minor(st.rdev), 132);
  b.writeUInt32LE(major(st.dev), 136); b.writeUInt32LE(minor(st.dev), 140);
  return b;
}

register('statx', (k, t, a) => {
  const flags = int(a[2]);
  const path = a[1] === 0n ? '' : str(t, a[1]);
  if (uint(a[3]) & 0x80000000) throw new Errno(E.EINVAL);   // STATX__RESERVED
  t.mem.write(a[4], encodeStatx(statAt(k, t, int(a[0]), path, flags)));
  return 0;
});

/**
 * statfs of the filesystem at loc: the filesystem's numbers, and f_flags
 * from the mount and superblock flags as Linux's calculate_f_flags gives
 * them (ST_* has the MS_* values for these, ST_RELATIME aside).
 */
function statfsOf(loc: Location): Buffer {
  const sb = loc.mnt.sb;
  let b: Buffer;
  if (sb.statfs) b = sb.statfs();
  else {
    // A filesystem with nothing to count: the block size and name length only.
    b = Buffer.alloc(120);
    b.writeBigInt64LE(0x9fa0n, 0);     // f_type (PROC_SUPER_MAGIC for pseudo filesystems)
    b.writeBigInt64LE(4096n, 8);       // f_bsize
    b.writeBigInt64LE(255n, 64);       // f_namelen
    b.writeBigInt64LE(4096n, 72);      // f_frsize
  }
  const m = loc.mnt.flags;
  let flags = ST_VALID | (m & (MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.SYNCHRONOUS | MS.MANDLOCK));
  if (loc.mnt.readOnly) flags |= MS.RDONLY;
  if (m & MS.RELATIME) flags |= ST_RELATIME;
  b.writeBigInt64LE(BigInt(flags), 80);   // f_flags
  return b;
}
const ST_VALID = 0x20, ST_RELATIME = 0x1000;
register('statfs', (k, t, a) => { t.mem.write(a[1], statfsOf(k.namei.resolve(t, AT_FDCWD, str(t, a[0]), { follow: true }))); return 0; });
register('fstatfs', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  if (!f.location) { const b = Buffer.alloc(120); b.writeBigInt64LE(0x50495045n, 0); b.writeBigInt64LE(4096n, 8); t.mem.write(a[1], b); return 0; }
  t.mem.write(a[1], statfsOf(f.location));
  return 0;
});

// ---- access, readlink ----

/**
 * access_override_creds(): access(2) checks with the real ids (fsuid = uid,
 * fsgid = gid) and with root's capabilities only when the real uid is 0.
 */
function accessCred(c: Cred): Cred {
  const o = c.clone();
  o.fsuid = o.uid;
  o.fsgid = o.gid;
  o.capEffective = o.uid === 0 ? o.capPermitted : 0n;
  return o;
}

function accessAt(k: Kernel, t: Task, dirfd: number, path: string, mode: number, flags: number): number {
  if (mode & ~7) throw new Errno(E.EINVAL);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) throw new Errno(E.EINVAL);
  // The walk too is done with the credentials access() checks with.
  const saved = t.cred;
  if (!(flags & AT_EACCESS)) t.cred = accessCred(saved);
  try {
    const loc = k.namei.resolve(t, dirfd, path, { follow: !(flags & AT_SYMLINK_NOFOLLOW), emptyOk: (flags & AT_EMPTY_PATH) !== 0 });
    if (mode === 0) return 0;
    // Write access to a file of a read-only mount (not a device, FIFO or socket) is EROFS.
    if ((mode & 2) && [S_IFREG, S_IFDIR, S_IFLNK].includes(loc.inode.mode & S_IFMT)) mntWantWrite(loc);
    inodePermission(t.cred, loc.inode, mode);
    // What the filesystem adds (a read-only host filesystem says EROFS).
    loc.inode.access(t, mode);
  } finally {
    t.cred = saved;
  }
  return 0;
}
register('access', (k, t, a) => accessAt(k, t, AT_FDCWD, str(t, a[0]), int(a[1]), 0));
register('faccessat', (k, t, a) => accessAt(k, t, int(a[0]), str(t, a[1]), int(a[2]), 0));
register('faccessat2', (k, t, a) => accessAt(k, t, int(a[0]), str(t, a[1]), int(a[2]), int(a[3])));

function readlinkAt(k: Kernel, t: Task, dirfd: number, path: string, buf: bigint, size: number): number {
  if (size <= 0) throw new Errno(E.EINVAL);
  const loc = k.namei.resolve(t, dirfd, path, { follow: false, emptyOk: true });
  if (!loc.inode.isLink()) throw new Errno(E.EINVAL);
  const target = Buffer.from(loc.inode.readlink(t), 'latin1').subarray(0, size);
  t.mem.write(buf, target);
  return target.length;
}
register('readlink', (k, t, a) => readlinkAt(k, t, AT_FDCWD, str(t, a[0]), a[1], int(a[2])));
register('readlinkat', (k, t, a) => readlinkAt(k, t, int(a[0]), str(t, a[1]), a[2], int(a[3])));

// ---- directory entries: mkdir, mknod, unlink, rmdir, rename, link, symlink ----

/**
 * The directory a path's last component is in, and the name: the walk
 * checks search permission on the directories it goes through, and this on
 * the last one (link_path_walk's may_lookup before the last component).
 */
function lookupParent(k: Kernel, t: Task, dirfd: number, path: string, opts: { resolve?: number; root?: Location } = {}) {
  const p = k.namei.resolveParent(t, dirfd, path, opts);
  if (p.name !== '') mayLookup(t, p.dir.inode);
  return p;
}

function parent(k: Kernel, t: Task, dirfd: number, path: string) {
  const p = lookupParent(k, t, dirfd, path);
  if (p.name === '.' || p.name === '..') throw new Errno(E.EEXIST);
  return p;
}

function exists(loc: Location, name: string): boolean {
  try { loc.inode.lookup(name); return true; } catch (e) {
    if (e instanceof Errno && e.errno === E.ENOENT) return false;
    throw e;
  }
}

function mkdirAt(k: Kernel, t: Task, dirfd: number, path: string, mode: number): number {
  const { dir, name } = parent(k, t, dirfd, path);
  if (exists(dir, name)) throw new Errno(E.EEXIST);
  mntWantWrite(dir);
  mayCreate(t, dir.inode);
  // vfs_prepare_mode: a new directory takes only the permission and sticky bits.
  dir.inode.mkdir(t, name, mode & 0o1777 & ~t.fs.umask);
  notifyCreate(k, dir.inode, name, true);
  return 0;
}
register('mkdir', (k, t, a) => mkdirAt(k, t, AT_FDCWD, str(t, a[0]), int(a[1])));
register('mkdirat', (k, t, a) => mkdirAt(k, t, int(a[0]), str(t, a[1]), int(a[2])));

function mknodAt(k: Kernel, t: Task, dirfd: number, path: string, mode: number, dev: bigint): number {
  const type = mode & S_IFMT;
  if (type === 0) mode |= S_IFREG;
  else if (![S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK].includes(type)) throw new Errno(E.EINVAL);
  const { dir, name } = parent(k, t, dirfd, path);
  if (exists(dir, name)) throw new Errno(E.EEXIST);
  mntWantWrite(dir);
  mayCreate(t, dir.inode);
  if ((type === S_IFCHR || type === S_IFBLK) && !t.cred.capable(CAP.MKNOD)) throw new Errno(E.EPERM);
  const perm = (mode & 0o7777) & ~t.fs.umask;
  dir.inode.mknod(t, name, (mode & S_IFMT) | perm, dev);
  notifyCreate(k, dir.inode, name, false);
  return 0;
}
register('mknod', (k, t, a) => mknodAt(k, t, AT_FDCWD, str(t, a[0]), int(a[1]), a[2]));
register('mknodat', (k, t, a) => mknodAt(k, t, int(a[0]), str(t, a[1]), int(a[2]), a[3]));

/** d_mountpoint: something is mounted on name in dir (in any namespace, as Linux counts it). */
function isMountPoint(_k: Kernel, loc: Location, name: string): boolean {
  return isMounted(loc.mnt.sb, joinPath(loc.path, name), loc.mnt);
}

function unlinkAt(k: Kernel, t: Task, dirfd: number, path: string, flags: number): number {
  if (flags & ~AT_REMOVEDIR) throw new Errno(E.EINVAL);
  const p = lookupParent(k, t, dirfd, path);
  mntWantWrite(p.dir);
  if (flags & AT_REMOVEDIR) {
    if (p.name === '.') throw new Errno(E.EINVAL);
    if (p.name === '..') throw new Errno(E.ENOTEMPTY);
    const victim = p.dir.inode.lookup(p.name);
    mayDelete(t, p.dir.inode, victim);
    if (isMountPoint(k, p.dir, p.name)) throw new Errno(E.EBUSY);
    const key = keyOfName(k, p.dir.inode, p.name);
    p.dir.inode.rmdir(t, p.name);
    notifyDelete(k, p.dir.inode, p.name, key, victim, true);
  } else {
    if (p.trailingSlash) {
      const child = p.dir.inode.lookup(p.name);
      throw new Errno(child.isDir() ? E.EISDIR : E.ENOTDIR);
    }
    if (p.name === '.' || p.name === '..') throw new Errno(E.EISDIR);
    const victim = p.dir.inode.lookup(p.name);
    mayDelete(t, p.dir.inode, victim);
    const key = keyOfName(k, p.dir.inode, p.name);
    p.dir.inode.unlink(t, p.name);
    notifyDelete(k, p.dir.inode, p.name, key, victim, false);
  }
  return 0;
}
register('unlink', (k, t, a) => unlinkAt(k, t, AT_FDCWD, str(t, a[0]), 0));
register('unlinkat', (k, t, a) => unlinkAt(k, t, int(a[0]), str(t, a[1]), int(a[2])));
register('rmdir', (k, t, a) => unlinkAt(k, t, AT_FDCWD, str(t, a[0]), AT_REMOVEDIR));

function renameAt(k: Kernel, t: Task, olddir: number, oldpath: string, newdir: number, newpath: string, flags: number): number {
  if (flags & ~7) throw new Errno(E.EINVAL);
  if ((flags & 1) && (flags & 2)) throw new Errno(E.EINVAL);
  if ((flags & RENAME_WHITEOUT) && !t.cred.capable(CAP.MKNOD)) throw new Errno(E.EPERM);
  const o = lookupParent(k, t, olddir, oldpath);
  const n = lookupParent(k, t, newdir, newpath);
  if (o.name === '.' || o.name === '..' || n.name === '.' || n.name === '..') throw new Errno(E.EBUSY);
  if (o.dir.mnt !== n.dir.mnt) throw new Errno(E.EXDEV);
  mntWantWrite(o.dir);
  const source = o.dir.inode.lookup(o.name);
  if ((o.trailingSlash || n.trailingSlash) && !source.isDir()) throw new Errno(E.ENOTDIR);
  const target = lookupOrNull(n.dir, n.name);
  mayRename(t, o.dir.inode, source, n.dir.inode, target, flags);
  if (isMountPoint(k, o.dir, o.name) || isMountPoint(k, n.dir, n.name)) throw new Errno(E.EBUSY);
  const moved = { key: keyOfName(k, o.dir.inode, o.name), inode: source };
  const other = target ? { key: keyOfName(k, n.dir.inode, n.name), inode: target } : null;
  o.dir.inode.rename(t, o.name, n.dir.inode, n.name, flags);
  if (flags & RENAME_EXCHANGE) {
    notifyRename(k, o.dir.inode, o.name, n.dir.inode, n.name, moved, null);
    notifyRename(k, n.dir.inode, n.name, o.dir.inode, o.name, other!, null);
  } else notifyRename(k, o.dir.inode, o.name, n.dir.inode, n.name, moved, other);
  return 0;
}
const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

function lookupOrNull(dir: Location, name: string): Inode | null {
  try { return dir.inode.lookup(name); } catch (e) {
    if (e instanceof Errno && e.errno === E.ENOENT) return null;
    throw e;
  }
}

/**
 * The permission part of vfs_rename(): the source may leave its directory,
 * the target may be replaced (or created), and a directory that changes
 * parent must be writable (its ".." changes).
 */
function mayRename(t: Task, oldDir: Inode, source: Inode, newDir: Inode, target: Inode | null, flags: number): void {
  if (target && (flags & RENAME_NOREPLACE)) throw new Errno(E.EEXIST);
  if (!target && (flags & RENAME_EXCHANGE)) throw new Errno(E.ENOENT);
  mayDelete(t, oldDir, source);
  if (target) mayDelete(t, newDir, target);
  else mayCreate(t, newDir);
  if (newDir !== oldDir && !sameInode(newDir, oldDir)) {
    if (source.isDir()) inodePermission(t.cred, source, MAY.WRITE);
    if ((flags & RENAME_EXCHANGE) && target?.isDir()) inodePermission(t.cred, target, MAY.WRITE);
  }
}

function sameInode(a: Inode, b: Inode): boolean {
  const x = a.getattr(), y = b.getattr();
  return x.dev === y.dev && x.ino === y.ino;
}

register('rename', (k, t, a) => renameAt(k, t, AT_FDCWD, str(t, a[0]), AT_FDCWD, str(t, a[1]), 0));
register('renameat', (k, t, a) => renameAt(k, t, int(a[0]), str(t, a[1]), int(a[2]), str(t, a[3]), 0));
register('renameat2', (k, t, a) => renameAt(k, t, int(a[0]), str(t, a[1]), int(a[2]), str(t, a[3]), uint(a[4])));

function linkAt(k: Kernel, t: Task, olddir: number, oldpath: string, newdir: number, newpath: string, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) throw new Errno(E.EINVAL);
  // AT_EMPTY_PATH (flink) is allowed as since Linux 6.10 for a file its
  // caller opened; files do not record their opener's credentials here.
  // An O_TMPFILE file reached through its fd (AT_EMPTY_PATH or a /proc fd
  // link) resolves to its location, whose inode the filesystem links.
  const old = k.namei.resolve(t, olddir, oldpath, { follow: (flags & AT_SYMLINK_FOLLOW) !== 0, emptyOk: (flags & AT_EMPTY_PATH) !== 0 });
  const n = parent(k, t, newdir, newpath);
  if (exists(n.dir, n.name)) throw new Errno(E.EEXIST);
  if (old.mnt !== n.dir.mnt) throw new Errno(E.EXDEV);
  mntWantWrite(n.dir);
  mayCreate(t, n.dir.inode);
  if (old.inode.isDir()) throw new Errno(E.EPERM);
  n.dir.inode.link(t, old.inode, n.name);
  notifyLoc(k, old, IN.ATTRIB);   // its link count
  notifyCreate(k, n.dir.inode, n.name, false);
  return 0;
}
register('link', (k, t, a) => linkAt(k, t, AT_FDCWD, str(t, a[0]), AT_FDCWD, str(t, a[1]), 0));
register('linkat', (k, t, a) => linkAt(k, t, int(a[0]), str(t, a[1]), int(a[2]), str(t, a[3]), int(a[4])));

function symlinkAt(k: Kernel, t: Task, target: string, dirfd: number, path: string): number {
  if (target === '') throw new Errno(E.ENOENT);
  const n = parent(k, t, dirfd, path);
  if (exists(n.dir, n.name)) throw new Errno(E.EEXIST);
  mntWantWrite(n.dir);
  mayCreate(t, n.dir.inode);
  n.dir.inode.symlink(t, target, n.name);
  notifyCreate(k, n.dir.inode, n.name, false);
  return 0;
}
register('symlink', (k, t, a) => symlinkAt(k, t, str(t, a[0]), AT_FDCWD, str(t, a[1])));
register('symlinkat', (k, t, a) => symlinkAt(k, t, str(t, a[0]), int(a[1]), str(t, a[2])));

// ---- attributes: chmod, chown, truncate, utimes ----

function locOf(k: Kernel, t: Task, dirfd: number, path: string, follow: boolean, emptyOk = false): Location {
  return k.namei.resolve(t, dirfd, path, { follow, emptyOk });
}

function fdLoc(t: Task, fd: number): Location {
  const f = t.files.get(fd);
  if (!f.location) throw new Errno(E.EBADF);
  return f.location;
}

/** notify_change(): the change, once setattr_prepare() allowed it. */
function setattr(t: Task, loc: Location, attr: SetAttr, chown = false): number {
  mntWantWrite(loc);
  loc.inode.setattr(t, setattrPrepare(t, loc.inode, attr, chown));
  notifyLoc(t.kernel, loc, IN.ATTRIB);
  return 0;
}

register('chmod', (k, t, a) => setattr(t, locOf(k, t, AT_FDCWD, str(t, a[0]), true), { mode: int(a[1]) & 0o7777 }));
register('fchmod', (_k, t, a) => setattr(t, fdLoc(t, int(a[0])), { mode: int(a[1]) & 0o7777 }));
register('fchmodat', (k, t, a) => setattr(t, locOf(k, t, int(a[0]), str(t, a[1]), true), { mode: int(a[2]) & 0o7777 }));
register('fchmodat2', (k, t, a) => {
  const flags = int(a[3]);
  return setattr(t, locOf(k, t, int(a[0]), str(t, a[1]), !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0), { mode: int(a[2]) & 0o7777 });
});

function owner(uid: bigint, gid: bigint): SetAttr {
  const u = int(uid), g = int(gid);
  return { ...(u !== -1 ? { uid: u >>> 0 } : {}), ...(g !== -1 ? { gid: g >>> 0 } : {}) };
}
register('chown', (k, t, a) => setattr(t, locOf(k, t, AT_FDCWD, str(t, a[0]), true), owner(a[1], a[2]), true));
register('lchown', (k, t, a) => setattr(t, locOf(k, t, AT_FDCWD, str(t, a[0]), false), owner(a[1], a[2]), true));
register('fchown', (_k, t, a) => setattr(t, fdLoc(t, int(a[0])), owner(a[1], a[2]), true));
register('fchownat', (k, t, a) => {
  const flags = int(a[4]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw new Errno(E.EINVAL);
  return setattr(t, locOf(k, t, int(a[0]), str(t, a[1]), !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0), owner(a[2], a[3]), true);
});

register('truncate', (k, t, a) => {
  const len = long(a[1]);
  if (len < 0n) throw new Errno(E.EINVAL);
  const loc = locOf(k, t, AT_FDCWD, str(t, a[0]), true);
  if (loc.inode.isDir()) throw new Errno(E.EISDIR);
  if ((loc.inode.mode & S_IFMT) !== S_IFREG) throw new Errno(E.EINVAL);
  inodePermission(t.cred, loc.inode, MAY.WRITE);
  truncateLimit(t, len, () => loc.inode.getattr().size);
  fileRemovePrivs(t, loc.inode, () => loc.inode.getattr());
  loc.inode.setattr(t, { size: len });
  notifyLoc(k, loc, IN.MODIFY);
  return 0;
});

const UTIME_NOW = (1n << 30n) - 1n, UTIME_OMIT = (1n << 30n) - 2n;
function readTimespec(t: Task, addr: bigint, i: number): SetAttr['atime'] {
  const b = t.mem.read(addr + BigInt(i * 16), 16);
  const s = b.readBigInt64LE(0), ns = b.readBigInt64LE(8);
  if (ns === UTIME_NOW) return 'now';
  if (ns === UTIME_OMIT) return 'omit';
  if (ns < 0n || ns > 999999999n) throw new Errno(E.EINVAL);
  return [s, ns];
}

register('utimensat', (k, t, a) => {
  const dirfd = int(a[0]), flags = int(a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw new Errno(E.EINVAL);
  const times: SetAttr = a[2] === 0n ? { atime: 'now', mtime: 'now' } : { atime: readTimespec(t, a[2], 0), mtime: readTimespec(t, a[2], 1) };
  const loc = a[1] === 0n ? fdLoc(t, dirfd) : locOf(k, t, dirfd, str(t, a[1]), !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  return setattr(t, loc, times);
});

function timevals(t: Task, addr: bigint): SetAttr {
  if (addr === 0n) return { atime: 'now', mtime: 'now' };
  const b = t.mem.read(addr, 32);
  const tv = (o: number): [bigint, bigint] => {
    const us = b.readBigInt64LE(o + 8);
    if (us < 0n || us > 999999n) throw new Errno(E.EINVAL);
    return [b.readBigInt64LE(o), us * 1000n];
  };
  return { atime: tv(0), mtime: tv(16) };
}
register('utimes', (k, t, a) => setattr(t, locOf(k, t, AT_FDCWD, str(t, a[0]), true), timevals(t, a[1])));
register('futimesat', (k, t, a) => setattr(t, locOf(k, t, int(a[0]), str(t, a[1]), true), timevals(t, a[2])));
register('utime', (k, t, a) => {
  let attr: SetAttr = { atime: 'now', mtime: 'now' };
  if (a[1] !== 0n) { const b = t.mem.read(a[1], 16); attr = { atime: [b.readBigInt64LE(0), 0n], mtime: [b.readBigInt64LE(8), 0n] }; }
  return setattr(t, locOf(k, t, AT_FDCWD, str(t, a[0]), true), attr);
});

// ---- cwd ----

register('chdir', (k, t, a) => {
  const loc = k.namei.resolve(t, AT_FDCWD, str(t, a[0]), { follow: true });
  if (!loc.inode.isDir()) throw new Errno(E.ENOTDIR);
  inodePermission(t.cred, loc.inode, MAY.EXEC | MAY.CHDIR);
  t.fs.cwd = loc;
  return 0;
});
register('fchdir', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  if (!f.location) throw new Errno(E.ENOTDIR);
  if (!f.location.inode.isDir()) throw new Errno(E.ENOTDIR);
  inodePermission(t.cred, f.location.inode, MAY.EXEC | MAY.CHDIR);
  t.fs.cwd = f.location;
  return 0;
});
register('getcwd', (_k, t, a) => {
  t.fs.cwd.inode.getattr();   // ENOENT once the directory is removed, as Linux says
  // A cwd outside the root (after chroot) is "(unreachable)" and its path from the namespace's root.
  const d = dPathOf(t.fs.cwd, t.fs.root);
  const p = Buffer.from((d.unreachable ? '(unreachable)' : '') + d.path + '\0', 'latin1');
  if (Number(a[1]) < p.length) throw new Errno(E.ERANGE);
  t.mem.write(a[0], p);
  return p.length;
});

export { S_IFREG };
