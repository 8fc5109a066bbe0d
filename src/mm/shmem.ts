// tmpfs (mm/shmem.c) and ramfs: a filesystem in the kernel's memory. Every
// inode is a kernel object: directories map names to inodes, symlinks keep
// their text, device nodes open the kernel's drivers, FIFOs the kernel's
// pipes, and regular files keep their data in ShmemPages (a Buffer, or a
// host memfd once large, mapped or executed). Owners, modes, times, links
// and xattrs are the guest's own, so chown and mknod work for guest root
// whatever the host user is. The size=, nr_inodes= limits are enforced with
// ENOSPC as Linux does.
import { totalmem } from 'node:os';
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { CAP } from '../kernel/cred.js';
import {
  File, O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Stat,
} from '../fs/file.js';
import { Inode, type SetAttr, type SuperBlock } from '../fs/inode.js';
import { anonDev, registerFilesystem, type MountRequest } from '../fs/filesystems.js';
import { genericPermission, initOwner, killPrivMode, setattrPrepare, S_ISVTX } from '../fs/attr.js';
import { SimpleXattrs } from '../fs/xattr.js';
import { openDevice } from '../drivers/registry.js';
import { openFifo } from '../fs/pipe.js';
import { writeLimit } from '../fs/fsize.js';
import { encodeDirent, dtype } from '../fs/proc/generic.js';
import { MAX_FILESIZE, PAGE_SIZE, ShmemPages, pagesOf } from './shmem_pages.js';

export const TMPFS_MAGIC = 0x01021994;
export const RAMFS_MAGIC = 0x858458f6;
/** What each directory entry adds to a directory's size (BOGO_DIRENT_SIZE). */
const BOGO_DIRENT_SIZE = 20n;
/** Symlinks shorter than this live in the inode (no page). */
const SHORT_SYMLINK_LEN = 128;
const NAME_MAX = 255, PATH_MAX = 4096;
const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
const ST_VALID = 0x20, ST_RELATIME = 0x400;
/** Whiteouts are character devices 0:0 (WHITEOUT_DEV), as overlayfs expects. */
export const WHITEOUT_DEV = 0n;

// ---- time ----

const wallAtStart = BigInt(Date.now()) * 1000000n;
const hrAtStart = process.hrtime.bigint();
/** current_time(): the wall clock with nanoseconds. */
function now(): [bigint, bigint] {
  const ns = wallAtStart + (process.hrtime.bigint() - hrAtStart);
  return [ns / 1000000000n, ns % 1000000000n];
}
const before = (a: [bigint, bigint], b: [bigint, bigint]) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

// ---- mount options ----

/** The memory figure sizes default to: the machine's RAM. */
function totalramPages(): bigint { return BigInt(totalmem()) / BigInt(PAGE_SIZE); }

export interface ShmemOptions {
  /** Limits in pages and inodes; 0 is unlimited. */
  maxBlocks: bigint;
  maxInodes: bigint;
  mode: number;
  uid: number;
  gid: number;
  /** Options Linux shows back but this kernel has no use for (huge=, mpol=). */
  extra: string[];
}

/** memparse: a number with an optional K/M/G/T/P/E suffix. */
function memparse(s: string): bigint {
  const m = /^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)([kmgtpe]?)$/i.exec(s);
  if (!m) throw new Errno(E.EINVAL);
  const shift = { '': 0n, k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n }[m[2].toLowerCase()]!;
  return BigInt(m[1].startsWith('0') && m[1] !== '0' && !m[1].startsWith('0x') ? '0o' + m[1].slice(1) : m[1]) << shift;
}

export function defaultOptions(task: Pick<Task, 'cred'> | null, ramfs: boolean): ShmemOptions {
  const pages = totalramPages();
  return {
    maxBlocks: ramfs ? 0n : pages / 2n, maxInodes: ramfs ? 0n : pages / 2n, mode: 0o1777,
    uid: task?.cred.fsuid ?? 0, gid: task?.cred.fsgid ?? 0, extra: [],
  };
}

/**
 * shmem_parse_one: size=N[kmg...] or N%, nr_blocks=, nr_inodes=, mode=
 * (octal), uid=, gid=, and huge=/mpol=/inode32/inode64/noswap accepted. An
 * unknown option is EINVAL. ramfs takes mode= and ignores the rest, as Linux.
 */
