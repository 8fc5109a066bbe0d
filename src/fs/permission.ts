// Discretionary access control (fs/namei.c generic_permission, may_open,
// may_create, may_delete; fs/attr.c setattr_prepare; fs/inode.c
// inode_init_owner): the kernel decides from the guest's credentials whether
// an operation is allowed, whatever filesystem is underneath. A filesystem
// may still refuse what the kernel allowed (hostfs: the host user's rights).
import { Errno, E } from '../host/errno.js';
import { CAP, type Cred } from '../kernel/cred.js';
import type { Task } from '../kernel/task.js';
import { O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Stat } from './file.js';
import type { Inode, SetAttr } from './inode.js';
import type { Location } from './namei.js';

/** The MAY_* bits of include/linux/fs.h. */
export const MAY = { EXEC: 1, WRITE: 2, READ: 4, APPEND: 8, ACCESS: 16, OPEN: 32, CHDIR: 64 } as const;

export const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000, S_IXGRP = 0o010, S_IXUGO = 0o111;

/** mount(2)'s per-mount flags, as Mount.flags keeps them. */
export const MS = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8 } as const;

/** The owner and mode a check needs (a Stat has them). */
export type Owned = Pick<Stat, 'mode' | 'uid' | 'gid'>;

/**
 * acl_permission_check() and the capability overrides of generic_permission().
 * Returns 0 or EACCES; mask holds MAY_READ/WRITE/EXEC (other bits ignored).
 */
export function genericPermission(cred: Cred, st: Owned, mask: number): number {
  mask &= MAY.READ | MAY.WRITE | MAY.EXEC;
  let mode = st.mode;
  if (cred.fsuid === st.uid) {
    if (!(mask & ~(mode >> 6))) return 0;
  } else {
    // The group bits apply only where they differ from the others' bits.
    if ((mask & (mode ^ (mode >> 3))) && cred.inGroup(st.gid)) mode >>= 3;
    if (!(mask & ~mode & 7)) return 0;
  }
  if ((st.mode & S_IFMT) === S_IFDIR) {
    // Directories: read and search are overridable by CAP_DAC_READ_SEARCH,
    // everything by CAP_DAC_OVERRIDE.
    if (!(mask & MAY.WRITE) && cred.capable(CAP.DAC_READ_SEARCH)) return 0;
    return cred.capable(CAP.DAC_OVERRIDE) ? 0 : E.EACCES;
  }
  if (mask === MAY.READ && cred.capable(CAP.DAC_READ_SEARCH)) return 0;
  // Execute is overridable only when some execute bit is set.
  if (!(mask & MAY.EXEC) || (st.mode & S_IXUGO)) {
    if (cred.capable(CAP.DAC_OVERRIDE)) return 0;
  }
  return E.EACCES;
}

/**
 * inode_permission(): throws EACCES when cred may not do mask on inode. The
 * capability short cuts avoid asking the filesystem for the inode's owner
 * when the answer cannot depend on it (root walking a path).
 */
export function inodePermission(cred: Cred, inode: Inode, mask: number): void {
  mask &= MAY.READ | MAY.WRITE | MAY.EXEC;
  if (mask === 0) return;
  if (inode.isDir()) {
    if (cred.capable(CAP.DAC_OVERRIDE)) return;
    if (!(mask & MAY.WRITE) && cred.capable(CAP.DAC_READ_SEARCH)) return;
  } else if (!(mask & MAY.EXEC) && cred.capable(CAP.DAC_OVERRIDE)) {
    return;
  }
  const err = genericPermission(cred, inode.getattr(), mask);
  if (err) throw new Errno(err);
}

/** may_lookup(): search permission on a directory the walk goes through. */
export function mayLookup(task: Task, dir: Inode): void {
  inodePermission(task.cred, dir, MAY.EXEC);
}

/** inode_owner_or_capable(): the owner, or CAP_FOWNER. */
export function ownerOrCapable(cred: Cred, st: Owned): boolean {
  return cred.fsuid === st.uid || cred.capable(CAP.FOWNER);
}

/** in_group_or_capable(): a member of gid, or CAP_FSETID. */
function inGroupOrCapable(cred: Cred, gid: number): boolean {
  return cred.inGroup(gid) || cred.capable(CAP.FSETID);
}

/** The MAY_* bits an open with flags asks for (build_open_flags' acc_mode). */
export function openMask(flags: number): number {
  const acc = flags & O.ACCMODE;
  let mask = acc === O.RDONLY ? MAY.READ : acc === O.WRONLY ? MAY.WRITE : MAY.READ | MAY.WRITE;
  if (flags & O.TRUNC) mask |= MAY.WRITE;
  if (flags & O.APPEND) mask |= MAY.APPEND;
  return mask | MAY.OPEN;
}

