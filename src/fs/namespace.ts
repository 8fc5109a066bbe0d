// Mounting (fs/namespace.c): mount(2) in all its forms (new mounts, bind,
// move, remount, propagation types), umount2, pivot_root, and the per-mount
// checks the other calls make (read-only, nodev, noexec).
import { Errno, E } from '../host/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';
import { CAP } from '../kernel/cred.js';
import { getBdev, type BlockDevice } from '../block/blkdev.js';
import { killSuper, mountBdev } from './super.js';
import { getFilesystem } from './filesystems.js';
import { S_IFMT, S_IFBLK, S_IFCHR } from './file.js';
import { AT_FDCWD, joinPath, sameLocation } from './namei.js';
import { Mount, MntNamespace, MS, MNT_FLAGS, ATIME_FLAGS, setSbReadOnly, sbReadOnly, type Location, type Propagation } from './mount.js';

export const MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

// ---- the checks other calls make ----

/** mnt_want_write: EROFS for a change through a read-only mount or superblock. */
export function mntWantWrite(loc: Location): void {
  if (loc.mnt.readOnly) throw new Errno(E.EROFS);
}

/** may_open's nodev check: device nodes on a nodev mount do not open. */
export function mayOpenDev(loc: Location): void {
  const type = loc.inode.fmt();
  if ((type === S_IFCHR || type === S_IFBLK) && (loc.mnt.flags & MS.NODEV)) throw new Errno(E.EACCES);
}

/** path_noexec: nothing on a noexec mount runs. */
export function pathNoexec(loc: Location): boolean {
  return (loc.mnt.flags & MS.NOEXEC) !== 0;
}

// ---- helpers ----

function requireAdmin(t: Task | null): void {
  if (t && !t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
}

/** check_mnt: the mount belongs to the caller's namespace. */
function checkMnt(t: Task | null, k: Kernel, m: Mount): void {
  const ns = t ? t.mntns : k.mntns;
  if (m.ns !== ns || m.detached) throw new Errno(E.EINVAL);
}

/** The location is the root of its mount (path_mounted). */
function isMountRoot(loc: Location): boolean { return loc.path === '/'; }

/** The per-mount flags (MNT_*) a mount(2) call asks for; old: the mount being remounted. */
function mntFlagsOf(flags: number, old: Mount | null): number {
  let f = flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NODIRATIME | MS.NOSYMFOLLOW);
  // Default to relatime unless overridden.
  if (!(flags & MS.NOATIME)) f |= MS.RELATIME;
  if (flags & MS.NOATIME) f |= MS.NOATIME;
  if (flags & MS.STRICTATIME) f &= ~(MS.RELATIME | MS.NOATIME);
  if (old && !(flags & (ATIME_FLAGS | MS.NODIRATIME))) {
    // A remount that says nothing of atime keeps what the mount had.
    f = (f & ~(ATIME_FLAGS | MS.NODIRATIME)) | (old.flags & (ATIME_FLAGS | MS.NODIRATIME));
  }
  return f & MNT_FLAGS;
}

/** Every task of the kernel (all namespaces): their roots, cwds and open files pin mounts. */
function* tasksOf(k: Kernel): Iterable<Task> { yield* k.tasks.values(); }

/** The mount is in use: a task's root or cwd in it, or a file open through it. */
function mountBusy(k: Kernel, m: Mount): boolean {
  for (const t of tasksOf(k)) {
    if (t.fs.root.mnt === m || t.fs.cwd.mnt === m) return true;
    for (const { file } of t.files.fds.values()) if (file.location?.mnt === m) return true;
  }
  return false;
}

function mountHasWriters(k: Kernel, m: Mount): boolean {
  for (const t of tasksOf(k)) {
    for (const { file } of t.files.fds.values()) if (file.location?.mnt === m && file.writable) return true;
  }
  return false;
}

function sbHasWriters(k: Kernel, sb: Mount['sb']): boolean {
  for (const t of tasksOf(k)) {
    for (const { file } of t.files.fds.values()) if (file.location?.mnt.sb === sb && file.writable) return true;
  }
  return false;
}

// ---- mount(2) ----

export interface MountArgs {
  source: string | null;
  target: Location;
  type: string | null;
  flags: number;
  data: string;
}

