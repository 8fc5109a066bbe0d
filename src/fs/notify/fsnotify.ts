// fsnotify (fs/notify/fsnotify.c, include/linux/fsnotify.h): the VFS tells
// the watchers of an inode what happened to it, and the watchers of its
// parent directory what happened to the child called so. Only the kernel's
// own operations are seen: a change the host makes to a host file behind
// hostfs or the overlay's lower layer is not (as UML's hostfs).
//
// Inodes are named by (st_dev, st_ino): a filesystem may hand out several
// objects for one file (hostfs does). Nothing is computed while nobody
// watches anything.
import type { Kernel } from '../../kernel/kernel.js';
import type { File } from '../file.js';
import type { Inode } from '../inode.js';
import type { Location } from '../mount.js';

export const IN = {
  ACCESS: 0x1, MODIFY: 0x2, ATTRIB: 0x4, CLOSE_WRITE: 0x8, CLOSE_NOWRITE: 0x10, OPEN: 0x20,
  MOVED_FROM: 0x40, MOVED_TO: 0x80, CREATE: 0x100, DELETE: 0x200, DELETE_SELF: 0x400, MOVE_SELF: 0x800,
  UNMOUNT: 0x2000, Q_OVERFLOW: 0x4000, IGNORED: 0x8000,
  ONLYDIR: 0x1000000, DONT_FOLLOW: 0x2000000, EXCL_UNLINK: 0x4000000, MASK_CREATE: 0x10000000,
  MASK_ADD: 0x20000000, ISDIR: 0x40000000, ONESHOT: 0x80000000,
} as const;
export const IN_ALL_EVENTS = 0xfff;
/** The events a directory hears about its children (FS_EVENTS_POSS_ON_CHILD). */
const ON_CHILD = IN.ACCESS | IN.MODIFY | IN.ATTRIB | IN.CLOSE_WRITE | IN.CLOSE_NOWRITE | IN.OPEN;

/** One watcher of one inode (an inotify watch). */
export interface Mark {
  mask: number;
  /** Delivers an event; name is the child's for a directory's event about a child. */
  event(mask: number, cookie: number, name: string | null): void;
  /** The inode is gone (DELETE_SELF was delivered): the mark ends. */
  inodeGone(): void;
}

interface Registry { marks: Map<string, Set<Mark>>; cookie: number }
const registries = new WeakMap<Kernel, Registry>();
function registry(k: Kernel): Registry {
  let r = registries.get(k);
  if (!r) registries.set(k, (r = { marks: new Map(), cookie: 0 }));
  return r;
}

/** The key of an inode, or null when it has none any more (removed behind our back). */
export function inodeKey(inode: Inode): string | null {
  try { const st = inode.getattr(); return `${st.dev}:${st.ino}`; } catch { return null; }
}

export function addMark(k: Kernel, key: string, m: Mark): void {
  const r = registry(k);
  let s = r.marks.get(key);
  if (!s) r.marks.set(key, (s = new Set()));
  s.add(m);
}

export function removeMark(k: Kernel, key: string, m: Mark): void {
  const r = registry(k);
  const s = r.marks.get(key);
  if (!s) return;
  s.delete(m);
  if (s.size === 0) r.marks.delete(key);
}

const watching = (k: Kernel) => (registries.get(k)?.marks.size ?? 0) > 0;

function deliver(k: Kernel, key: string | null, mask: number, cookie: number, name: string | null): void {
  if (key === null) return;
  const s = registry(k).marks.get(key);
  if (!s) return;
  const ev = mask & ~IN.ISDIR;
  for (const m of [...s]) if (m.mask & ev) m.event(mask, cookie, name);
}

/** The directory that holds loc's object, within its filesystem (d_parent); null at a mount's root. */
function parentOf(loc: Location): { dir: Inode; name: string } | null {
  if (loc.path === '/' || !loc.path.startsWith('/')) return null;
  const parts = loc.path.split('/').filter(Boolean);
  let dir = loc.mnt.root;
  try {
    for (const p of parts.slice(0, -1)) dir = dir.lookup(p);
  } catch { return null; }
  return { dir, name: parts[parts.length - 1] };
}