export function parseOptions(data: string, opts: ShmemOptions, ramfs: boolean): ShmemOptions {
  for (const opt of data.split(',').filter((o) => o !== '')) {
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq), val = eq < 0 ? '' : opt.slice(eq + 1);
    if (ramfs && key !== 'mode') continue;
    switch (key) {
      case 'size': {
        if (val.endsWith('%')) {
          const pct = Number(val.slice(0, -1));
          if (!Number.isInteger(pct) || pct < 0) throw new Errno(E.EINVAL);
          opts.maxBlocks = (totalramPages() * BigInt(pct) + 99n) / 100n;
        } else {
          opts.maxBlocks = (memparse(val) + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE);
        }
        break;
      }
      case 'nr_blocks': opts.maxBlocks = memparse(val); break;
      case 'nr_inodes': opts.maxInodes = memparse(val); break;
      case 'mode':
        if (!/^[0-7]+$/.test(val)) throw new Errno(E.EINVAL);
        opts.mode = parseInt(val, 8) & 0o7777;
        break;
      case 'uid': case 'gid': {
        if (!/^[0-9]+$/.test(val) || Number(val) > 0xfffffffe) throw new Errno(E.EINVAL);
        opts[key] = Number(val);
        break;
      }
      case 'huge': case 'mpol':
        if (val === '') throw new Errno(E.EINVAL);
        opts.extra = opts.extra.filter((o) => !o.startsWith(key + '=')).concat(opt);
        break;
      case 'inode32': case 'inode64': case 'noswap':
        if (val !== '') throw new Errno(E.EINVAL);
        break;
      default: throw new Errno(E.EINVAL);
    }
  }
  return opts;
}

// ---- the superblock ----

/** Mounted instances, for the memory they hold (/proc/meminfo's Shmem). */
const live = new Set<ShmemSb>();
/** Pages all tmpfs instances hold. */
export function shmemPages(): bigint {
  let n = 0n;
  for (const sb of live) n += sb.usedBlocks;
  return n;
}

export class ShmemSb implements SuperBlock {
  readonly type: string;
  readonly dev = anonDev();
  readonly root: ShmemDir;
  /** Pages and inodes in use. */
  usedBlocks = 0n;
  usedInodes = 0n;
  private nextIno = 1n;
  private readonly defaults: ShmemOptions;

  /** type: "devtmpfs" for the instance behind /dev (drivers/base/devtmpfs.ts). */
  constructor(readonly source: string, readonly opts: ShmemOptions, readonly ramfs = false, type?: string) {
    this.type = type ?? (ramfs ? 'ramfs' : 'tmpfs');
    this.defaults = defaultOptions(null, ramfs);
    this.root = new ShmemDir(this, null, { uid: opts.uid, gid: opts.gid, mode: S_IFDIR | opts.mode });
    live.add(this);
  }

  /**
   * The last mount went away: every file's data goes, now for files nothing
   * has open, at their last close for the others (a lazy umount's).
   */
  kill(): void {
    live.delete(this);
    const walk = (dir: ShmemDir): void => {
      for (const { inode } of dir.entries.values()) {
        if (inode instanceof ShmemDir) walk(inode);
        inode.nlink = 0;
        inode.forget();
      }
    };
    walk(this.root);
  }

  allocIno(): bigint {
    if (this.opts.maxInodes && this.usedInodes >= this.opts.maxInodes) throw new Errno(E.ENOSPC);
    this.usedInodes++;
    return this.nextIno++;
  }
  freeIno(): void { this.usedInodes--; }

  /** Pages still free (Infinity-like when unlimited). */
  freeBlocks(): bigint { return this.opts.maxBlocks ? this.opts.maxBlocks - this.usedBlocks : MAX_FILESIZE; }

  /** shmem_show_options: what differs from the defaults. */
  options(): string {
    const o = this.opts, out = ['rw', 'relatime'];
    if (!this.ramfs && o.maxBlocks !== this.defaults.maxBlocks) out.push(`size=${o.maxBlocks * BigInt(PAGE_SIZE / 1024)}k`);
    if (!this.ramfs && o.maxInodes !== this.defaults.maxInodes) out.push(`nr_inodes=${o.maxInodes}`);
    if (o.mode !== 0o1777 && !(this.ramfs && o.mode === 0o755)) out.push(`mode=${o.mode.toString(8).padStart(3, '0')}`);
    if (o.uid !== 0) out.push(`uid=${o.uid}`);
    if (o.gid !== 0) out.push(`gid=${o.gid}`);
    return [...out, ...o.extra].join(',');
  }

