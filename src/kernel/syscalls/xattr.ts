// Extended attributes (fs/xattr.c): get, list, set and remove, by path (with
// or without following a final symlink) and by fd.
import { Errno, E } from '../../host/errno.js';
import type { Inode } from '../../fs/inode.js';
import { filterXattrList, MAY, xattrPermission } from '../../fs/permission.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { int, register, size } from './table.js';
import { mntWantWrite } from '../../fs/namespace.js';
import { IN, notifyInode } from '../../fs/notify/fsnotify.js';

const XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536;
const XATTR_CREATE = 1, XATTR_REPLACE = 2;

/** write: the call changes the inode, which a read-only mount refuses. */
function byPath(k: Kernel, t: Task, addr: bigint, follow: boolean, write = false): Inode {
  const loc = k.namei.resolve(t, -100, t.mem.readCString(addr), { follow });
  if (write) mntWantWrite(loc);
  return loc.inode;
}

function byFd(t: Task, fd: number, write = false): Inode {
  const f = t.files.get(fd);
  if (!f.location) throw new Errno(E.EOPNOTSUPP);
  if (write) mntWantWrite(f.location);
  return f.location.inode;
}

function attrName(t: Task, addr: bigint): string {
  const name = t.mem.readCString(addr, XATTR_NAME_MAX + 1);
  if (name === '' || name.length > XATTR_NAME_MAX) throw new Errno(E.ERANGE);
  return name;
}

/** Copies a value out as getxattr/listxattr do: size 0 asks for the length; too small is ERANGE. */
function copyOut(t: Task, data: Buffer, addr: bigint, len: number): number {
  if (len === 0) return data.length;
  if (data.length > len) throw new Errno(E.ERANGE);
  if (data.length) t.mem.write(addr, data);
  return data.length;
}

function get(t: Task, ino: Inode, a: bigint[]): number {
  const name = attrName(t, a[1]);
  xattrPermission(t, ino, name, MAY.READ);
  return copyOut(t, ino.getxattr(name, t), a[2], size(a[3]));
}
const list = (t: Task, ino: Inode, a: bigint[]) => copyOut(t, filterXattrList(t, ino.listxattr(t)), a[1], size(a[2]));
function set(t: Task, ino: Inode, a: bigint[]): number {
  const name = attrName(t, a[1]);
  const len = size(a[3]);
  const flags = int(a[4]);
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw new Errno(E.EINVAL);
  if (len > XATTR_SIZE_MAX) throw new Errno(E.E2BIG);
  xattrPermission(t, ino, name, MAY.WRITE);
  ino.setxattr(t, name, len ? t.mem.read(a[2], len) : Buffer.alloc(0), flags);
  notifyInode(t.kernel, ino, IN.ATTRIB);
  return 0;
}
function remove(t: Task, ino: Inode, a: bigint[]): number {
  const name = attrName(t, a[1]);
  xattrPermission(t, ino, name, MAY.WRITE);
  ino.removexattr(t, name);
  notifyInode(t.kernel, ino, IN.ATTRIB);
  return 0;
}

register('getxattr', (k, t, a) => get(t, byPath(k, t, a[0], true), a));
register('lgetxattr', (k, t, a) => get(t, byPath(k, t, a[0], false), a));
register('fgetxattr', (_k, t, a) => get(t, byFd(t, int(a[0])), a));
register('listxattr', (k, t, a) => list(t, byPath(k, t, a[0], true), a));
register('llistxattr', (k, t, a) => list(t, byPath(k, t, a[0], false), a));
register('flistxattr', (_k, t, a) => list(t, byFd(t, int(a[0])), a));
register('setxattr', (k, t, a) => set(t, byPath(k, t, a[0], true, true), a));
register('lsetxattr', (k, t, a) => set(t, byPath(k, t, a[0], false, true), a));
register('fsetxattr', (_k, t, a) => set(t, byFd(t, int(a[0]), true), a));
register('removexattr', (k, t, a) => remove(t, byPath(k, t, a[0], true, true), a));
register('lremovexattr', (k, t, a) => remove(t, byPath(k, t, a[0], false, true), a));
register('fremovexattr', (_k, t, a) => remove(t, byFd(t, int(a[0]), true), a));