/** fsnotify_parent + fsnotify: an event on the object at loc, for its watchers and its directory's. */
export function notifyLoc(k: Kernel, loc: Location, mask: number): void {
  if (!watching(k)) return;
  notifyInode(k, loc.inode, mask);
  if (!(mask & ON_CHILD)) return;
  const p = parentOf(loc);
  if (p) deliver(k, inodeKey(p.dir), mask | (loc.inode.isDir() ? IN.ISDIR : 0), 0, p.name);
}

/** An event on an inode reached without its path (fsetxattr and the like): its own watchers only. */
export function notifyInode(k: Kernel, inode: Inode, mask: number): void {
  if (watching(k)) deliver(k, inodeKey(inode), mask | (inode.isDir() ? IN.ISDIR : 0), 0, null);
}

/** A name appeared in dir (create, mkdir, mknod, symlink, link). */
export function notifyCreate(k: Kernel, dir: Inode, name: string, isDir: boolean): void {
  if (!watching(k)) return;
  deliver(k, inodeKey(dir), IN.CREATE | (isDir ? IN.ISDIR : 0), 0, name);
}

/**
 * A name went from dir (unlink, rmdir): IN_DELETE for the directory and,
 * when that was the object's last link, IN_DELETE_SELF (then IN_IGNORED)
 * for its watchers. key: the object's key taken before the removal.
 */
export function notifyDelete(k: Kernel, dir: Inode, name: string, key: string | null, inode: Inode, isDir: boolean): void {
  if (!watching(k)) return;
  if (!isDir) deliver(k, key, IN.ATTRIB, 0, null);   // fsnotify_link_count: one link fewer
  // The object goes (d_delete) before the directory hears of it.
  const dirKey = inodeKey(dir);
  selfGone(k, key, inode, isDir);
  deliver(k, dirKey, IN.DELETE | (isDir ? IN.ISDIR : 0), 0, name);
}

function selfGone(k: Kernel, key: string | null, inode: Inode, isDir: boolean): void {
  if (key === null) return;
  let links = 0n;
  try { links = inode.getattr().nlink; } catch { /* gone */ }
  // A directory is gone with its name (its own "." does not keep it).
  if (links > (isDir ? 1n : 0n)) return;
  deliver(k, key, IN.DELETE_SELF, 0, null);
  const s = registry(k).marks.get(key);
  if (s) for (const m of [...s]) m.inodeGone();
}

/** The key of what a name in dir is now (for notifyDelete and notifyRename), when anything watches. */
export function keyOfName(k: Kernel, dir: Inode, name: string): string | null {
  if (!watching(k)) return null;
  try { return inodeKey(dir.lookup(name)); } catch { return null; }
}

/**
 * A rename: IN_MOVED_FROM and IN_MOVED_TO with one cookie for the two
 * directories, IN_MOVE_SELF for the object, and the end of an object the
 * rename replaced. The keys are taken before the rename (a host file's
 * object names its old path).
 */
export function notifyRename(k: Kernel, oldDir: Inode, oldName: string, newDir: Inode, newName: string,
  moved: { key: string | null; inode: Inode }, replaced: { key: string | null; inode: Inode } | null): void {
  if (!watching(k)) return;
  const r = registry(k);
  const cookie = r.cookie = ((r.cookie + 1) >>> 0) || 1;
  const dir = moved.inode.isDir() ? IN.ISDIR : 0;
  deliver(k, inodeKey(oldDir), IN.MOVED_FROM | dir, cookie, oldName);
  deliver(k, inodeKey(newDir), IN.MOVED_TO | dir, cookie, newName);
  deliver(k, moved.key, IN.MOVE_SELF, 0, null);   // DELETE_SELF and MOVE_SELF carry no IN_ISDIR, as Linux reports them
  if (replaced) selfGone(k, replaced.key, replaced.inode, replaced.inode.isDir());
}

/** An open file: IN_OPEN now, IN_CLOSE_WRITE or IN_CLOSE_NOWRITE when its last reference goes. */
export function notifyOpen(k: Kernel, f: File): void {
  const loc = f.location;
  if (!loc) return;
  notifyLoc(k, loc, IN.OPEN);
  const mode = f.writable ? IN.CLOSE_WRITE : IN.CLOSE_NOWRITE;
  f.closeHooks.add(() => { if (f.location) notifyLoc(k, f.location, mode); });
}

/** A read (IN_ACCESS) or a write (IN_MODIFY) through f. */
export function notifyFile(k: Kernel, f: File, mask: number): void {
  if (f.location && watching(k)) notifyLoc(k, f.location, mask);
}
