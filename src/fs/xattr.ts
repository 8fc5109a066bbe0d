// Extended attributes kept in memory (fs/xattr.c simple_xattr_*, with the
// checks of xattr_permission and of the capability module): for the
// filesystems of the kernel's own, tmpfs first. The namespaces are user.,
// trusted. and security.; system. (POSIX ACLs) is not supported.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { CAP } from '../kernel/cred.js';
import { S_IFDIR, S_IFMT, S_IFREG } from './file.js';
import { genericPermission, MAY_READ, MAY_WRITE, ownerOrCapable, S_ISVTX, type Owned } from './attr.js';

const XATTR_CREATE = 1, XATTR_REPLACE = 2;
const PREFIXES = ['user.', 'trusted.', 'security.'];

/** The namespace of name, EOPNOTSUPP for one the filesystem has no handler for. */
function namespaceOf(name: string): string {
  const p = PREFIXES.find((x) => name.startsWith(x));
  if (!p) throw new Errno(E.EOPNOTSUPP);
  if (name.length === p.length) throw new Errno(E.EINVAL);
  return p;
}

/** xattr_permission, and cap_inode_setxattr for security.* (CAP_SYS_ADMIN). */
function xattrPermission(task: Task, ino: Owned, name: string, mask: number): void {
  const ns = namespaceOf(name);
  if (ns === 'security.') {
    if ((mask & MAY_WRITE) && !task.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
    return;
  }
  if (ns === 'trusted.') {
    if (!task.cred.capable(CAP.SYS_ADMIN)) throw new Errno(mask & MAY_WRITE ? E.EPERM : E.ENODATA);
    return;
  }
  const type = ino.mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFDIR) throw new Errno(mask & MAY_WRITE ? E.EPERM : E.ENODATA);
  if (type === S_IFDIR && (ino.mode & S_ISVTX) && (mask & MAY_WRITE) && !ownerOrCapable(task, ino)) throw new Errno(E.EPERM);
  genericPermission(task, ino, mask);
}

export class SimpleXattrs {
  private readonly map = new Map<string, Buffer>();

  /** Reading needs no task for security.*; the VFS passes the reader when it has one. */
  get(task: Task | null, ino: Owned, name: string): Buffer {
    if (task) xattrPermission(task, ino, name, MAY_READ);
    else namespaceOf(name);
    const v = this.map.get(name);
    if (!v) throw new Errno(E.ENODATA);
    return v;
  }

  /** The names, NUL-terminated; trusted.* only for CAP_SYS_ADMIN (simple_xattr_list). */
  list(task: Task | null): Buffer {
    const admin = task?.cred.capable(CAP.SYS_ADMIN) ?? true;
    const names = [...this.map.keys()].filter((n) => admin || !n.startsWith('trusted.'));
    return Buffer.from(names.map((n) => n + '\0').join(''), 'latin1');
  }

  set(task: Task, ino: Owned, name: string, value: Buffer, flags: number): void {
    xattrPermission(task, ino, name, MAY_WRITE);
    const has = this.map.has(name);
    if ((flags & XATTR_CREATE) && has) throw new Errno(E.EEXIST);
    if ((flags & XATTR_REPLACE) && !has) throw new Errno(E.ENODATA);
    this.map.set(name, Buffer.from(value));
  }

  remove(task: Task, ino: Owned, name: string): void {
    xattrPermission(task, ino, name, MAY_WRITE);
    if (!this.map.delete(name)) throw new Errno(E.ENODATA);
  }
}