  /** shmem_statfs: page-sized blocks, the limits when there are some. */
  statfs(): Buffer {
    const b = Buffer.alloc(120);
    b.writeBigInt64LE(BigInt(this.ramfs ? RAMFS_MAGIC : TMPFS_MAGIC), 0);
    b.writeBigInt64LE(BigInt(PAGE_SIZE), 8);
    if (this.opts.maxBlocks) {
      const free = this.freeBlocks() < 0n ? 0n : this.freeBlocks();
      b.writeBigInt64LE(this.opts.maxBlocks, 16);
      b.writeBigInt64LE(free, 24);
      b.writeBigInt64LE(free, 32);
    }
    if (this.opts.maxInodes) {
      b.writeBigInt64LE(this.opts.maxInodes, 40);
      b.writeBigInt64LE(this.opts.maxInodes - this.usedInodes, 48);
    }
    b.writeBigUInt64LE(this.dev, 56);                 // f_fsid
    b.writeBigInt64LE(BigInt(NAME_MAX), 64);
    b.writeBigInt64LE(BigInt(PAGE_SIZE), 72);         // f_frsize
    b.writeBigInt64LE(BigInt(ST_VALID | ST_RELATIME), 80);
    return b;
  }

  /**
   * shmem_reconfigure: size=, nr_inodes=, huge= and mpol= change (EINVAL
   * below what is in use, or for a limit on an unlimited mount); mode=, uid=, gid= are parsed and
   * left alone, as they only apply to a new mount's root.
   */
  remount(data: string): void {
    const o = parseOptions(data, { ...this.opts, extra: [...this.opts.extra] }, this.ramfs);
    // "Cannot retroactively limit size", "Too small a size for current use".
    const bad = (now: bigint, want: bigint, used: bigint) => want !== now && want !== 0n && (now === 0n || want < used);
    if (bad(this.opts.maxBlocks, o.maxBlocks, this.usedBlocks)) throw new Errno(E.EINVAL);
    if (bad(this.opts.maxInodes, o.maxInodes, this.usedInodes)) throw new Errno(E.EINVAL);
    this.opts.maxBlocks = o.maxBlocks;
    this.opts.maxInodes = o.maxInodes;
    this.opts.extra = o.extra;
  }
}

// ---- inodes ----

type Time = [bigint, bigint];

export abstract class ShmemInode extends Inode {
  readonly ino: bigint;
  modeBits: number;
  uid: number;
  gid: number;
  nlink = 1;
  atime: Time; mtime: Time; ctime: Time;
  readonly xattrs = new SimpleXattrs();

  constructor(readonly sb: ShmemSb, owner: { uid: number; gid: number; mode: number }) {
    super();
    this.ino = sb.allocIno();
    this.modeBits = owner.mode;
    this.uid = owner.uid;
    this.gid = owner.gid;
    this.atime = this.mtime = this.ctime = now();
  }

  override get mode(): number { return this.modeBits; }
  override isDir(): boolean { return (this.modeBits & S_IFMT) === S_IFDIR; }
  override isLink(): boolean { return (this.modeBits & S_IFMT) === S_IFLNK; }

  protected size(): bigint { return 0n; }
  protected blocks(): bigint { return 0n; }
  protected rdev(): bigint { return 0n; }

  getattr(): Stat {
    return {
      dev: this.sb.dev, ino: this.ino, nlink: BigInt(this.nlink), mode: this.modeBits, uid: this.uid, gid: this.gid,
      rdev: this.rdev(), size: this.size(), blksize: BigInt(PAGE_SIZE), blocks: this.blocks(),
      atime: this.atime, mtime: this.mtime, ctime: this.ctime,
    };
  }

  override access(task: Task, mask: number): void { genericPermission(task, this, mask); }

  touchCtime(): void { this.ctime = now(); }
  touchMtime(): void { this.mtime = this.ctime = now(); }
  /** touch_atime with relatime: only when older than the last change, or a day old. */
  touchAtime(): void {
    const t = now();
    if (before(this.atime, this.mtime) || before(this.atime, this.ctime) || t[0] - this.atime[0] >= 86400n) this.atime = t;
  }

  override setattr(task: Task, attr: SetAttr): void {
    const mode = setattrPrepare(task, this, attr);
    if (attr.size !== undefined) this.setSize(task, attr.size);
    if (mode !== null) this.modeBits = mode;
    if (attr.uid !== undefined) this.uid = attr.uid;
    if (attr.gid !== undefined) this.gid = attr.gid;
    const t = now();
    if (attr.atime !== undefined && attr.atime !== 'omit') this.atime = attr.atime === 'now' ? t : attr.atime;
    if (attr.mtime !== undefined && attr.mtime !== 'omit') this.mtime = attr.mtime === 'now' ? t : attr.mtime;
    this.ctime = t;
  }

