// ext2's directory operations (fs/ext2/namei.c): lookup, create, mknod,
// mkdir, link, unlink, rmdir, symlink and rename, on top of dir.ts and the
// inode allocator. Link counts follow Linux: a directory has 2 + its
// subdirectories, and a new inode takes its group and ownership rules
// (setgid directories pass on their group) from ext2_new_inode.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_IFCHR, S_IFBLK } from '../file.js';
import type { Inode } from '../inode.js';
import { addEntry, deleteEntry, isEmpty, makeEmpty, names, setEntry } from './dir.js';
import { LINK_MAX, WANT_EXTRA_ISIZE } from './ext2.js';
import { newInodeNumber } from './ialloc.js';
import { Ext2Inode, nowTime } from './inode.js';
import { writeSymlink } from './symlink.js';

const NAME_MAX = 255;
const S_ISGID = 0o2000;
const RENAME_NOREPLACE = 1;

export function lookup(dir: Ext2Inode, name: string): Ext2Inode {
  if (Buffer.byteLength(name, 'latin1') > NAME_MAX) throw new Errno(E.ENAMETOOLONG);
  const e = names(dir).get(name);
  if (!e) throw new Errno(E.ENOENT);
  return dir.sb.iget(e.ino);
}

function begin(dir: Ext2Inode, task: Task, name: string): void {
  dir.sb.checkWritable();
  dir.sb.current = task;
  if (dir.links === 0) throw new Errno(E.ENOENT);
  if (Buffer.byteLength(name, 'latin1') > NAME_MAX) throw new Errno(E.ENAMETOOLONG);
  if (names(dir).has(name)) throw new Errno(E.EEXIST);
}

/** ext2_new_inode: a fresh inode owned by the caller, in a group chosen for it. */
function newInode(dir: Ext2Inode, task: Task, mode: number): Ext2Inode {
  const sb = dir.sb;
  const isDir = (mode & S_IFMT) === S_IFDIR;
  const ino = newInodeNumber(sb, dir.ino, isDir);
  const inode = Ext2Inode.fresh(sb, ino);
  inode.imode = mode;
  inode.uid = task.cred.fsuid;
  if (dir.imode & S_ISGID) {
    inode.gid = dir.gid;
    if (isDir) inode.imode |= S_ISGID;
  } else {
    inode.gid = task.cred.fsgid;
  }
  const now = nowTime();
  inode.atime = inode.mtime = inode.ctime = inode.crtime = now;
  inode.links = 1;
  inode.generation = (Math.random() * 2 ** 32) >>> 0;
  if (sb.inodeSize >= 128 + WANT_EXTRA_ISIZE) inode.extraIsize = WANT_EXTRA_ISIZE;
  // ext2_new_inode: the directory's inheritable flags (not the index flag).
  inode.flags = dir.flags & 0x000380d4 & (isDir ? ~0 : ~0x20000);
  inode.save();
  return inode;
}

/** create and mknod: a regular file, device node, FIFO or socket called name. */
export function create(dir: Ext2Inode, task: Task, name: string, mode: number, dev: bigint): Ext2Inode {
  begin(dir, task, name);
  const inode = newInode(dir, task, mode);
  const t = mode & S_IFMT;
  if (t === S_IFCHR || t === S_IFBLK) { inode.rdev = dev; inode.save(); }
  try {
    addEntry(dir, name, inode.ino, mode);
  } catch (e) {
    inode.links = 0;
    inode.evictIfUnused();
    throw e;
  }
  return inode;
}

export function mkdir(dir: Ext2Inode, task: Task, name: string, mode: number): void {
  begin(dir, task, name);
  if (dir.links >= LINK_MAX) throw new Errno(E.EMLINK);
  const inode = newInode(dir, task, S_IFDIR | (mode & 0o7777));
  try {
    inode.links = 2;
    makeEmpty(inode, dir.ino);
    inode.save();
    addEntry(dir, name, inode.ino, inode.imode);
  } catch (e) {
    inode.links = 0;
    inode.evictIfUnused();
    throw e;
  }
  dir.links++;
  dir.save();
}

export function symlink(dir: Ext2Inode, task: Task, target: string, name: string): void {
  begin(dir, task, name);
  if (Buffer.byteLength(target) >= dir.sb.blockSize) throw new Errno(E.ENAMETOOLONG);
  const inode = newInode(dir, task, S_IFLNK | 0o777);
  try {
    writeSymlink(inode, target);
    addEntry(dir, name, inode.ino, inode.imode);
  } catch (e) {
    inode.links = 0;
    inode.evictIfUnused();
    throw e;
  }
}