/**
 * may_open(): whether task may open the existing file at loc with flags
 * (O_PATH opens check nothing). Directories are never opened for writing;
 * device nodes not on nodev mounts; O_NOATIME is for the owner.
 */
export function mayOpen(task: Task, loc: Location, flags: number, mask = openMask(flags)): void {
  if (flags & O.PATH) return;
  const inode = loc.inode;
  const type = inode.fmt();
  switch (type) {
    case S_IFLNK: throw new Errno(E.ELOOP);
    case S_IFDIR:
      if (mask & MAY.WRITE) throw new Errno(E.EISDIR);
      if (mask & MAY.EXEC) throw new Errno(E.EACCES);
      break;
    case S_IFBLK: case S_IFCHR: case S_IFIFO: case S_IFSOCK:
      if ((type === S_IFBLK || type === S_IFCHR) && (loc.mnt.flags & MS.NODEV)) throw new Errno(E.EACCES);
      if (mask & MAY.EXEC) throw new Errno(E.EACCES);
      break;
    case S_IFREG:
      if ((mask & MAY.EXEC) && (loc.mnt.flags & MS.NOEXEC)) throw new Errno(E.EACCES);
      break;
  }
  inodePermission(task.cred, inode, mask);
  if ((flags & O.NOATIME) && !ownerOrCapable(task.cred, inode.getattr())) throw new Errno(E.EPERM);
}

/** may_create(): write and search permission on the directory a name is made in. */
export function mayCreate(task: Task, dir: Inode): void {
  inodePermission(task.cred, dir, MAY.WRITE | MAY.EXEC);
}

/**
 * check_sticky(): in a sticky directory only the owner of the file, the
 * owner of the directory, or CAP_FOWNER may remove or rename a name.
 */
function stickyDenies(cred: Cred, dir: Owned, victim: Owned): boolean {
  if (!(dir.mode & S_ISVTX)) return false;
  if (cred.fsuid === victim.uid || cred.fsuid === dir.uid) return false;
  return !cred.capable(CAP.FOWNER);
}

/**
 * may_delete(): whether task may remove (or rename away) the name whose
 * inode is victim from dir. The filesystem reports the type mismatches.
 */
export function mayDelete(task: Task, dir: Inode, victim: Inode): void {
  mayCreate(task, dir);
  const d = dir.getattr();
  if ((d.mode & S_ISVTX) && stickyDenies(task.cred, d, victim.getattr())) throw new Errno(E.EPERM);
}

/**
 * The owner and mode of a new inode in dir (inode_init_owner with
 * mode_strip_sgid): the creator's fsuid, and the creator's fsgid unless the
 * directory is setgid, in which case the directory's group, and a new
 * directory is setgid too. A setgid bit asked for on a group-executable file
 * in a setgid directory whose group the creator is not in is dropped.
 * Every filesystem that creates inodes calls this.
 */
export function inodeInitOwner(cred: Cred, dir: Owned | null, mode: number): { uid: number; gid: number; mode: number } {
  const isDir = (mode & S_IFMT) === S_IFDIR;
  if (dir && (dir.mode & S_ISGID)) {
    if (!isDir && (mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP) && !inGroupOrCapable(cred, dir.gid)) mode &= ~S_ISGID;
    return { uid: cred.fsuid, gid: dir.gid, mode: isDir ? mode | S_ISGID : mode };
  }
  return { uid: cred.fsuid, gid: cred.fsgid, mode };
}

/**
 * setattr_prepare() and the parts of notify_change() that decide: whether
 * task may make the change attr asks on inode. Returns the change to make,
 * with the setgid bit dropped from a chmod by a non-member, and the setuid
 * and setgid bits cleared by a chown of a non-directory (chown: the call is
 * a chown, even one that changes no id).
 */