  /** truncate: regular files only. */
  protected setSize(_task: Task, _size: bigint): void { throw new Errno(this.isDir() ? E.EISDIR : E.EINVAL); }

  private xattrsOk(): void { if (this.sb.ramfs) throw new Errno(E.EOPNOTSUPP); }
  override getxattr(name: string, task?: Task): Buffer { this.xattrsOk(); return this.xattrs.get(task ?? null, this, name); }
  override listxattr(task?: Task): Buffer { this.xattrsOk(); return this.xattrs.list(task ?? null); }
  override setxattr(task: Task, name: string, value: Buffer, flags: number): void {
    this.xattrsOk();
    this.xattrs.set(task, this, name, value, flags);
    this.touchCtime();
  }
  override removexattr(task: Task, name: string): void {
    this.xattrsOk();
    this.xattrs.remove(task, this, name);
    this.touchCtime();
  }

  /**
   * Open files of the inode: an unlinked inode lives on until the last is
   * closed (only regular files count them; a removed directory is "dead").
   */
  openCount = 0;
  private destroyed = false;

  /** Forget the inode's names (its filesystem is gone); it goes when nothing has it open. */
  forget(): void { this.maybeDestroy(); }

  /** drop_nlink: one name fewer; the inode goes when no name and no open file is left. */
  dropLink(): void {
    this.nlink--;
    this.touchCtime();
    this.maybeDestroy();
  }
  /** A file of the inode closed. */
  closed(): void {
    this.openCount--;
    this.maybeDestroy();
  }
  protected maybeDestroy(): void {
    if (this.nlink > 0 || this.openCount > 0 || this.destroyed) return;
    this.destroyed = true;
    this.evict();
    this.sb.freeIno();
  }
  /** evict_inode: frees what the inode holds. */
  protected evict(): void {}

  override open(task: Task, flags: number): File {
    if (flags & O.PATH) return new ShmemPathFile(this, flags);
    return this.openFile(task, flags);
  }
  protected abstract openFile(task: Task, flags: number): File;
}

/** An O_PATH file of any tmpfs inode: it answers fstat, and names the inode. */
class ShmemPathFile extends File {
  constructor(readonly inode: ShmemInode, flags: number) { super(flags); }
  describe(): string { return this.location?.path ?? 'tmpfs'; }
  override stat(): Stat { return this.inode.getattr(); }
  override read(): Buffer { throw new Errno(E.EBADF); }
  override write(): number { throw new Errno(E.EBADF); }
  override getdents(): Buffer { throw new Errno(E.EBADF); }
}

// ---- regular files ----

export class ShmemReg extends ShmemInode {
  readonly data = new ShmemPages();
  /** An O_TMPFILE opened without O_EXCL may get a name later (I_LINKABLE). */
  linkable = false;
  /** Pages counted in the superblock for this file. */
  private charged = 0n;

  protected override size(): bigint { return this.data.size; }
  protected override blocks(): bigint { this.account(); return BigInt(this.data.pages) * 8n; }

  /** Brings the superblock's count in step with the pages the file holds. */
  account(): void {
    this.data.refresh();
    const p = BigInt(this.data.pages);
    this.sb.usedBlocks += p - this.charged;
    this.charged = p;
  }

  /**
   * How many bytes of a write of len at pos the size= limit lets through:
   * every page it would newly fill counts; a write is cut at the first page
   * that does not fit, and one that fits none is ENOSPC (shmem_write_begin).
   */
  fits(pos: bigint, len: number): number {
    if (!this.sb.opts.maxBlocks || len === 0) return len;
    const free = this.sb.freeBlocks();
    const end = pos + BigInt(len);
    if (pagesOf(pos, end) <= free) return len;
    const holes = this.data.holesIn(pos, end);
    if (BigInt(holes.length) <= free) return len;
    const stop = holes[Number(free < 0n ? 0n : free)] * BigInt(PAGE_SIZE);
    if (stop <= pos) throw new Errno(E.ENOSPC);
    return Number(stop - pos);
  }

  protected override setSize(task: Task, size: bigint): void {
    if (size > MAX_FILESIZE) throw new Errno(E.EFBIG);
    const kill = killPrivMode(task, this);
    if (kill !== null) this.modeBits = kill;
    this.data.truncate(size);
    this.account();
    this.touchMtime();
  }

  protected openFile(task: Task, flags: number): File {
    if (flags & O.DIRECTORY) throw new Errno(E.ENOTDIR);
    if (flags & O.TRUNC) this.setSize(task, 0n);
    return new ShmemFile(this, flags);
  }