export function link(dir: Ext2Inode, task: Task, old: Inode, name: string): void {
  if (!(old instanceof Ext2Inode) || old.sb !== dir.sb) throw new Errno(E.EXDEV);
  begin(dir, task, name);
  if (old.links === 0) throw new Errno(E.ENOENT);
  if (old.links >= LINK_MAX) throw new Errno(E.EMLINK);
  addEntry(dir, name, old.ino, old.imode);
  old.links++;
  old.ctime = nowTime();
  old.save();
}

function dropLink(inode: Ext2Inode): void {
  inode.links = Math.max(0, inode.links - 1);
  inode.ctime = nowTime();
  inode.save();
  inode.evictIfUnused();
}

export function unlink(dir: Ext2Inode, task: Task, name: string): void {
  dir.sb.checkWritable();
  dir.sb.current = task;
  const inode = lookup(dir, name);
  if (inode.isDir()) throw new Errno(E.EISDIR);
  deleteEntry(dir, name);
  dropLink(inode);
}

export function rmdir(dir: Ext2Inode, task: Task, name: string): void {
  dir.sb.checkWritable();
  dir.sb.current = task;
  const inode = lookup(dir, name);
  if (!inode.isDir()) throw new Errno(E.ENOTDIR);
  if (!isEmpty(inode)) throw new Errno(E.ENOTEMPTY);
  deleteEntry(dir, name);
  inode.size = 0;
  inode.links = 0;
  inode.ctime = nowTime();
  inode.save();
  inode.evictIfUnused();
  dir.links--;
  dir.save();
}

/** Whether a is b or one of b's ancestors (a rename of a into b's subtree would cut it loose). */
function isAncestor(a: Ext2Inode, b: Ext2Inode): boolean {
  let cur: Ext2Inode = b;
  for (let i = 0; i < 4096; i++) {
    if (cur === a) return true;
    if (cur.ino === 2) return false;
    const up = names(cur).get('..');
    if (!up || up.ino === cur.ino) return false;
    cur = cur.sb.iget(up.ino);
  }
  return false;
}

/** ext2_rename (RENAME_NOREPLACE is the one flag ext2 supports, as in Linux). */
export function rename(oldDir: Ext2Inode, task: Task, oldName: string, newDirI: Inode, newName: string, flags: number): void {
  if (flags & ~RENAME_NOREPLACE) throw new Errno(E.EINVAL);
  if (!(newDirI instanceof Ext2Inode) || newDirI.sb !== oldDir.sb) throw new Errno(E.EXDEV);
  const newDir = newDirI;
  oldDir.sb.checkWritable();
  oldDir.sb.current = task;
  if (Buffer.byteLength(newName, 'latin1') > NAME_MAX) throw new Errno(E.ENAMETOOLONG);
  const src = lookup(oldDir, oldName);
  const targetEntry = names(newDir).get(newName);
  const target = targetEntry ? newDir.sb.iget(targetEntry.ino) : null;
  if (target === src) return;      // two names of one inode: nothing to do
  if (target && (flags & RENAME_NOREPLACE)) throw new Errno(E.EEXIST);
  if (src.isDir() && isAncestor(src, newDir)) throw new Errno(E.EINVAL);
  if (target) {
    if (src.isDir() && !target.isDir()) throw new Errno(E.ENOTDIR);
    if (!src.isDir() && target.isDir()) throw new Errno(E.EISDIR);
    if (target.isDir() && !isEmpty(target)) throw new Errno(E.ENOTEMPTY);
  } else if (src.isDir() && newDir !== oldDir && newDir.links >= LINK_MAX) {
    throw new Errno(E.EMLINK);
  }
  if (target) {
    setEntry(newDir, newName, src.ino, src.imode);
    if (target.isDir()) {
      target.links = 0;
      target.size = 0;
      target.ctime = nowTime();
      target.save();
      target.evictIfUnused();
    } else {
      dropLink(target);
    }
  } else {
    addEntry(newDir, newName, src.ino, src.imode);
    if (src.isDir()) newDir.links++;
  }
  newDir.save();
  deleteEntry(oldDir, oldName);
  if (src.isDir()) {
    // The moved directory's ".." now counts for newDir (counted above), no longer for oldDir.
    if (newDir !== oldDir) setEntry(src, '..', newDir.ino, S_IFDIR, false);
    oldDir.links--;
    oldDir.save();
  }
  src.ctime = nowTime();
  src.save();
}

export { S_IFREG };
