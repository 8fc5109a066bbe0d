// Attribute changes for the filesystems the kernel keeps itself (fs/attr.c,
// fs/inode.c): who may chmod, chown and set times (setattr_prepare), what
// a change does to the setuid and setgid bits, the owner of a new inode
// (inode_init_owner), and the permission bits (generic_permission). A
// filesystem whose host checks these itself (hostfs) does not need them.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { CAP } from '../kernel/cred.js';
import { S_IFDIR, S_IFMT, S_IFREG } from './file.js';
import type { SetAttr } from './inode.js';

export const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000, S_IXGRP = 0o010;
export const MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

/** What these checks need of an inode. */
export interface Owned { mode: number; uid: number; gid: number }

/** inode_owner_or_capable */
export function ownerOrCapable(task: Task, ino: Owned): boolean {
  return task.cred.fsuid === ino.uid || task.cred.capable(CAP.FOWNER);
}

/** in_group_or_capable */
function inGroupOrCapable(task: Task, gid: number): boolean {
  return task.cred.inGroup(gid) || task.cred.capable(CAP.FSETID);
}

/**
 * generic_permission: the owner, group or other bits for the caller's fsuid
 * and groups, then CAP_DAC_OVERRIDE (everything but executing a file with no
 * x bit) and CAP_DAC_READ_SEARCH (reading, and searching directories).
 */
export function genericPermission(task: Task, ino: Owned, mask: number): void {
  const c = task.cred;
  const bits = c.fsuid === ino.uid ? ino.mode >> 6 : c.inGroup(ino.gid) ? ino.mode >> 3 : ino.mode;
  if ((mask & ~bits & 7) === 0) return;
  const dir = (ino.mode & S_IFMT) === S_IFDIR;
  if (c.capable(CAP.DAC_OVERRIDE) && (dir || !(mask & MAY_EXEC) || (ino.mode & 0o111))) return;
  if (c.capable(CAP.DAC_READ_SEARCH) && !(mask & MAY_WRITE) && (dir || !(mask & MAY_EXEC))) return;
  throw new Errno(E.EACCES);
}

/** setattr_should_drop_sgid */
function shouldDropSgid(task: Task, ino: Owned): boolean {
  if (!(ino.mode & S_ISGID)) return false;
  if (ino.mode & S_IXGRP) return true;
  return !inGroupOrCapable(task, ino.gid);
}

/**
 * should_remove_suid: the bits a write or truncate by task takes off a
 * regular file (unless the writer has CAP_FSETID).
 */
export function killPrivMode(task: Task, ino: Owned): number | null {
  if ((ino.mode & S_IFMT) !== S_IFREG) return null;
  let mode = ino.mode;
  if (mode & S_ISUID) mode &= ~S_ISUID;
  if (shouldDropSgid(task, ino)) mode &= ~S_ISGID;
  if (mode === ino.mode || task.cred.capable(CAP.FSETID)) return null;
  return mode;
}

/**
 * setattr_prepare, and the mode notify_change and setattr_copy then set: may
 * task make the change (EPERM, or EACCES for touching times without owning
 * the file or being able to write it), and which full mode the inode gets
 * (null when it keeps its own). A chown (uid or gid in attr) also takes off
 * the setuid bit, and the setgid bit of a group-executable file, as
 * chown_common asks for non-directories.
 */
export function setattrPrepare(task: Task, ino: Owned, attr: SetAttr): number | null {
  const c = task.cred;
  const chown = attr.uid !== undefined || attr.gid !== undefined;
  // ATTR_FORCE: the kernel's own change (file_remove_privs) is not checked.
  if (!attr.force) {
    if (attr.uid !== undefined && attr.uid !== ino.uid && !c.capable(CAP.CHOWN)) throw new Errno(E.EPERM);
    if (attr.uid !== undefined && c.fsuid !== ino.uid && !c.capable(CAP.CHOWN)) throw new Errno(E.EPERM);
    if (attr.gid !== undefined && !c.capable(CAP.CHOWN) &&
        (c.fsuid !== ino.uid || (attr.gid !== ino.gid && !c.inGroup(attr.gid)))) throw new Errno(E.EPERM);
    if (attr.mode !== undefined && !ownerOrCapable(task, ino)) throw new Errno(E.EPERM);
    const explicitTime = (t: SetAttr['atime']) => Array.isArray(t);
    if (explicitTime(attr.atime) || explicitTime(attr.mtime)) {
      if (!ownerOrCapable(task, ino)) throw new Errno(E.EPERM);
    } else if (attr.atime === 'now' || attr.mtime === 'now') {
      if (!ownerOrCapable(task, ino)) genericPermission(task, ino, MAY_WRITE);
    }
  }
  let mode: number | null = null;
  if (attr.mode !== undefined) {
    mode = (ino.mode & S_IFMT) | (attr.mode & 0o7777);
    // setattr_copy: the setgid bit needs the file's (new) group, or CAP_FSETID.
    if (!inGroupOrCapable(task, attr.gid ?? ino.gid)) mode &= ~S_ISGID;
  }
  if (chown && (ino.mode & S_IFMT) !== S_IFDIR) {
    let m = mode ?? ino.mode;
    if (m & S_ISUID) m &= ~S_ISUID;
    if (shouldDropSgid(task, { ...ino, mode: m })) m &= ~S_ISGID;
    if (m !== (mode ?? ino.mode)) mode = m;
  }
  return mode;
}

/**
 * inode_init_owner: a new inode belongs to the caller's fsuid; its group is
 * the caller's fsgid, or the directory's when the directory is setgid (and a
 * new directory then is setgid too). mode_strip_sgid: a group-executable
 * setgid file made in a setgid directory of a group the caller is not in
 * loses the bit. Returns { uid, gid, mode }.
 */
export function initOwner(task: Task, dir: Owned | null, mode: number): Owned {
  let gid = task.cred.fsgid;
  if (dir && (dir.mode & S_ISGID)) {
    gid = dir.gid;
    if ((mode & S_IFMT) === S_IFDIR) mode |= S_ISGID;
    else if ((mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP) && !inGroupOrCapable(task, dir.gid)) mode &= ~S_ISGID;
  }
  return { uid: task.cred.fsuid, gid, mode };
}