  protected override evict(): void {
    this.data.free();
    this.sb.usedBlocks -= this.charged;
    this.charged = 0n;
  }
}

const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
const FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

/** An open tmpfs regular file. The position is the description's own; data moves by pread/pwrite. */
export class ShmemFile extends File {
  constructor(readonly inode: ShmemReg, flags: number) {
    super(flags);
    inode.openCount++;
  }

  describe(): string { return this.location?.path ?? `/tmpfs/#${this.inode.ino}`; }
  protected override release(): void { this.inode.closed(); }

  override read(_task: Task, len: number, pos: bigint | null): Buffer {
    const at = pos ?? this.pos;
    const out = this.inode.data.read(len, at);
    if (!(this.flags & O.NOATIME)) this.inode.touchAtime();
    if (pos === null) this.pos = at + BigInt(out.length);
    return out;
  }

  override write(task: Task, data: Buffer, pos: bigint | null): number {
    const ino = this.inode;
    // O_APPEND writes at the end, pwrite too (as Linux does).
    const at = (this.flags & O.APPEND) ? ino.data.size : pos ?? this.pos;
    if (data.length === 0) return 0;
    if (at + BigInt(data.length) > MAX_FILESIZE) throw new Errno(E.EFBIG);
    let len = writeLimit(task, data.length, () => at);
    len = ino.fits(at, len);
    const kill = killPrivMode(task, ino);
    if (kill !== null) ino.modeBits = kill;
    const n = ino.data.write(data.subarray(0, len), at);
    ino.account();
    ino.touchMtime();
    if (pos === null) this.pos = at + BigInt(n);
    return n;
  }

  override llseek(off: bigint, whence: number): bigint {
    let p: bigint;
    switch (whence) {
      case SEEK_SET: p = off; break;
      case SEEK_CUR: p = this.pos + off; break;
      case SEEK_END: p = this.inode.data.size + off; break;
      case SEEK_DATA: p = this.inode.data.seekData(off, false); break;
      case SEEK_HOLE: p = this.inode.data.seekData(off, true); break;
      default: throw new Errno(E.EINVAL);
    }
    if (p < 0n || p > MAX_FILESIZE) throw new Errno(E.EINVAL);
    this.pos = p;
    return p;
  }

  override stat(): Stat { return this.inode.getattr(); }
  override truncate(len: bigint): void {
    // ftruncate is done as the file's opener; the VFS checked the limits.
    this.inode.data.truncate(len);
    this.inode.account();
    this.inode.touchMtime();
  }
  override fsync(): void {}

  /** shmem_fallocate: allocate (ENOSPC past the limit) or punch a hole; nothing else. */
  fallocate(mode: number, off: bigint, len: bigint): void {
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) throw new Errno(E.EOPNOTSUPP);
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE)) throw new Errno(E.EOPNOTSUPP);
    if (off + len > MAX_FILESIZE) throw new Errno(E.EFBIG);
    if (!(mode & FALLOC_FL_PUNCH_HOLE) && this.inode.sb.opts.maxBlocks) {
      const need = BigInt(this.inode.data.holesIn(off, off + len).length);
      if (need > this.inode.sb.freeBlocks()) throw new Errno(E.ENOSPC);
    }
    this.inode.data.fallocate(mode, off, len);
    this.inode.account();
    this.inode.touchCtime();
    if (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_PUNCH_HOLE)) this.inode.touchMtime();
  }

  /** The memfd behind the file: mmap and exec open it through /proc/<tuml>/fd. */
  override hostFd(): number | null { return this.inode.data.memfd(); }
}

// ---- directories ----

interface Dentry { inode: ShmemInode; off: bigint }

export class ShmemDir extends ShmemInode {
  readonly entries = new Map<string, Dentry>();
  /** The next directory offset handed out: stable offsets for telldir/seekdir (simple_offset). */
  private nextOff = 2n;
  /** Removed (rmdir): reading it is ENOENT, nothing can be made in it. */
  dead = false;

  constructor(sb: ShmemSb, public parent: ShmemDir | null, owner: { uid: number; gid: number; mode: number }) {
    super(sb, owner);
    this.nlink = 2;
  }

  protected override size(): bigint { return BOGO_DIRENT_SIZE * BigInt(this.entries.size + 2); }

  override lookup(name: string): Inode {
    if (name === '.') return this;
    if (name === '..') return this.parent ?? this;
    const d = this.entries.get(name);
    if (!d) throw new Errno(E.ENOENT);
    return d.inode;
  }

