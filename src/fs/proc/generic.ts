// The building blocks of procfs (fs/proc/generic.c, inode.c, seq_file.c):
// directories whose entries are computed when asked, regular files whose
// content is generated when read, and symlinks whose target (or, for the
// "magic" links, whose object) depends on who follows them. Nothing here is
// stored: every inode is made afresh by lookup, so its inode number must be a
// pure function of what it names (procIno).
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { File, O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Stat } from '../file.js';
import { Inode, type SuperBlock } from '../inode.js';
import type { Location } from '../namei.js';

/** Who owns an entry and since when: per-process entries belong to the process. */

/** seq_lseek(): SEEK_SET and SEEK_CUR only (the size is not known before the end is generated). */
function seekSetCur(pos: bigint, off: bigint, whence: number): bigint {
  const p = whence === 0 ? off : whence === 1 ? pos + off : -1n;
  if (p < 0n) throw new Errno(E.EINVAL);
  return p;
}

export interface Ownership { uid: number; gid: number; timeMs: number }
export type OwnerFn = () => Ownership;

/** What a proc superblock offers its inodes. */
export interface ProcSb extends SuperBlock {
  readonly kernel: Kernel;
  /** Owner and times of the entries that belong to no process. */
  readonly rootOwner: OwnerFn;
}

/**
 * A stable inode number for a name in procfs. Linux hands out proc inode
 * numbers once per entry; ours are recomputed on every lookup, so they come
 * from a hash of the entry's identity (FNV-1a, 32 bits so that 32-bit stat
 * users never see EOVERFLOW). 1 is the root's, as in Linux.
 */
export function procIno(key: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return BigInt(h < 2 ? h + 2 : h);
}

function timespec(ms: number): [bigint, bigint] {
  const t = BigInt(Math.floor(ms));
  return [t / 1000n, (t % 1000n) * 1000000n];
}

export abstract class ProcInode extends Inode {
  constructor(readonly sb: ProcSb, readonly ino: bigint, readonly owner: OwnerFn) { super(); }

  /** Type and permission bits. */
  abstract procMode(): number;
  protected nlink(): number { return 1; }

  getattr(): Stat {
    const o = this.owner();
    const t = timespec(o.timeMs);
    return {
      dev: this.sb.dev, ino: this.ino, nlink: BigInt(this.nlink()), mode: this.procMode(),
      uid: o.uid, gid: o.gid, rdev: 0n, size: 0n, blksize: 1024n, blocks: 0n,
      atime: t, mtime: t, ctime: t,
    };
  }

  /** The permission bits checked like generic_permission(); root passes all but exec. */
  override access(task: Task, mode: number): void {
    const st = this.getattr();
    const c = task.cred;
    if (c.fsuid === 0) {
      // CAP_DAC_OVERRIDE: execute still needs some x bit (or a directory).
      if ((mode & 1) && (st.mode & S_IFMT) !== S_IFDIR && !(st.mode & 0o111)) throw new Errno(E.EACCES);
      return;
    }
    const bits = c.fsuid === st.uid ? (st.mode >> 6) & 7 : c.inGroup(st.gid) ? (st.mode >> 3) & 7 : st.mode & 7;
    if ((mode & bits) !== (mode & 7)) throw new Errno(E.EACCES);
  }

  /**
   * Whether task may open this inode with flags: the open-time check of the
   * permission bits (the syscall layer may check again through access()).
   */
  protected checkOpen(task: Task, flags: number): void {
    if (flags & O.PATH) return;
    const acc = flags & O.ACCMODE;
    let want = 0;
    if (acc !== O.WRONLY) want |= 4;
    if (acc !== O.RDONLY) want |= 2;
    this.access(task, want);
  }
}

// ---- open files ----

/** An O_PATH file, or any proc object that only answers fstat. */
export class ProcPathFile extends File {
  constructor(readonly inode: ProcInode, flags: number, private readonly name: string) { super(flags); }
  describe(): string { return this.location?.path ?? this.name; }
  override stat(): Stat { return this.inode.getattr(); }
  override read(): Buffer { throw new Errno(E.EBADF); }
  override write(): number { throw new Errno(E.EBADF); }
}

/**
 * A regular proc file (seq_file): the content is generated at the first read
 * and again whenever a read starts at offset 0, so a reader that seeks back
 * to 0 sees fresh values, as with Linux's seq_file. Reads past the end
 * return nothing.
 */
