// Helpers of overlayfs (fs/overlayfs/util.c, namei.c): whiteouts, opaque
// directories, the private xattrs, credentials and directory listings of the
// real (layer) inodes.
import { Errno, E } from '../../host/errno.js';
import { Cred } from '../../kernel/cred.js';
import type { Task } from '../../kernel/task.js';
import { O, S_IFCHR, S_IFMT, S_IFREG, type File } from '../file.js';
import type { Inode } from '../inode.js';

/** How the upper layer marks whiteouts and opaque directories (Linux's default or "userxattr"). */
export interface WhiteoutStyle {
  /** Whiteouts are char devices 0:0 (else zero-size files with <prefix>whiteout). */
  chr: boolean;
  /** "trusted.overlay." or, in userxattr mode, "user.overlay.". */
  prefix: string;
}

/** ENOENT as a boolean, other errors propagate. */
export function tryLookup(dir: Inode, name: string): Inode | null {
  try { return dir.lookup(name); } catch (e) {
    if (e instanceof Errno && (e.errno === E.ENOENT || e.errno === E.ENOTDIR)) return null;
    throw e;
  }
}

/**
 * A lookup in a lower layer. A directory of the host that the host user may
 * not search (the host's /root under a host user who is not root) shows as
 * empty rather than failing: the guest sees what the host lets tuml see, and
 * may still make its own objects there in the upper layer.
 */
export function tryLowerLookup(dir: Inode, name: string): Inode | null {
  try { return tryLookup(dir, name); } catch (e) {
    if (e instanceof Errno && e.errno === E.EACCES) return null;
    throw e;
  }
}

function hasXattr(inode: Inode, name: string): boolean {
  try { inode.getxattr(name); return true; } catch (e) {
    if (e instanceof Errno) return false;
    throw e;
  }
}

/** ovl_is_whiteout: a char device 0:0, or in userxattr mode a marked empty file. */
export function isWhiteout(inode: Inode, style: WhiteoutStyle): boolean {
  const st = inode.getattr();
  const type = st.mode & S_IFMT;
  if (type === S_IFCHR) return st.rdev === 0n;
  if (type === S_IFREG && st.size === 0n && !style.chr) return hasXattr(inode, style.prefix + 'whiteout');
  return false;
}

export function isOpaque(dir: Inode, style: WhiteoutStyle): boolean {
  try { return dir.getxattr(style.prefix + 'opaque').toString() === 'y'; } catch (e) {
    if (e instanceof Errno) return false;
    throw e;
  }
}

/**
 * ovl_override_creds: the overlay does the work on its layers with the
 * mounter's credentials (root with every capability), keeping the caller's
 * fsuid and fsgid so that new objects belong to the caller, as Linux does.
 */
export function withMounterCreds<T>(task: Task, fn: () => T): T {
  const saved = task.cred;
  const c = new Cred();
  c.fsuid = saved.fsuid; c.fsgid = saved.fsgid;
  c.groups = [...saved.groups];
  task.cred = c;
  try { return fn(); } finally { task.cred = saved; }
}

export interface DirEntry { name: string; ino: bigint; type: number }

/** All entries of a real directory (with "." and ".."), read through its own getdents. */
export function listDir(task: Task, dir: Inode): DirEntry[] {
  const f = dir.open(task, O.RDONLY | O.DIRECTORY);
  const out: DirEntry[] = [];
  try {
    for (;;) {
      const buf = f.getdents(65536);
      if (buf.length === 0) break;
      for (let off = 0; off + 19 <= buf.length;) {
        const reclen = buf.readUInt16LE(off + 16);
        if (reclen === 0) break;
        const end = buf.indexOf(0, off + 19);
        const name = buf.toString('latin1', off + 19, end < 0 || end > off + reclen ? off + reclen : end);
        out.push({ name, ino: buf.readBigUInt64LE(off), type: buf[off + 18] });
        off += reclen;
      }
    }
  } finally {
    f.put();
  }
  return out;
}

/** A result that must not be asynchronous (the layers' own operations are synchronous). */
export function syncResult<T>(r: T | Promise<T>): T {
  if (r instanceof Promise) throw new Errno(E.EIO);
  return r;
}