/** path_mount: what a mount(2) call does, by its flags. */
export function doMount(k: Kernel, t: Task | null, a: MountArgs): void {
  requireAdmin(t);
  let flags = a.flags;
  if ((flags & MS.MGC_MSK) >>> 0 === MS.MGC_VAL) flags &= ~MS.MGC_MSK;
  flags >>>= 0;
  if ((flags & (MS.REMOUNT | MS.BIND)) === (MS.REMOUNT | MS.BIND)) return remountBind(k, t, a.target, flags);
  if (flags & MS.REMOUNT) return remount(k, t, a.target, flags, a.data);
  if (flags & MS.BIND) return bindMount(k, t, a, flags);
  if (flags & (MS.SHARED | MS.PRIVATE | MS.SLAVE | MS.UNBINDABLE)) return changeType(k, t, a.target, flags);
  if (flags & MS.MOVE) return moveMount(k, t, a);
  newMount(k, t, a, flags);
}

/** The block device a source path names, for a filesystem that needs one (lookup_bdev). */
function sourceBdev(k: Kernel, t: Task | null, source: string | null): BlockDevice {
  if (!source) throw new Errno(E.ENOENT);
  const loc = t ? k.namei.resolve(t, AT_FDCWD, source, { follow: true }) : k.namei.lookupCanonical(source);
  if ((loc.inode.mode & S_IFMT) !== S_IFBLK) throw new Errno(E.ENOTBLK);
  if (loc.mnt.flags & MS.NODEV) throw new Errno(E.EACCES);
  return getBdev(loc.inode.getattr().rdev);
}

/** do_new_mount: a filesystem of the named type, on the target. */
function newMount(k: Kernel, t: Task | null, a: MountArgs, flags: number): Mount {
  if (!a.type) throw new Errno(E.EINVAL);
  const fst = getFilesystem(a.type);
  const bdev = fst.requiresDev ? sourceBdev(k, t, a.source) : undefined;
  if (bdev?.readOnly && !(flags & MS.RDONLY)) throw new Errno(E.EACCES);
  checkMnt(t, k, a.target.mnt);
  const req = { kernel: k, task: t, source: a.source ?? 'none', flags, data: a.data };
  const sb = bdev ? mountBdev(fst, { ...req, bdev }) : fst.mount(req);
  setSbReadOnly(sb, (flags & MS.RDONLY) !== 0);
  const m = new Mount(sb, mntFlagsOf(flags, null));
  if (a.target.inode.isDir() !== sb.root.isDir()) { releaseMount(m); throw new Errno(E.ENOTDIR); }
  graft(k, t, m, a.target);
  return m;
}

/** Attaches a new mount (tree) on top of whatever is at the target. */
function graft(k: Kernel, t: Task | null, m: Mount, target: Location): void {
  const ns = t ? t.mntns : k.mntns;
  const mp = k.namei.crossMounts(target);
  if (mp.mnt.ns !== ns) throw new Errno(E.EINVAL);
  ns.attach(m, mp);
}

/** do_loopback: mount --bind (and --rbind with MS_REC). */
function bindMount(k: Kernel, t: Task | null, a: MountArgs, flags: number): void {
  if (!a.source) throw new Errno(E.EFAULT);
  const src = t ? k.namei.resolve(t, AT_FDCWD, a.source, { follow: true }) : k.namei.lookupCanonical(a.source);
  if (src.mnt.propagation === 'unbindable') throw new Errno(E.EINVAL);
  checkMnt(t, k, src.mnt);
  checkMnt(t, k, a.target.mnt);
  if (src.inode.isDir() !== a.target.inode.isDir()) throw new Errno(E.ENOTDIR);
  const m = (flags & MS.REC) ? copyTree(src.mnt, src) : cloneAt(src.mnt, src);
  graft(k, t, m, a.target);
}

function cloneAt(m: Mount, at: Location): Mount {
  const rootPath = at.path === '/' ? m.rootPath : (m.rootPath === '/' ? at.path : m.rootPath + at.path);
  return m.clone(at.inode, rootPath);
}

/** copy_tree: a copy of the mount at a directory of it and of every mount below (not the unbindable). */
function copyTree(m: Mount, at: Location): Mount {
  const top = cloneAt(m, at);
  for (const [p, child] of m.children) {
    if (child.propagation === 'unbindable') continue;
    const rel = at.path === '/' ? p : p === at.path ? '/' : p.startsWith(at.path + '/') ? p.slice(at.path.length) : null;
    if (rel === null) continue;
    const c = copyTree(child, child.rootLocation());
    c.parent = top;
    c.mountpoint = { mnt: top, inode: child.mountpoint!.inode, path: rel };
    top.children.set(rel, c);
  }
  return top;
}