export class SeqFile extends File {
  private content: Buffer | null = null;

  constructor(readonly inode: ProcFileInode, flags: number, private readonly name: string) { super(flags); }

  describe(): string { return this.location?.path ?? this.name; }

  override read(task: Task, len: number, pos: bigint | null): Buffer {
    if (!this.readable) throw new Errno(E.EBADF);
    const at = pos ?? this.pos;
    if (at < 0n) throw new Errno(E.EINVAL);
    if (this.content === null || at === 0n) this.content = toBuffer(this.inode.show(task));
    const start = at > BigInt(this.content.length) ? this.content.length : Number(at);
    const out = Buffer.from(this.content.subarray(start, start + len));
    if (pos === null) this.pos = at + BigInt(out.length);
    return out;
  }

  override write(task: Task, data: Buffer, pos: bigint | null): number {
    if (!this.writable) throw new Errno(E.EBADF);
    const at = pos ?? this.pos;
    const n = this.inode.store(task, data, at);
    if (pos === null) this.pos = at + BigInt(n);
    // What was shown before is stale now.
    this.content = null;
    return n;
  }

  // seq_lseek(): SEEK_SET and SEEK_CUR only; the size is not known before the end is generated.
  override llseek(off: bigint, whence: number): bigint {
    this.pos = seekSetCur(this.pos, off, whence);
    return this.pos;
  }

  override stat(): Stat { return this.inode.getattr(); }
  override poll(): number { return 0x1 | 0x4 | 0x40 | 0x100; }
}

/** Kernel strings are byte strings (latin1), as the guest's paths and names are. */
function toBuffer(s: string | Buffer): Buffer {
  return typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
}

export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

export function dtype(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFDIR: return DT.DIR;
    case S_IFREG: return DT.REG;
    case S_IFLNK: return DT.LNK;
    case S_IFCHR: return DT.CHR;
    case S_IFBLK: return DT.BLK;
    case S_IFIFO: return DT.FIFO;
    case S_IFSOCK: return DT.SOCK;
    default: return DT.UNKNOWN;
  }
}

export interface DirEntry { name: string; ino: bigint; type: number }

/** One struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, name, NUL, padding to 8. */
export function encodeDirent(e: DirEntry, off: bigint): Buffer {
  const name = Buffer.from(e.name, 'latin1');
  const reclen = (19 + name.length + 1 + 7) & ~7;
  const b = Buffer.alloc(reclen);
  b.writeBigUInt64LE(e.ino, 0);
  b.writeBigInt64LE(off, 8);
  b.writeUInt16LE(reclen, 16);
  b.writeUInt8(e.type, 18);
  name.copy(b, 19);
  return b;
}

/**
 * An open proc directory. The entries are taken once, at the first
 * getdents after open or after a seek to 0 (rewinddir), and served from that
 * snapshot; the position is the index of the next entry, which is what d_off
 * reports and what lseek(SEEK_SET) accepts back (telldir/seekdir).
 */
export class ProcDirFile extends File {
  private snapshot: DirEntry[] | null = null;

  constructor(readonly inode: ProcDir, flags: number, private readonly name: string) { super(flags); }

  describe(): string { return this.location?.path ?? this.name; }

  override getdents(max: number): Buffer {
    if (this.snapshot === null || this.pos === 0n) this.snapshot = this.inode.listing();
    const out: Buffer[] = [];
    let used = 0;
    let i = Number(this.pos);
    while (i < this.snapshot.length) {
      const rec = encodeDirent(this.snapshot[i], BigInt(i + 1));
      if (used + rec.length > max) {
        if (out.length === 0) throw new Errno(E.EINVAL);
        break;
      }
      out.push(rec);
      used += rec.length;
      i++;
    }
    this.pos = BigInt(i);
    return Buffer.concat(out);
  }

  override llseek(off: bigint, whence: number): bigint {
    this.pos = seekSetCur(this.pos, off, whence);
    return this.pos;
  }

  override read(): Buffer { throw new Errno(E.EISDIR); }
  override write(): number { throw new Errno(E.EBADF); }
  override stat(): Stat { return this.inode.getattr(); }
}

// ---- inodes ----

/** A proc directory: subclasses say what is in it. */
export abstract class ProcDir extends ProcInode {
  constructor(sb: ProcSb, ino: bigint, owner: OwnerFn, protected readonly perm = 0o555,
    /** The inode number ".." shows (the root's own for the root). */
    protected readonly parentIno: bigint = 1n) {
    super(sb, ino, owner);
  }