  /** The child called name, ENOENT when there is none. */
  child(name: string): ShmemInode {
    const d = this.entries.get(name);
    if (!d) throw new Errno(E.ENOENT);
    return d.inode;
  }

  private checkNew(name: string): void {
    if (this.dead) throw new Errno(E.ENOENT);
    if (Buffer.byteLength(name, 'latin1') > NAME_MAX) throw new Errno(E.ENAMETOOLONG);
    if (this.entries.has(name)) throw new Errno(E.EEXIST);
  }

  /** d_instantiate: name now names inode (the caller made or counted the link). */
  addEntry(name: string, inode: ShmemInode): void {
    this.entries.set(name, { inode, off: this.nextOff++ });
    if (inode instanceof ShmemDir) { inode.parent = this; this.nlink++; }
    this.touchMtime();
  }

  private removeEntry(name: string): ShmemInode {
    const d = this.entries.get(name)!;
    this.entries.delete(name);
    if (d.inode instanceof ShmemDir) this.nlink--;
    this.touchMtime();
    return d.inode;
  }

  /** The owner and mode a new inode here gets from task. */
  private owner(task: Task, mode: number) { return initOwner(task, this, mode); }

  override create(task: Task, name: string, mode: number, flags: number): File {
    this.checkNew(name);
    const inode = new ShmemReg(this.sb, this.owner(task, S_IFREG | (mode & 0o7777)));
    this.addEntry(name, inode);
    return new ShmemFile(inode, flags & ~(O.CREAT | O.EXCL | O.TRUNC));
  }

  override mkdir(task: Task, name: string, mode: number): void {
    this.checkNew(name);
    this.addEntry(name, new ShmemDir(this.sb, this, this.owner(task, S_IFDIR | (mode & 0o7777))));
  }

  override mknod(task: Task, name: string, mode: number, dev: bigint): void {
    this.checkNew(name);
    const type = mode & S_IFMT;
    const owner = this.owner(task, mode);
    let inode: ShmemInode;
    if (type === S_IFREG || type === 0) inode = new ShmemReg(this.sb, { ...owner, mode: S_IFREG | (owner.mode & 0o7777) });
    else if (type === S_IFCHR || type === S_IFBLK || type === S_IFIFO || type === S_IFSOCK) inode = new ShmemSpecial(this.sb, owner, type === S_IFCHR || type === S_IFBLK ? dev : 0n);
    else throw new Errno(E.EINVAL);
    this.addEntry(name, inode);
  }

  override symlink(task: Task, target: string, name: string): void {
    this.checkNew(name);
    if (Buffer.byteLength(target, 'latin1') >= PATH_MAX) throw new Errno(E.ENAMETOOLONG);
    const long = target.length >= SHORT_SYMLINK_LEN;
    if (long && this.sb.opts.maxBlocks && this.sb.freeBlocks() < 1n) throw new Errno(E.ENOSPC);
    const inode = new ShmemLink(this.sb, this.owner(task, S_IFLNK | 0o777), target);
    this.addEntry(name, inode);
  }

  override link(_task: Task, old: Inode, name: string): void {
    if (!(old instanceof ShmemInode) || old.sb !== this.sb) throw new Errno(E.EXDEV);
    if (old.isDir()) throw new Errno(E.EPERM);
    this.checkNew(name);
    // An unnamed file can get a name only when made by O_TMPFILE without O_EXCL.
    if (old.nlink === 0) {
      if (!(old instanceof ShmemReg) || !old.linkable) throw new Errno(E.ENOENT);
      old.linkable = false;
    }
    old.nlink++;
    old.touchCtime();
    this.addEntry(name, old);
  }

  override tmpfile(task: Task, mode: number, flags: number): { file: File; inode: Inode } {
    if (this.dead) throw new Errno(E.ENOENT);
    const inode = new ShmemReg(this.sb, this.owner(task, S_IFREG | (mode & 0o7777)));
    inode.nlink = 0;
    inode.linkable = !(flags & O.EXCL);
    // The file keeps the inode; closing it frees the inode unless linkat named it.
    const file = new ShmemFile(inode, flags & ~(O.TMPFILE | O.CREAT | O.EXCL | O.TRUNC));
    return { file, inode };
  }

  override unlink(task: Task, name: string): void {
    const inode = this.child(name);
    if (inode.isDir()) throw new Errno(E.EISDIR);
    this.checkSticky(task, inode);
    this.removeEntry(name);
    inode.dropLink();
  }