/** do_move_mount: mount --move. */
function moveMount(k: Kernel, t: Task | null, a: MountArgs): void {
  if (!a.source) throw new Errno(E.EFAULT);
  const src = t ? k.namei.resolve(t, AT_FDCWD, a.source, { follow: true }) : k.namei.lookupCanonical(a.source);
  const m = src.mnt;
  checkMnt(t, k, m);
  checkMnt(t, k, a.target.mnt);
  if (!isMountRoot(src) || !m.parent) throw new Errno(E.EINVAL);
  if (m.parent.propagation === 'shared') throw new Errno(E.EINVAL);
  const mp = k.namei.crossMounts(a.target);
  if (mp.inode.isDir() !== m.root.isDir()) throw new Errno(E.ENOTDIR);
  // Moving a mount into its own subtree would cut it from the tree.
  for (let p: Mount | null = mp.mnt; p; p = p.parent) if (p === m) throw new Errno(E.ELOOP);
  MntNamespace.detachFromParent(m);
  m.parent = mp.mnt;
  m.mountpoint = mp;
  mp.mnt.children.set(mp.path, m);
}

/** do_reconfigure_mnt: mount -o remount,bind: the mount's own flags only. */
function remountBind(k: Kernel, t: Task | null, target: Location, flags: number): void {
  checkMnt(t, k, target.mnt);
  if (!isMountRoot(target)) throw new Errno(E.EINVAL);
  // mnt_make_readonly: not while a file is open for writing through it.
  if ((flags & MS.RDONLY) && !(target.mnt.flags & MS.RDONLY) && mountHasWriters(k, target.mnt)) throw new Errno(E.EBUSY);
  target.mnt.flags = mntFlagsOf(flags, target.mnt);
}

/** do_remount: the superblock's options and read-only state, and the mount's flags. */
function remount(k: Kernel, t: Task | null, target: Location, flags: number, data: string): void {
  checkMnt(t, k, target.mnt);
  if (!isMountRoot(target)) throw new Errno(E.EINVAL);
  const sb = target.mnt.sb;
  const ro = (flags & MS.RDONLY) !== 0;
  if (ro && !sbReadOnly(sb) && sbHasWriters(k, sb)) throw new Errno(E.EBUSY);
  sb.remount?.(data, ro);
  setSbReadOnly(sb, ro);
  target.mnt.flags = mntFlagsOf(flags, target.mnt);
}

/** do_change_type: mount --make-{shared,private,slave,unbindable} (and the r* forms with MS_REC). */
function changeType(k: Kernel, t: Task | null, target: Location, flags: number): void {
  checkMnt(t, k, target.mnt);
  if (!isMountRoot(target)) throw new Errno(E.EINVAL);
  const types = flags & (MS.SHARED | MS.PRIVATE | MS.SLAVE | MS.UNBINDABLE);
  // Exactly one propagation type, with nothing else but MS_REC and MS_SILENT.
  if ((types & (types - 1)) !== 0 || (flags & ~(types | MS.REC | MS.SILENT))) throw new Errno(E.EINVAL);
  const kind: Propagation = types === MS.SHARED ? 'shared' : types === MS.SLAVE ? 'slave' : types === MS.UNBINDABLE ? 'unbindable' : 'private';
  const mounts = (flags & MS.REC) ? target.mnt.subtree() : [target.mnt];
  for (const m of mounts) {
    if (kind === 'shared') m.makeShared();
    else if (kind === 'slave') {
      // A slave of its peer group; a mount with no peers becomes private.
      m.masterGroup = m.propagation === 'shared' ? m.peerGroup : m.masterGroup;
      m.peerGroup = 0;
      m.propagation = m.masterGroup ? 'slave' : 'private';
    } else {
      m.peerGroup = 0;
      m.masterGroup = 0;
      m.propagation = kind;
    }
  }
}

// ---- umount2 ----

export function doUmount(k: Kernel, t: Task, target: Location, flags: number): void {
  const m = target.mnt;
  checkMnt(t, k, m);
  if (!isMountRoot(target)) throw new Errno(E.EINVAL);
  if (flags & MNT_EXPIRE) {
    // The first call marks; a second one with no use in between unmounts.
    if (mountBusy(k, m) || m.children.size) throw new Errno(E.EBUSY);
    if (!m.expiryMark) { m.expiryMark = true; throw new Errno(E.EAGAIN); }
  }
  if (!(flags & MNT_DETACH)) {
    // The root of the caller (or the namespace's first mount) cannot go.
    if (sameLocation(target, t.fs.root) || !m.parent) throw new Errno(E.EBUSY);
    if (m.children.size || mountBusy(k, m)) throw new Errno(E.EBUSY);
    umountTree(k, m);
    return;
  }
  if (!m.parent) throw new Errno(E.EINVAL);
  umountTree(k, m);
}

