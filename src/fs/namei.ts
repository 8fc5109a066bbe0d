// Path walk (fs/namei.c): the kernel resolves every guest path itself,
// component by component, following symlinks and crossing mount points, so a
// path means the same thing whichever filesystem is underneath.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { File } from './file.js';
import type { Mount, Location } from './mount.js';
import { mayLookup } from './permission.js';

export { Mount, MntNamespace, MS, type Location } from './mount.js';

export const AT_FDCWD = -100;
const MAX_SYMLINKS = 40;

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

export function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** openat2's RESOLVE_* flags (include/uapi/linux/openat2.h). */
export const RESOLVE = {
  NO_XDEV: 0x01, NO_MAGICLINKS: 0x02, NO_SYMLINKS: 0x04, BENEATH: 0x08, IN_ROOT: 0x10, CACHED: 0x20,
} as const;
const SCOPED = RESOLVE.BENEATH | RESOLVE.IN_ROOT;

export interface WalkOptions {
  /** Follow a symlink in the last component. */
  follow: boolean;
  /** An empty path means the starting directory itself (AT_EMPTY_PATH). */
  emptyOk?: boolean;
  /** openat2's RESOLVE_* restrictions on the walk (0: none). */
  resolve?: number;
  /**
   * The root of a scoped walk (RESOLVE_BENEATH / RESOLVE_IN_ROOT) that goes
   * on from another directory, as open(O_CREAT) does through a dangling
   * symlink; by default the walk's starting directory is its root.
   */
  root?: Location;
}

/** struct nameidata, reduced: what one walk carries through its symlinks. */
interface NameData {
  /** Where "/" and ".." stop: the task's root, or the scope of a scoped walk. */
  root: Location;
  resolve: number;
  /** Symlinks left to follow before ELOOP. */
  links: number;
}

export class Namei {
  /** root: the initial namespace's root, where lookupCanonical starts by default. */
  constructor(private readonly root: () => Location) {}

  /** The directory dirfd names (the cwd for AT_FDCWD). */
  private dirOf(task: Task, dirfd: number): Location {
    if (dirfd === AT_FDCWD) return task.fs.cwd;
    const f = task.files.get(dirfd);
    if (!f.location) throw new Errno(E.ENOTDIR);
    return f.location;
  }

  /**
   * The root a scoped walk of path from dirfd is confined to (undefined when
   * the walk is not scoped): for continuing it from elsewhere (WalkOptions.root).
   */
  scopeRoot(task: Task, dirfd: number, opts: WalkOptions): Location | undefined {
    if (!((opts.resolve ?? 0) & SCOPED)) return undefined;
    return opts.root ?? this.dirOf(task, dirfd);
  }

  /** path_init: where the walk starts and what confines it. */
  private begin(task: Task, dirfd: number, path: string, opts: WalkOptions): { from: Location; nd: NameData } {
    const resolve = opts.resolve ?? 0;
    const absolute = path.startsWith('/');
    if (!(resolve & SCOPED)) {
      return { from: absolute ? task.fs.root : this.dirOf(task, dirfd), nd: { root: task.fs.root, resolve, links: MAX_SYMLINKS } };
    }
    // RESOLVE_BENEATH refuses absolute paths; RESOLVE_IN_ROOT takes them
    // from the scope, as a chroot to dirfd would.
    if (absolute && (resolve & RESOLVE.BENEATH)) throw new Errno(E.EXDEV);
    const root = opts.root ?? this.dirOf(task, dirfd);
    const from = absolute ? root : opts.root ? this.dirOf(task, dirfd) : root;
    return { from, nd: { root, resolve, links: MAX_SYMLINKS } };
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
    const { from, nd } = this.begin(task, dirfd, path, opts);
    return this.walk(task, from, path, opts.follow, nd);
  }

  /**
   * kern_path: a walk the kernel does for itself (boot, mount sources at
   * boot), from root, following symlinks but no magic links.
   */
  kernPath(path: string, root: Location, follow = true): Location {
    const nd: NameData = { root, resolve: RESOLVE.NO_MAGICLINKS, links: MAX_SYMLINKS };
    const r = this.walk(undefined as unknown as Task, this.crossMounts(root), path, follow, nd);
    if (r instanceof File) throw new Errno(E.ENOENT);
    return r;
  }