  procMode(): number { return S_IFDIR | this.perm; }

  /** The entries, without "." and "..". */
  abstract children(): Array<[string, ProcInode]>;

  override lookup(name: string): Inode {
    for (const [n, inode] of this.children()) if (n === name) return inode;
    throw new Errno(E.ENOENT);
  }

  /** "." and ".." first, then the entries, as readdir shows them. */
  listing(): DirEntry[] {
    const out: DirEntry[] = [
      { name: '.', ino: this.ino, type: DT.DIR },
      { name: '..', ino: this.parentIno, type: DT.DIR },
    ];
    for (const [name, inode] of this.children()) {
      out.push({ name, ino: inode.ino, type: dtype(inode.procMode()) });
    }
    return out;
  }

  protected override nlink(): number {
    let n = 2;
    for (const [, inode] of this.children()) if ((inode.procMode() & S_IFMT) === S_IFDIR) n++;
    return n;
  }

  override open(task: Task, flags: number): File {
    if (flags & O.PATH) return new ProcPathFile(this, flags, 'proc');
    if ((flags & O.ACCMODE) !== O.RDONLY || (flags & O.CREAT)) throw new Errno(E.EISDIR);
    this.checkOpen(task, flags);
    return new ProcDirFile(this, flags, 'proc');
  }
}

/** A directory given by a fixed table of entry makers. */
export class TableDir extends ProcDir {
  constructor(sb: ProcSb, ino: bigint, owner: OwnerFn,
    private readonly table: Array<[string, () => ProcInode]>, perm = 0o555, parentIno: bigint = 1n) {
    super(sb, ino, owner, perm, parentIno);
  }

  children(): Array<[string, ProcInode]> { return this.table.map(([n, make]) => [n, make()]); }

  override lookup(name: string): Inode {
    const e = this.table.find(([n]) => n === name);
    if (!e) throw new Errno(E.ENOENT);
    return e[1]();
  }
}

export type Show = (reader: Task) => string | Buffer;
/** Stores what a writer wrote; returns how many bytes it took. */
export type Store = (writer: Task, data: Buffer, pos: bigint) => number;

/**
 * A regular proc file: show() generates its content for a reader, store()
 * (when present) takes a write. Without store() a write is EINVAL, as for a
 * Linux proc file without a write operation that root managed to open.
 */
export class ProcFileInode extends ProcInode {
  constructor(sb: ProcSb, ino: bigint, owner: OwnerFn, private readonly perm: number,
    readonly show: Show, private readonly storeFn: Store | null = null, private readonly name = 'proc') {
    super(sb, ino, owner);
  }

  procMode(): number { return S_IFREG | this.perm; }

  store(task: Task, data: Buffer, pos: bigint): number {
    if (!this.storeFn) throw new Errno(E.EINVAL);
    return this.storeFn(task, data, pos);
  }

  override open(task: Task, flags: number): File {
    if (flags & O.DIRECTORY) throw new Errno(E.ENOTDIR);
    this.checkOpen(task, flags);
    if (flags & O.PATH) return new ProcPathFile(this, flags, this.name);
    return new SeqFile(this, flags, this.name);
  }
}

/**
 * A proc symlink. target() is what readlink shows; magic(), when given,
 * is what following the link yields directly (a Location or an open File),
 * as for /proc/PID/exe, cwd, root and fd/N, which need not name a reachable
 * path at all.
 */
export class ProcLinkInode extends ProcInode {
  constructor(sb: ProcSb, ino: bigint, owner: OwnerFn,
    private readonly target: (task: Task | undefined) => string,
    private readonly magic: ((task: Task) => Location | File | null) | null = null,
    private readonly perm = 0o777, private readonly name = 'proc') {
    super(sb, ino, owner);
  }

  procMode(): number { return S_IFLNK | this.perm; }

  /** task is the reader; the links that depend on it (self, thread-self) need it. */
  override readlink(task?: Task): string { return this.target(task); }

  override followMagic(task: Task): Location | File | null {
    return this.magic ? this.magic(task) : null;
  }

  override open(_task: Task, flags: number): File {
    // Reached only with O_PATH|O_NOFOLLOW (namei follows links otherwise).
    if (flags & O.PATH) return new ProcPathFile(this, flags, this.name);
    throw new Errno(E.ELOOP);
  }
}
