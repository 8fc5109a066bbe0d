// Path walk (fs/namei.c): the kernel resolves every guest path itself,
// component by component, following symlinks and crossing mount points, so a
// path means the same thing whichever filesystem is underneath.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { File } from './file.js';
import type { Inode, SuperBlock } from './inode.js';

export class Mount {
  constructor(
    readonly sb: SuperBlock,
    /** Guest absolute path of the mount point ("/" for the root). */
    readonly path: string,
    public flags: number = 0,
  ) {}
  get root(): Inode { return this.sb.root; }
}

/** A place in the guest's tree: the mount, the inode, and its canonical path. */
export interface Location { mnt: Mount; inode: Inode; path: string }

export class MountTable {
  readonly byPath = new Map<string, Mount>();
  mount(m: Mount): void { this.byPath.set(m.path, m); }
  umount(path: string): void { this.byPath.delete(path); }
  at(path: string): Mount | undefined { return this.byPath.get(path); }
  list(): Mount[] { return [...this.byPath.values()].sort((a, b) => a.path.length - b.path.length); }
}

export const AT_FDCWD = -100;
const MAX_SYMLINKS = 40;

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

export function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export interface WalkOptions {
  /** Follow a symlink in the last component. */
  follow: boolean;
  /** An empty path means the starting directory itself (AT_EMPTY_PATH). */
  emptyOk?: boolean;
}

export class Namei {
  constructor(readonly mounts: MountTable) {}

  /** The directory a relative path starts from. */
  private start(task: Task, dirfd: number, path: string): Location {
    if (path.startsWith('/')) return task.fs.root;
    if (dirfd === AT_FDCWD) return task.fs.cwd;
    const f = task.files.get(dirfd);
    if (!f.location) throw new Errno(E.ENOTDIR);
    return f.location;
  }

  /** Resolves a whole path to a location (or, through a magic link, an open file). */
  resolve(task: Task, dirfd: number, path: string, opts: WalkOptions): Location {
    const r = this.resolveAny(task, dirfd, path, opts);
    if (r instanceof File) {
      if (r.location) return r.location;
      throw new Errno(E.ENOENT);
    }
    return r;
  }

  resolveAny(task: Task, dirfd: number, path: string, opts: WalkOptions): Location | File {
    if (path === '') {
      if (!opts.emptyOk) throw new Errno(E.ENOENT);
      if (dirfd === AT_FDCWD) return task.fs.cwd;
      const f = task.files.get(dirfd);
      return f.location ?? f;
    }
    if (path.length > 4095) throw new Errno(E.ENAMETOOLONG);
    const budget = { links: MAX_SYMLINKS };
    return this.walk(task, this.start(task, dirfd, path), path, opts.follow, budget);
  }

  /** Resolves all but the last component: for create, unlink, rename, ... */
  resolveParent(task: Task, dirfd: number, path: string): { dir: Location; name: string; trailingSlash: boolean } {
    if (path === '') throw new Errno(E.ENOENT);
    if (path.length > 4095) throw new Errno(E.ENAMETOOLONG);
    const trailingSlash = /\/+$/.test(path) && path.replace(/\/+$/, '') !== '';
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '') return { dir: task.fs.root, name: '.', trailingSlash: false };
    const i = trimmed.lastIndexOf('/');
    const dirPart = i < 0 ? '' : trimmed.slice(0, i) || '/';
    const name = trimmed.slice(i + 1);
    const startLoc = this.start(task, dirfd, path);
    const budget = { links: MAX_SYMLINKS };
    const dir = dirPart === '' ? startLoc : this.walk(task, startLoc, dirPart, true, budget);
    const d = dir instanceof File ? dir.location : dir;
    if (!d) throw new Errno(E.ENOTDIR);
    if (!d.inode.isDir()) throw new Errno(E.ENOTDIR);
    return { dir: d, name, trailingSlash };
  }

  private walk(task: Task, from: Location, path: string, followLast: boolean, budget: { links: number }): Location | File {
    let cur = from;
    const parts = path.split('/').filter((p) => p !== '');
    const mustBeDir = path.endsWith('/');
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      const last = i === parts.length - 1;
      if (!cur.inode.isDir()) throw new Errno(E.ENOTDIR);
      if (name.length > 255) throw new Errno(E.ENAMETOOLONG);
      if (name === '.') continue;
      if (name === '..') { cur = this.parent(task, cur); continue; }
      const inode = cur.inode.lookup(name);
      let next: Location = { mnt: cur.mnt, inode, path: joinPath(cur.path, name) };
      next = this.crossMounts(next);
      if (next.inode.isLink() && (!last || followLast || mustBeDir)) {
        if (--budget.links < 0) throw new Errno(E.ELOOP);
        const magic = next.inode.followMagic(task);
        let target: Location | File;
        if (magic) {
          target = magic;
        } else {
          const link = next.inode.readlink(task);
          if (link === '') throw new Errno(E.ENOENT);
          target = this.walk(task, link.startsWith('/') ? task.fs.root : cur, link, true, budget);
        }
        if (target instanceof File) {
          if (last) return target;
          if (!target.location) throw new Errno(E.ENOTDIR);
          target = target.location;
        }
        next = target;
      }
      cur = next;
    }
    if (mustBeDir && !cur.inode.isDir()) throw new Errno(E.ENOTDIR);
    return cur;
  }

  /** Follows mounts stacked on a location. */
  private crossMounts(loc: Location): Location {
    const m = this.mounts.at(loc.path);
    if (m && m !== loc.mnt) return { mnt: m, inode: m.root, path: loc.path };
    return loc;
  }

  /** "..": never above the task's root; across a mount point to the mounted-on directory's parent. */
  private parent(task: Task, loc: Location): Location {
    if (loc.path === task.fs.root.path || loc.path === '/') return loc;
    const p = parentPath(loc.path);
    // Re-walk the (canonical) parent path from the root of the whole tree.
    return this.lookupCanonical(p);
  }

  /** Resolves a canonical absolute path (no symlinks in it) from the tree's root. */
  lookupCanonical(path: string): Location {
    const rootMnt = this.mounts.at('/')!;
    let cur: Location = { mnt: rootMnt, inode: rootMnt.root, path: '/' };
    for (const name of path.split('/').filter((x) => x !== '')) {
      const inode = cur.inode.lookup(name);
      cur = this.crossMounts({ mnt: cur.mnt, inode, path: joinPath(cur.path, name) });
    }
    return cur;
  }
}