  override rmdir(task: Task, name: string): void {
    const inode = this.child(name);
    if (!(inode instanceof ShmemDir)) throw new Errno(E.ENOTDIR);
    if (inode.entries.size > 0) throw new Errno(E.ENOTEMPTY);
    this.checkSticky(task, inode);
    this.removeEntry(name);
    inode.dead = true;
    inode.nlink = 1;
    inode.dropLink();
  }

  /** check_sticky: in a sticky directory only the owner of the file or of the directory (or CAP_FOWNER) removes it. */
  private checkSticky(task: Task, inode: ShmemInode): void {
    if (!(this.modeBits & S_ISVTX)) return;
    const u = task.cred.fsuid;
    if (u === inode.uid || u === this.uid || task.cred.capable(CAP.FOWNER)) return;
    throw new Errno(E.EPERM);
  }

  /** Whether this directory is dir or lies below it. */
  private within(dir: ShmemDir): boolean {
    for (let d: ShmemDir | null = this; d; d = d.parent) if (d === dir) return true;
    return false;
  }

  override rename(task: Task, oldName: string, newDirInode: Inode, newName: string, flags: number): void {
    if (!(newDirInode instanceof ShmemDir) || newDirInode.sb !== this.sb) throw new Errno(E.EXDEV);
    const newDir = newDirInode;
    if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) throw new Errno(E.EINVAL);
    if ((flags & RENAME_WHITEOUT) && !task.cred.capable(CAP.MKNOD)) throw new Errno(E.EPERM);
    const src = this.child(oldName);
    if (Buffer.byteLength(newName, 'latin1') > NAME_MAX) throw new Errno(E.ENAMETOOLONG);
    const dst = newDir.entries.get(newName)?.inode ?? null;
    if (flags & RENAME_EXCHANGE) {
      if (!dst) throw new Errno(E.ENOENT);
    } else if (dst && (flags & RENAME_NOREPLACE)) {
      throw new Errno(E.EEXIST);
    }
    // lock_rename's trap: no directory moves below itself.
    if (src instanceof ShmemDir && newDir.within(src)) throw new Errno(E.EINVAL);
    if (dst instanceof ShmemDir && this.within(dst) && (flags & RENAME_EXCHANGE)) throw new Errno(E.EINVAL);
    if (dst instanceof ShmemDir && this.within(dst)) throw new Errno(E.ENOTEMPTY);
    if (src === dst) return;
    this.checkSticky(task, src);
    if (dst) newDir.checkSticky(task, dst);
    if (flags & RENAME_EXCHANGE) {
      this.exchange(oldName, newDir, newName);
      return;
    }
    if (dst) {
      if (src.isDir() && !(dst instanceof ShmemDir)) throw new Errno(E.ENOTDIR);
      if (!src.isDir() && dst.isDir()) throw new Errno(E.EISDIR);
      if (dst instanceof ShmemDir && dst.entries.size > 0) throw new Errno(E.ENOTEMPTY);
    }
    // The whiteout is made first, so that running out of inodes changes nothing.
    const whiteout = (flags & RENAME_WHITEOUT)
      ? new ShmemSpecial(this.sb, { uid: task.cred.fsuid, gid: task.cred.fsgid, mode: S_IFCHR }, WHITEOUT_DEV) : null;
    if (dst) {
      newDir.removeEntry(newName);
      if (dst instanceof ShmemDir) { dst.dead = true; dst.nlink = 1; }
      dst.dropLink();
    }
    this.removeEntry(oldName);
    newDir.addEntry(newName, src);
    src.touchCtime();
    if (whiteout) this.addEntry(oldName, whiteout);
  }

  /** RENAME_EXCHANGE: the two names swap inodes (and their offsets). */
  private exchange(oldName: string, newDir: ShmemDir, newName: string): void {
    const a = this.entries.get(oldName)!, b = newDir.entries.get(newName)!;
    const ai = a.inode, bi = b.inode;
    a.inode = bi; b.inode = ai;
    if (this !== newDir) {
      if (ai instanceof ShmemDir) { ai.parent = newDir; newDir.nlink++; this.nlink--; }
      if (bi instanceof ShmemDir) { bi.parent = this; this.nlink++; newDir.nlink--; }
    }
    ai.touchCtime(); bi.touchCtime();
    this.touchMtime(); newDir.touchMtime();
  }

  protected openFile(_task: Task, flags: number): File {
    if ((flags & O.ACCMODE) !== O.RDONLY) throw new Errno(E.EISDIR);
    return new ShmemDirFile(this, flags);
  }

  /** The entries from directory offset pos on, in offset order. */
  entriesFrom(pos: bigint): Array<[string, Dentry]> {
    const out: Array<[string, Dentry]> = [];
    for (const e of this.entries) if (e[1].off >= pos) out.push(e);
    return out.sort((x, y) => (x[1].off < y[1].off ? -1 : x[1].off > y[1].off ? 1 : 0));
  }
}