export function setattrPrepare(task: Task, inode: Inode, attr: SetAttr, chown = false): SetAttr {
  const cred = task.cred;
  const st = inode.getattr();
  const out: SetAttr = { ...attr };
  if (attr.uid !== undefined && !(cred.fsuid === st.uid && attr.uid === st.uid) && !cred.capable(CAP.CHOWN)) {
    throw new Errno(E.EPERM);
  }
  if (attr.gid !== undefined && !(cred.fsuid === st.uid && (attr.gid === st.gid || cred.inGroup(attr.gid))) &&
      !cred.capable(CAP.CHOWN)) {
    throw new Errno(E.EPERM);
  }
  if (attr.mode !== undefined) {
    if (!ownerOrCapable(cred, st)) throw new Errno(E.EPERM);
    if (!inGroupOrCapable(cred, attr.gid ?? st.gid)) out.mode = attr.mode & ~S_ISGID;
  }
  if (attr.atime !== undefined || attr.mtime !== undefined) {
    // Setting times to the present (utimes(NULL)) needs write permission
    // or ownership; setting other times, ownership.
    const touch = attr.atime === 'now' && attr.mtime === 'now';
    if (!ownerOrCapable(cred, st)) {
      if (!touch) throw new Errno(E.EPERM);
      inodePermission(cred, inode, MAY.WRITE);
    }
  }
  if (chown && (st.mode & S_IFMT) !== S_IFDIR) {
    // chown_common: ATTR_KILL_SUID, and ATTR_KILL_SGID when setattr_should_drop_sgid.
    let mode = st.mode & 0o7777;
    mode &= ~S_ISUID;
    if ((mode & S_ISGID) && ((mode & S_IXGRP) || !inGroupOrCapable(cred, st.gid))) mode &= ~S_ISGID;
    if (mode !== (st.mode & 0o7777)) out.mode = mode;
  }
  return out;
}

/**
 * setattr_should_drop_suidgid(): the mode a write or truncate by cred
 * leaves a regular file with (null when nothing is to be cleared): the
 * setuid bit, and the setgid bit of a group-executable file, go unless the
 * writer has CAP_FSETID.
 */
export function killPrivMode(cred: Cred, st: Owned): number | null {
  if ((st.mode & S_IFMT) !== S_IFREG || !(st.mode & (S_ISUID | S_ISGID))) return null;
  if (cred.capable(CAP.FSETID)) return null;
  let mode = st.mode & 0o7777 & ~S_ISUID;
  if ((mode & S_ISGID) && ((mode & S_IXGRP) || !cred.inGroup(st.gid))) mode &= ~S_ISGID;
  return mode === (st.mode & 0o7777) ? null : mode;
}

/**
 * file_remove_privs(): before a write or truncate, clears what killPrivMode
 * says. The kernel does it on the writer's behalf, whatever the writer's
 * rights on the inode's mode.
 */
export function fileRemovePrivs(task: Task, inode: Inode, stat: () => Stat | null): void {
  if (task.cred.capable(CAP.FSETID)) return;
  const st = stat();
  if (!st) return;
  const mode = killPrivMode(task.cred, st);
  if (mode !== null) inode.setattr(task, { mode, force: true });
}

/**
 * xattr_permission(): trusted.* is for CAP_SYS_ADMIN only; user.* exists
 * only on regular files and directories (and a sticky directory's only for
 * its owner to write); security.* and system.* are left to the filesystem;
 * the rest needs read (get) or write (set, remove) permission on the inode.
 */
export function xattrPermission(task: Task, inode: Inode, name: string, mask: number): void {
  const write = (mask & MAY.WRITE) !== 0;
  if (name.startsWith('security.') || name.startsWith('system.')) return;
  if (name.startsWith('trusted.')) {
    if (!task.cred.capable(CAP.SYS_ADMIN)) throw new Errno(write ? E.EPERM : E.ENODATA);
    return;
  }
  if (name.startsWith('user.')) {
    const st = inode.getattr();
    const type = st.mode & S_IFMT;
    if (type !== S_IFREG && type !== S_IFDIR) throw new Errno(write ? E.EPERM : E.ENODATA);
    if (type === S_IFDIR && (st.mode & S_ISVTX) && write && !ownerOrCapable(task.cred, st)) throw new Errno(E.EPERM);
  }
  inodePermission(task.cred, inode, mask);
}

/** listxattr(): the trusted.* names are shown to CAP_SYS_ADMIN only. */
export function filterXattrList(task: Task, list: Buffer): Buffer {
  if (task.cred.capable(CAP.SYS_ADMIN)) return list;
  const names = list.toString('latin1').split('\0').filter((n) => n !== '' && !n.startsWith('trusted.'));
  return Buffer.from(names.map((n) => n + '\0').join(''), 'latin1');
}

/**
 * The permission part of do_open_execat() for a regular file: execute (not
 * read) permission, and none on a noexec mount.
 */
export function mayExec(cred: Cred, st: Owned, mntFlags: number): void {
  if (mntFlags & MS.NOEXEC) throw new Errno(E.EACCES);
  const err = genericPermission(cred, st, MAY.EXEC);
  if (err) throw new Errno(err);
}
