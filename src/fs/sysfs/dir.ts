// The building blocks of sysfs (fs/sysfs/dir.c, file.c, symlink.c):
// directories whose entries are computed when asked, attribute files whose
// text is generated at each read, and relative symlinks. They are procfs's
// (proc/generic.ts) under sysfs's own inode numbers.
import { Errno, E } from '../../host/errno.js';
import type { Inode } from '../inode.js';
import { ProcDir, ProcFileInode, ProcInode, ProcLinkInode, procIno, type ProcSb } from '../proc/generic.js';

/** An entry maker: the inode for a path of the tree ("" is the root, "/block" ...). */
export type Make = (sb: ProcSb, path: string) => ProcInode;
export type Entries = () => Array<[string, Make]>;

const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));
/** Stable inode numbers: a hash of the path, 1 for the root. */
const inoOf = (path: string) => (path === '' ? 1n : procIno(`sysfs:${path}`));

/** A sysfs directory: its entries come from the kernel's state when asked. */
export class SysDir extends ProcDir {
  constructor(sb: ProcSb, readonly path: string, private readonly list: Entries) {
    super(sb, inoOf(path), sb.rootOwner, 0o755, inoOf(parentOf(path)));
  }

  children(): Array<[string, ProcInode]> {
    return this.list().map(([n, make]) => [n, make(this.sb, `${this.path}/${n}`)]);
  }

  override lookup(name: string): Inode {
    const e = this.list().find(([n]) => n === name);
    if (!e) throw new Errno(E.ENOENT);
    return e[1](this.sb, `${this.path}/${name}`);
  }
}

export const dir = (list: Entries): Make => (sb, path) => new SysDir(sb, path, list);
export const emptyDir: Make = dir(() => []);
/** A read-only attribute (mode 0444 unless said), its text generated at each read. */
export const attr = (show: () => string, mode = 0o444): Make =>
  (sb, path) => new ProcFileInode(sb, inoOf(path), sb.rootOwner, mode, () => show(), null, `/sys${path}`);
/** A symlink; sysfs makes them relative ("../devices/virtual/block/loop0"). */
export const link = (target: string): Make =>
  (sb, path) => new ProcLinkInode(sb, inoOf(path), sb.rootOwner, () => target, null, 0o777, `/sys${path}`);
