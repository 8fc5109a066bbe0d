// d_path (fs/d_path.c): the name of a location as a task sees it, relative to
// its root, going up through the mount tree: a path inside a mount, then the
// mountpoint's path in the parent mount, and so on until the task's root.
import type { Location } from './mount.js';

export interface DPath {
  path: string;
  /**
   * The root was not met on the way up: the location is outside the task's
   * root (path is then from the namespace's root, or the detached tree's).
   */
  unreachable: boolean;
}

function under(p: string, root: string): boolean {
  return root === '/' || p === root || p.startsWith(root + '/');
}

export function dPathOf(loc: Location, root: Location | null): DPath {
  let s = '';
  let mnt = loc.mnt;
  let p = loc.path;
  for (;;) {
    if (root && mnt === root.mnt && under(p, root.path)) {
      s = (root.path === '/' ? (p === '/' ? '' : p) : p.slice(root.path.length)) + s;
      return { path: normal(s), unreachable: false };
    }
    s = (p === '/' ? '' : p) + s;
    if (!mnt.parent || !mnt.mountpoint) return { path: normal(s), unreachable: true };
    p = mnt.mountpoint.path;
    mnt = mnt.parent;
  }
}

function normal(s: string): string {
  s = s.replace(/\/+$/, '');
  return s === '' ? '/' : s;
}

/** d_path() as /proc links show it: relative to root, the namespace's path when outside it. */
export function dPath(loc: Location, root: Location | null): string {
  return dPathOf(loc, root).path;
}