  /** Resolves all but the last component: for create, unlink, rename, ... */
  resolveParent(task: Task, dirfd: number, path: string, opts: Omit<WalkOptions, 'follow'> = {}): { dir: Location; name: string; trailingSlash: boolean } {
    if (path === '') throw new Errno(E.ENOENT);
    if (path.length > 4095) throw new Errno(E.ENAMETOOLONG);
    const trailingSlash = /\/+$/.test(path) && path.replace(/\/+$/, '') !== '';
    const trimmed = path.replace(/\/+$/, '');
    const { from, nd } = this.begin(task, dirfd, path, { ...opts, follow: true });
    if (trimmed === '') return { dir: from, name: '.', trailingSlash: false };
    const i = trimmed.lastIndexOf('/');
    const dirPart = i < 0 ? '' : trimmed.slice(0, i) || '/';
    const name = trimmed.slice(i + 1);
    const dir = dirPart === '' ? from : this.walk(task, from, dirPart, true, nd);
    const d = dir instanceof File ? dir.location : dir;
    if (!d) throw new Errno(E.ENOTDIR);
    if (!d.inode.isDir()) throw new Errno(E.ENOTDIR);
    return { dir: d, name, trailingSlash };
  }

  private walk(task: Task, from: Location, path: string, followLast: boolean, nd: NameData): Location | File {
    let cur = from;
    const parts = path.split('/').filter((p) => p !== '');
    const mustBeDir = path.endsWith('/');
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      const last = i === parts.length - 1;
      if (!cur.inode.isDir()) throw new Errno(E.ENOTDIR);
      if (task) mayLookup(task, cur.inode);   // kern_path() walks with the kernel's own rights
      if (name.length > 255) throw new Errno(E.ENAMETOOLONG);
      if (name === '.') continue;
      if (name === '..') { cur = this.dotdot(cur, nd); continue; }
      const inode = cur.inode.lookup(name);
      let next: Location = { mnt: cur.mnt, inode, path: joinPath(cur.path, name) };
      next = this.crossMounts(next);
      if ((nd.resolve & RESOLVE.NO_XDEV) && next.mnt !== cur.mnt) throw new Errno(E.EXDEV);
      if (next.inode.isLink() && (!last || followLast || mustBeDir)) {
        if (--nd.links < 0) throw new Errno(E.ELOOP);
        if (nd.resolve & RESOLVE.NO_SYMLINKS) throw new Errno(E.ELOOP);
        const magic = this.magicOf(task, next, nd);
        let target: Location | File;
        if (magic) {
          this.checkMagic(cur, magic, nd);
          target = sameSbAs(magic, next.mnt);
        } else {
          const link = next.inode.readlink(task);
          if (link === '') throw new Errno(E.ENOENT);
          target = this.walk(task, link.startsWith('/') ? this.jumpRoot(cur, nd) : cur, link, true, nd);
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

  /**
   * What following a link yields directly, when it is a magic link. proc's
   * self and thread-self links resolve straight to their directory too, but
   * for Linux they are ordinary links with relative text: when RESOLVE_*
   * limits apply, a link with relative text is walked as the text says.
   * (The text of a magic link is an absolute path or, for an object outside
   * the tree, "type:[id]", which is no path.)
   */
  private magicOf(task: Task, link: Location, nd: NameData): Location | File | null {
    const magic = link.inode.followMagic(task);
    if (!magic || !(nd.resolve & (RESOLVE.NO_MAGICLINKS | RESOLVE.NO_XDEV | SCOPED))) return magic;
    const text = link.inode.readlink(task);
    return text !== '' && !text.startsWith('/') && !text.includes(':') ? null : magic;
  }

  /** nd_jump_link: a magic link jumps anywhere, so the RESOLVE_* limits refuse it. */
  private checkMagic(cur: Location, magic: Location | File, nd: NameData): void {
    if (nd.resolve & RESOLVE.NO_MAGICLINKS) throw new Errno(E.ELOOP);
    const to = magic instanceof File ? magic.location : magic;
    if ((nd.resolve & RESOLVE.NO_XDEV) && to?.mnt !== cur.mnt) throw new Errno(E.EXDEV);
    if (nd.resolve & SCOPED) throw new Errno(E.EXDEV);
  }

  /** nd_jump_root: an absolute symlink restarts at the root (the scope's for RESOLVE_IN_ROOT). */
  private jumpRoot(cur: Location, nd: NameData): Location {
    if (nd.resolve & RESOLVE.BENEATH) throw new Errno(E.EXDEV);
    if ((nd.resolve & RESOLVE.NO_XDEV) && cur.mnt !== nd.root.mnt) throw new Errno(E.EXDEV);
    return nd.root;
  }

  /**
   * follow_dotdot: ".." never goes above the walk's root (it stays there, or
   * fails with EXDEV under RESOLVE_BENEATH); at the root of a mount it goes
   * to the mountpoint in the parent mount first (EXDEV under RESOLVE_NO_XDEV).
   */
  private dotdot(cur: Location, nd: NameData): Location {
    const start = cur;
    const inRoot = () => {
      if (nd.resolve & RESOLVE.BENEATH) throw new Errno(E.EXDEV);
      return start;
    };
    if (sameLocation(cur, nd.root)) return inRoot();
    // choose_mountpoint: up through mounts whose mountpoint is their parent's
    // root, to the first that is a directory inside its parent; none (the
    // namespace's or a detached tree's top, or the walk's root): stay.
    while (cur.path === '/') {
      const m = cur.mnt;
      if (!m.parent || !m.mountpoint) return inRoot();
      cur = m.mountpoint;
      if (sameLocation(cur, nd.root)) return inRoot();
    }
    if (cur.mnt !== start.mnt && (nd.resolve & RESOLVE.NO_XDEV)) throw new Errno(E.EXDEV);
    const up = this.crossMounts(walkInMount(cur.mnt, parentPath(cur.path)));
    if ((nd.resolve & RESOLVE.NO_XDEV) && up.mnt !== cur.mnt) throw new Errno(E.EXDEV);
    return up;
  }

  /** Follows the mounts stacked on a location, to the topmost (follow_mount). */
  crossMounts(loc: Location): Location {
    for (;;) {
      const m = loc.mnt.children.get(loc.path);
      if (!m) return loc;
      loc = m.rootLocation();
    }
  }

  /**
   * Resolves an absolute path with no symlinks in it (one d_path gave) from
   * a root: the namespace's root unless another is given.
   */
  lookupCanonical(path: string, from: Location = this.root()): Location {
    let cur = this.crossMounts(from);
    for (const name of path.split('/').filter((x) => x !== '')) {
      if (name === '..') { cur = this.dotdot(cur, { root: from, resolve: 0, links: 0 }); continue; }
      if (name === '.') continue;
      const inode = cur.inode.lookup(name);
      cur = this.crossMounts({ mnt: cur.mnt, inode, path: joinPath(cur.path, name) });
    }
    return cur;
  }
}

/**
 * A magic link that names a place in its own filesystem (/proc/self) is
 * taken through the mount the walk came by, not another mount of it.
 */
function sameSbAs(target: Location | File, via: Mount): Location | File {
  if (target instanceof File || target.mnt === via || target.mnt.sb !== via.sb || via.rootPath !== '/' || target.mnt.rootPath !== '/') return target;
  return { mnt: via, inode: target.inode, path: target.path };
}

export function sameLocation(a: Location, b: Location): boolean {
  return a.mnt === b.mnt && a.path === b.path;
}

/** The location of path (from mnt's root, no symlinks) inside mnt alone. */
export function walkInMount(mnt: Mount, path: string): Location {
  let inode = mnt.root;
  for (const name of path.split('/').filter((x) => x !== '')) inode = inode.lookup(name);
  return { mnt, inode, path: path === '' ? '/' : path };
}