/** umount_tree: m and every mount below it leave the tree; each superblock goes with its last mount. */
function umountTree(k: Kernel, m: Mount): void {
  const all = m.subtree();
  for (const x of all.reverse()) {
    x.ns?.remove(x);
    MntNamespace.detachFromParent(x);
    x.detached = true;
    // A mount still in use (MNT_DETACH) keeps its superblock alive for its users.
    if (!mountBusy(k, x)) releaseMount(x);
  }
}

function releaseMount(m: Mount): void {
  m.sb.sync?.();
  if (m.release()) killSuper(m.sb);
}

// ---- pivot_root, chroot, namespaces ----

/** Whether loc lies in the tree below root (is_path_reachable). */
function reachable(loc: Location, root: Location): boolean {
  let mnt = loc.mnt, p = loc.path;
  for (;;) {
    if (mnt === root.mnt) return root.path === '/' || p === root.path || p.startsWith(root.path + '/');
    if (!mnt.parent || !mnt.mountpoint) return false;
    p = mnt.mountpoint.path;
    mnt = mnt.parent;
  }
}

/** pivot_root(new_root, put_old), with Linux's checks in Linux's order. */
export function pivotRoot(k: Kernel, t: Task, newRoot: Location, putOld: Location): void {
  requireAdmin(t);
  if (!newRoot.inode.isDir() || !putOld.inode.isDir()) throw new Errno(E.ENOTDIR);
  const root = t.fs.root;
  const newMnt = newRoot.mnt, rootMnt = root.mnt;
  const oldMnt = k.namei.crossMounts(putOld).mnt;
  if (oldMnt.propagation === 'shared' || newMnt.parent?.propagation === 'shared' || rootMnt.parent?.propagation === 'shared') throw new Errno(E.EINVAL);
  checkMnt(t, k, rootMnt);
  checkMnt(t, k, newMnt);
  if (newMnt === rootMnt || oldMnt === rootMnt) throw new Errno(E.EBUSY);
  if (!isMountRoot(root) || !rootMnt.parent) throw new Errno(E.EINVAL);
  if (!isMountRoot(newRoot) || !newMnt.parent) throw new Errno(E.EINVAL);
  const old = k.namei.crossMounts(putOld);
  if (!reachable(old, newRoot)) throw new Errno(E.EINVAL);
  if (!reachable(newRoot, root)) throw new Errno(E.EINVAL);
  const rootMp = rootMnt.mountpoint!;
  // The new root leaves its place; the old root goes to put_old; the new
  // root takes the old root's place.
  MntNamespace.detachFromParent(newMnt);
  MntNamespace.detachFromParent(rootMnt);
  const putOldMp = old;
  rootMnt.parent = putOldMp.mnt;
  rootMnt.mountpoint = putOldMp;
  putOldMp.mnt.children.set(putOldMp.path, rootMnt);
  newMnt.parent = rootMp.mnt;
  newMnt.mountpoint = rootMp;
  rootMp.mnt.children.set(rootMp.path, newMnt);
  // chroot_fs_refs: whoever had the old root as root or cwd gets the new one.
  const to = newMnt.rootLocation();
  for (const x of k.tasks.values()) {
    if (x.mntns !== t.mntns) continue;
    if (sameLocation(x.fs.root, root)) x.fs.root = to;
    if (sameLocation(x.fs.cwd, root)) x.fs.cwd = to;
  }
}

export function chroot(t: Task, loc: Location): void {
  if (!loc.inode.isDir()) throw new Errno(E.ENOTDIR);
  loc.inode.access(t, 1);
  if (!t.cred.capable(CAP.SYS_CHROOT)) throw new Errno(E.EPERM);
  t.fs.root = loc;
}

/**
 * copy_mnt_ns for a task that leaves its namespace (unshare, clone with
 * CLONE_NEWNS): a copy of the tree, with the task's root and cwd moved to
 * the copies of their mounts. fs must not be shared with other tasks.
 */
export function copyMntNs(t: Task, fs: Task['fs']): MntNamespace {
  requireAdmin(t);
  const { ns, map } = t.mntns.copy();
  const move = (l: Location): Location => {
    const m = map.get(l.mnt);
    return m ? { mnt: m, inode: l.inode, path: l.path } : l;
  };
  fs.root = move(fs.root);
  fs.cwd = move(fs.cwd);
  return ns;
}

export { joinPath };