/**
 * An open tmpfs directory. Offsets are stable: "." is 0, ".." 1, and each
 * entry keeps the offset it got when it was made, so telldir/seekdir work
 * and entries added while reading show up once, after the others.
 */
class ShmemDirFile extends File {
  constructor(readonly inode: ShmemDir, flags: number) { super(flags); }
  describe(): string { return this.location?.path ?? 'tmpfs'; }
  override stat(): Stat { return this.inode.getattr(); }
  override read(): Buffer { throw new Errno(E.EISDIR); }
  override write(): number { throw new Errno(E.EBADF); }

  override getdents(max: number): Buffer {
    const dir = this.inode;
    if (dir.dead) throw new Errno(E.ENOENT);
    const out: Buffer[] = [];
    let used = 0;
    const emit = (name: string, ino: bigint, type: number, next: bigint): boolean => {
      const rec = encodeDirent({ name, ino, type }, next);
      if (used + rec.length > max) {
        if (out.length === 0) throw new Errno(E.EINVAL);
        return false;
      }
      out.push(rec);
      used += rec.length;
      this.pos = next;
      return true;
    };
    if (this.pos === 0n && !emit('.', dir.ino, dtype(S_IFDIR), 1n)) return Buffer.alloc(0);
    if (this.pos === 1n && !emit('..', (dir.parent ?? dir).ino, dtype(S_IFDIR), 2n)) return Buffer.concat(out);
    for (const [name, d] of dir.entriesFrom(this.pos)) {
      if (!emit(name, d.inode.ino, dtype(d.inode.mode), d.off + 1n)) break;
    }
    dir.touchAtime();
    return Buffer.concat(out);
  }

  override llseek(off: bigint, whence: number): bigint {
    const p = whence === SEEK_SET ? off : whence === SEEK_CUR ? this.pos + off : -1n;
    if (p < 0n) throw new Errno(E.EINVAL);
    this.pos = p;
    return p;
  }
  override fsync(): void {}
}

// ---- symlinks, devices, FIFOs, sockets ----

class ShmemLink extends ShmemInode {
  constructor(sb: ShmemSb, owner: { uid: number; gid: number; mode: number }, readonly target: string) {
    super(sb, owner);
    if (this.long()) sb.usedBlocks++;
  }
  private long(): boolean { return this.target.length >= SHORT_SYMLINK_LEN; }
  protected override size(): bigint { return BigInt(Buffer.byteLength(this.target, 'latin1')); }
  protected override blocks(): bigint { return this.long() ? 8n : 0n; }
  override readlink(): string { this.touchAtime(); return this.target; }
  protected override evict(): void { if (this.long()) this.sb.usedBlocks--; }
  protected openFile(): File { throw new Errno(E.ELOOP); }
  // Symlinks have no permission bits to check.
  override access(): void {}
}

/** A device node, FIFO or socket: the kernel's driver, pipe or socket does the work. */
export class ShmemSpecial extends ShmemInode {
  constructor(sb: ShmemSb, owner: { uid: number; gid: number; mode: number }, readonly dev: bigint) {
    super(sb, owner);
  }
  protected override rdev(): bigint { return this.dev; }
  protected openFile(task: Task, flags: number): File {
    const type = this.modeBits & S_IFMT;
    if (type === S_IFCHR || type === S_IFBLK) return openDevice(task, type, this.dev, flags);
    if (type === S_IFIFO) return openFifo(task, `tmpfs:${this.sb.dev}:${this.ino}`, flags);
    throw new Errno(E.ENXIO);
  }
}

// ---- the filesystem types ----

/** A fresh tmpfs (or ramfs) with the options of a mount(2) call. */
export function shmemMount(req: Pick<MountRequest, 'task' | 'source' | 'data'>, ramfs = false): ShmemSb {
  const opts = parseOptions(req.data, defaultOptions(req.task, ramfs), ramfs);
  if (ramfs) opts.mode = /(^|,)mode=/.test(req.data) ? opts.mode : 0o755;
  return new ShmemSb(req.source, opts, ramfs);
}

registerFilesystem({ name: 'tmpfs', requiresDev: false, mount: (req) => shmemMount(req) });
registerFilesystem({ name: 'ramfs', requiresDev: false, mount: (req) => shmemMount(req, true) });
