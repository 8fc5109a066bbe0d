// Copy-up (fs/overlayfs/copy_up.c): before an object of the lower trees is
// changed, a copy of it (data, mode, owner, times, xattrs; a directory
// without its entries) is made in the upper tree. The copy is prepared under
// a temporary name (in the workdir when there is one) and renamed into place
// only when complete, so a crash never leaves a half copy under the real name.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { O, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type Stat } from '../file.js';
import type { Inode, SetAttr } from '../inode.js';
import type { OvlInode } from './inode.js';
import { isWhiteout, syncResult, tryLookup } from './util.js';

const CHUNK = 1 << 20;

/** Makes the upper copy of o in the upper directory pu (credentials already overridden). */
export function copyUp(task: Task, o: OvlInode, pu: Inode, data: boolean): Inode {
  const existing = tryLookup(pu, o.name);
  if (existing) {
    // Removed meanwhile (a whiteout took its place): there is nothing to copy.
    if (isWhiteout(existing, o.sb.style)) throw new Errno(E.ENOENT);
    return existing;
  }
  const lower = o.lowers[0];
  const st = lower.getattr();
  const stage = o.sb.work ?? pu;
  const tmp = o.sb.tmpName();
  createCopy(task, lower, st, stage, tmp, data);
  try {
    const copy = stage.lookup(tmp);
    copyXattrs(task, lower, copy);
    copyAttrs(task, copy, st);
    stage.rename(task, tmp, pu, o.name, 1 /* RENAME_NOREPLACE */);
  } catch (e) {
    try { if ((st.mode & S_IFMT) === S_IFDIR) stage.rmdir(task, tmp); else stage.unlink(task, tmp); } catch { /* keep the first error */ }
    throw e;
  }
  return pu.lookup(o.name);
}

function createCopy(task: Task, lower: Inode, st: Stat, dir: Inode, name: string, data: boolean): void {
  const type = st.mode & S_IFMT;
  if (type === S_IFDIR) { dir.mkdir(task, name, 0o700); return; }
  if (type === S_IFLNK) { dir.symlink(task, lower.readlink(task), name); return; }
  if (type !== S_IFREG) { dir.mknod(task, name, type | 0o600, st.rdev); return; }
  const out = dir.create(task, name, 0o600, O.WRONLY | O.CREAT | O.EXCL);
  try {
    if (data && st.size > 0n) copyData(task, lower, out);
  } finally {
    out.put();
  }
}

function copyData(task: Task, lower: Inode, out: import('../file.js').File): void {
  const inp = lower.open(task, O.RDONLY);
  try {
    for (let pos = 0n; ;) {
      const buf = syncResult(inp.read(task, CHUNK, pos));
      if (buf.length === 0) break;
      for (let done = 0; done < buf.length;) {
        const n = syncResult(out.write(task, buf.subarray(done), pos + BigInt(done)));
        if (n <= 0) throw new Errno(E.EIO);
        done += n;
      }
      pos += BigInt(buf.length);
    }
  } finally {
    inp.put();
  }
}

/** The xattrs of the lower object; those the upper filesystem does not take (security.*, system.*) are left. */
function copyXattrs(task: Task, from: Inode, to: Inode): void {
  let names: string[];
  try { names = from.listxattr().toString('latin1').split('\0').filter((n) => n !== ''); } catch { return; }
  for (const n of names) {
    if (n.startsWith('trusted.overlay.') || n.startsWith('user.overlay.')) continue;
    try {
      to.setxattr(task, n, from.getxattr(n), 0);
    } catch (e) {
      if (e instanceof Errno && (e.errno === E.EOPNOTSUPP || n.startsWith('security.') || n.startsWith('system.'))) continue;
      throw e;
    }
  }
}

function copyAttrs(task: Task, copy: Inode, st: Stat): void {
  const type = st.mode & S_IFMT;
  try {
    copy.setattr(task, { uid: st.uid, gid: st.gid });
  } catch (e) {
    // A host directory as upper layer, used by an unprivileged host user,
    // cannot give files away: they stay the host user's (root inside).
    if (!(e instanceof Errno && e.errno === E.EPERM)) throw e;
  }
  if (type !== S_IFLNK) copy.setattr(task, { mode: st.mode & 0o7777 });
  const times: SetAttr = { atime: st.atime, mtime: st.mtime };
  copy.setattr(task, times);
}
