// ext2 inodes (fs/ext2/inode.c): the on-disk inode read and written back,
// the block map (12 direct blocks, then indirect, double and triple
// indirect blocks; or, on ext4 images, the extent tree), truncation, the
// attributes, and the VFS's inode operations, which namei.ts, dir.ts,
// symlink.ts and xattr.ts implement.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { openDevice } from '../../drivers/registry.js';
import { File, O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Stat } from '../file.js';
import { Inode, type SetAttr } from '../inode.js';
import { openFifo } from '../pipe.js';
import { extentRun, type Run } from '../ext4/extents.js';
import { freeBlocks, newBlock } from './balloc.js';
import { FL, I, IND_BLOCK, INCOMPAT, N_BLOCKS, NDIR_BLOCKS, RO_COMPAT } from './ext2.js';
import { freeInodeNumber } from './ialloc.js';
import type { Ext2Super } from './super.js';
import * as namei from './namei.js';
import { readlink } from './symlink.js';
import * as xattr from './xattr.js';
import { Ext2DirFile, Ext2File, Ext2PathFile } from './file.js';

export type Time = [bigint, bigint];

function nowTime(): Time {
  const ns = process.hrtime.bigint() - hrBase + wallBase;
  return [ns / 1000000000n, ns % 1000000000n];
}
const wallBase = BigInt(Date.now()) * 1000000n;
const hrBase = process.hrtime.bigint();
export { nowTime };

export class Ext2Inode extends Inode {
  imode = 0; uid = 0; gid = 0; size = 0; links = 0;
  atime: Time = [0n, 0n]; ctime: Time = [0n, 0n]; mtime: Time = [0n, 0n]; crtime: Time = [0n, 0n];
  dtime = 0;
  /** i_blocks in 512-byte units. */
  blocks = 0;
  flags = 0;
  generation = 0;
  fileAcl = 0;
  extraIsize = 0;
  /** i_block: the block map, a fast symlink's target, or the extent tree's root. */
  readonly iblock = Buffer.alloc(4 * N_BLOCKS);
  /** The whole on-disk inode as read, so fields this code does not know are written back unchanged. */
  private raw: Buffer;
  /** Open files of this inode: an unlinked inode is freed when the last closes. */
  openCount = 0;
  /** The directory's names (a dcache of it), built at the first lookup. */
  names: Map<string, { ino: number; type: number }> | null = null;
  /** Physical block of the last allocation, the goal of the next (ext2's i_block_alloc_info). */
  lastAlloc = 0;
  freed = false;
  /** The blocks this inode dirtied (data, indirect and directory blocks): what fsync writes. */
  readonly dirtyBlocks = new Set<number>();
  /** The directory that got a new entry for this inode not yet written (ext4's EXT4_STATE_NEWENTRY). */
  newEntryIn: Ext2Inode | null = null;

  private constructor(readonly sb: Ext2Super, readonly ino: number, raw: Buffer) {
    super();
    this.raw = raw;
  }

  static read(sb: Ext2Super, ino: number): Ext2Inode {
    const { block, off } = sb.inodeLocation(ino);
    const raw = Buffer.from(sb.cache.bread(block).data.subarray(off, off + sb.inodeSize));
    const inode = new Ext2Inode(sb, ino, raw);
    inode.decode();
    return inode;
  }

  /** A new inode's in-memory object with a zeroed on-disk image (ext2_new_inode fills it). */
  static fresh(sb: Ext2Super, ino: number): Ext2Inode {
    const inode = new Ext2Inode(sb, ino, Buffer.alloc(sb.inodeSize));
    sb.inodes.set(ino, inode);
    return inode;
  }

  private hasExtra(field: number): boolean {
    return this.sb.inodeSize > 128 && 128 + this.extraIsize >= field + 4;
  }

  private readTime(sec: number, extra: number): Time {
    let s = BigInt(this.raw.readInt32LE(sec));
    let ns = 0n;
    if (extra && this.hasExtra(extra)) {
      const x = this.raw.readUInt32LE(extra);
      s += BigInt(x & 3) << 32n;
      ns = BigInt(x >>> 2);
    }
    return [s, ns];
  }

  private writeTime(t: Time, sec: number, extra: number): void {
    this.raw.writeInt32LE(Number(BigInt.asIntN(32, t[0])), sec);
    if (extra && this.hasExtra(extra)) {
      const epoch = Number(((t[0] - BigInt.asIntN(32, t[0])) >> 32n) & 3n);
      this.raw.writeUInt32LE(((Number(t[1]) << 2) | epoch) >>> 0, extra);
    }
  }

  private decode(): void {
    const r = this.raw;
    const sb = this.sb;
    this.imode = r.readUInt16LE(I.mode);
    this.uid = r.readUInt16LE(I.uid) | (r.readUInt16LE(I.uid_high) << 16);
    this.gid = r.readUInt16LE(I.gid) | (r.readUInt16LE(I.gid_high) << 16);
    this.links = r.readUInt16LE(I.links_count);
    this.flags = r.readUInt32LE(I.flags);
    this.extraIsize = sb.inodeSize > 128 ? r.readUInt16LE(I.extra_isize) : 0;
    if (128 + this.extraIsize > sb.inodeSize) this.extraIsize = 0;
    this.size = r.readUInt32LE(I.size_lo);
    // i_size_high: regular files always (it was i_dir_acl for directories before large_dir).
    const type = this.imode & S_IFMT;
    if (type === S_IFREG || (type === S_IFDIR && sb.hasIncompat(INCOMPAT.LARGEDIR))) this.size += r.readUInt32LE(I.size_high) * 2 ** 32;
    this.atime = this.readTime(I.atime, I.atime_extra);
    this.ctime = this.readTime(I.ctime, I.ctime_extra);
    this.mtime = this.readTime(I.mtime, I.mtime_extra);
    if (this.hasExtra(I.crtime)) this.crtime = this.readTime(I.crtime, I.crtime_extra);
    this.dtime = r.readUInt32LE(I.dtime);
    let blocks = r.readUInt32LE(I.blocks_lo);
    if (sb.hasRoCompat(RO_COMPAT.HUGE_FILE)) {
      blocks += r.readUInt16LE(I.blocks_high) * 2 ** 32;
      if (this.flags & FL.HUGE_FILE) blocks *= sb.blockSize / 512;
    }
    this.blocks = blocks;
    this.generation = r.readUInt32LE(I.generation);
    this.fileAcl = r.readUInt32LE(I.file_acl_lo) + (sb.hasIncompat(INCOMPAT['64BIT']) ? r.readUInt16LE(I.file_acl_high) * 2 ** 32 : 0);
    r.copy(this.iblock, 0, I.block, I.block + 60);
  }

  /** The raw on-disk inode (for the in-inode extended attributes). */
  get rawInode(): Buffer { return this.raw; }

  /** ext2_write_inode: the in-memory inode into its inode table block (written back with the cache). */
  save(): void {
    const r = this.raw;
    r.writeUInt16LE(this.imode, I.mode);
    r.writeUInt16LE(this.uid & 0xffff, I.uid);
    r.writeUInt16LE(this.uid >>> 16, I.uid_high);
    r.writeUInt16LE(this.gid & 0xffff, I.gid);
    r.writeUInt16LE(this.gid >>> 16, I.gid_high);
    r.writeUInt16LE(this.links, I.links_count);
    r.writeUInt32LE(this.flags >>> 0, I.flags);
    r.writeUInt32LE(this.size % 2 ** 32, I.size_lo);
    if ((this.imode & S_IFMT) === S_IFREG) r.writeUInt32LE(Math.floor(this.size / 2 ** 32), I.size_high);
    this.writeTime(this.atime, I.atime, I.atime_extra);
    this.writeTime(this.ctime, I.ctime, I.ctime_extra);
    this.writeTime(this.mtime, I.mtime, I.mtime_extra);
    if (this.hasExtra(I.crtime)) this.writeTime(this.crtime, I.crtime, I.crtime_extra);
    r.writeUInt32LE(this.dtime >>> 0, I.dtime);
    r.writeUInt32LE(this.blocks >>> 0, I.blocks_lo);
    r.writeUInt32LE(this.generation >>> 0, I.generation);
    r.writeUInt32LE(this.fileAcl >>> 0, I.file_acl_lo);
    if (this.sb.inodeSize > 128) r.writeUInt16LE(this.extraIsize, I.extra_isize);
    this.iblock.copy(r, I.block);
    const { block, off } = this.sb.inodeLocation(this.ino);
    const bh = this.sb.cache.bread(block);
    r.copy(bh.data, off);
    this.sb.cache.markDirty(bh);
  }

  get type(): number { return this.imode & S_IFMT; }
  override get mode(): number { return this.imode; }
  override isDir(): boolean { return this.type === S_IFDIR; }
  override isLink(): boolean { return this.type === S_IFLNK; }

  /** The device number of a device node (old 16-bit encoding in i_block[0], else the new one in i_block[1]). */
  get rdev(): bigint {
    const old = this.iblock.readUInt32LE(0);
    if (old) return BigInt(((old >> 8) & 0xff) << 8 | (old & 0xff));
    const d = this.iblock.readUInt32LE(4);
    const major = (d & 0xfff00) >> 8, minor = (d & 0xff) | ((d >> 12) & 0xfff00);
    return (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  }

  set rdev(dev: bigint) {
    const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    this.iblock.fill(0);
    if (major < 256 && minor < 256) this.iblock.writeUInt32LE((major << 8) | minor, 0);
    else this.iblock.writeUInt32LE(((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0, 4);
  }

  getattr(): Stat {
    const t = this.type;
    return {
      dev: this.sb.dev, ino: BigInt(this.ino), nlink: BigInt(this.links), mode: this.imode,
      uid: this.uid, gid: this.gid, rdev: t === S_IFCHR || t === S_IFBLK ? this.rdev : 0n,
      size: BigInt(this.size), blksize: BigInt(this.sb.blockSize), blocks: BigInt(this.blocks),
      atime: this.atime, mtime: this.mtime, ctime: this.ctime,
    };
  }

  // ---- the block map ----

  get usesExtents(): boolean { return (this.flags & FL.EXTENTS) !== 0; }

  /** Pointers per indirect block. */
  private get apb(): number { return this.sb.blockSize / 4; }

  /** ext2_block_to_path: the offsets from i_block down to the data block of logical block lblk. */
  private path(lblk: number): number[] {
    const a = this.apb;
    if (lblk < NDIR_BLOCKS) return [lblk];
    lblk -= NDIR_BLOCKS;
    if (lblk < a) return [IND_BLOCK, lblk];
    lblk -= a;
    if (lblk < a * a) return [IND_BLOCK + 1, Math.floor(lblk / a), lblk % a];
    lblk -= a * a;
    if (lblk < a * a * a) return [IND_BLOCK + 2, Math.floor(lblk / (a * a)), Math.floor(lblk / a) % a, lblk % a];
    throw new Errno(E.EFBIG);
  }

  /** The highest logical block the block map can address, plus one. */
  get maxBlocks(): number { const a = this.apb; return NDIR_BLOCKS + a + a * a + a * a * a; }

  /** The run at logical block lblk: its physical block (0 for a hole) and how far the run or hole goes. */
  mapRun(lblk: number): Run {
    if (this.usesExtents) return extentRun(this.iblock, lblk, (b) => this.sb.cache.bread(b).data);
    if (lblk >= this.maxBlocks) return { pblk: 0, len: Infinity };
    const p = this.path(lblk);
    // The block holding the last pointer read, its index and how far that array goes.
    let holder: Buffer = this.iblock, idx = p[0], end = p.length === 1 ? NDIR_BLOCKS : idx + 1;
    let ptr = holder.readUInt32LE(idx * 4);
    // The span of the subtree under each level, to skip a missing one whole.
    const a = this.apb;
    for (let depth = 1; depth <= p.length; depth++) {
      if (ptr === 0) {
        const below = p.length - depth;   // levels below the missing pointer
        let span = 1, offs = 0;
        for (let k = 0; k < below; k++) span *= a;
        for (let k = depth; k < p.length; k++) offs = offs * a + p[k];
        return { pblk: 0, len: span - offs };
      }
      if (depth === p.length) {
        // The data run: the next pointers of the same array that continue it on disk.
        let len = 1;
        while (idx + len < end && holder.readUInt32LE((idx + len) * 4) === ptr + len) len++;
        return { pblk: ptr, len };
      }
      holder = this.sb.cache.bread(ptr).data;
      idx = p[depth];
      end = a;
      ptr = holder.readUInt32LE(idx * 4);
    }
    return { pblk: 0, len: 1 };
  }

  /** The physical block of lblk, 0 for a hole. */
  bmap(lblk: number): number { return this.mapRun(lblk).pblk; }

  /** ext2_find_goal: after the last allocation, else near the inode's group. */
  private goal(): number {
    if (this.lastAlloc) return this.lastAlloc + 1;
    const g = Math.floor((this.ino - 1) / this.sb.inodesPerGroup);
    return this.sb.groupFirstBlock(g);
  }

  private allocBlock(): number {
    const b = newBlock(this.sb, this.goal());
    this.lastAlloc = b;
    this.blocks += this.sb.blockSize / 512;
    return b;
  }

  /**
   * ext2_get_blocks with create: the physical block of lblk, allocating it
   * (and the indirect blocks on the way) when missing. fresh tells the caller
   * the block is new, its buffer zeroed.
   */
  bmapCreate(lblk: number): { pblk: number; fresh: boolean } {
    if (this.usesExtents) throw new Errno(E.EROFS);
    const p = this.path(lblk);
    let holder: Buffer = this.iblock;
    let holderBh: ReturnType<Ext2Super['cache']['bread']> | null = null;
    let fresh = false;
    for (let depth = 0; depth < p.length; depth++) {
      let ptr = holder.readUInt32LE(p[depth] * 4);
      const isData = depth === p.length - 1;
      if (ptr === 0) {
        ptr = this.allocBlock();
        // A new block, indirect or data, starts as zeros.
        this.sb.cache.getZeroed(ptr, this.dirtyBlocks);
        holder.writeUInt32LE(ptr, p[depth] * 4);
        if (holderBh) this.sb.cache.markDirty(holderBh, this.dirtyBlocks);
        else this.save();
        if (isData) fresh = true;
      }
      if (isData) return { pblk: ptr, fresh };
      holderBh = this.sb.cache.bread(ptr);
      holder = holderBh.data;
    }
    throw new Errno(E.EIO);
  }

  /**
   * ext2_truncate_blocks: frees every block of the map at or past logical
   * block `keep`, and the indirect blocks left empty.
   */
  private truncateBlocks(keep: number): void {
    const freed: number[] = [];
    const a = this.apb;
    // Returns the pointer's new value (0 once its whole subtree is gone).
    const walk = (ptr: number, depth: number, base: number): number => {
      if (ptr === 0) return 0;
      let span = 1;
      for (let k = 0; k < depth; k++) span *= a;
      if (base + span <= keep) return ptr;
      if (base >= keep) { this.freeTree(ptr, depth, freed); return 0; }
      const bh = this.sb.cache.bread(ptr);
      const sub = span / a;
      let any = false;
      for (let i = 0; i < a; i++) {
        const c = bh.data.readUInt32LE(i * 4);
        if (!c) continue;
        const n = walk(c, depth - 1, base + i * sub);
        if (n !== c) { bh.data.writeUInt32LE(n, i * 4); this.sb.cache.markDirty(bh, this.dirtyBlocks); }
        if (n) any = true;
      }
      if (any) return ptr;
      freed.push(ptr);
      return 0;
    };
    for (let i = 0; i < NDIR_BLOCKS; i++) {
      const c = this.iblock.readUInt32LE(i * 4);
      if (c && i >= keep) { freed.push(c); this.iblock.writeUInt32LE(0, i * 4); }
    }
    let base = NDIR_BLOCKS, span = a;
    for (let level = 1; level <= 3; level++) {
      const idx = IND_BLOCK + level - 1;
      const c = this.iblock.readUInt32LE(idx * 4);
      const n = walk(c, level, base);
      if (n !== c) this.iblock.writeUInt32LE(n, idx * 4);
      base += span;
      span *= a;
    }
    this.blocks -= freed.length * (this.sb.blockSize / 512);
    if (this.blocks < 0) this.blocks = 0;
    this.lastAlloc = 0;
    freeBlocks(this.sb, freed);
  }

  private freeTree(ptr: number, depth: number, out: number[]): void {
    if (depth > 0) {
      const data = this.sb.cache.bread(ptr).data;
      for (let i = 0; i < this.apb; i++) {
        const c = data.readUInt32LE(i * 4);
        if (c) this.freeTree(c, depth - 1, out);
      }
    }
    out.push(ptr);
  }

  /** Whether the inode has a block map (symlinks keep a fast target in i_block instead). */
  get hasBlockMap(): boolean {
    const t = this.type;
    if (t === S_IFREG || t === S_IFDIR) return true;
    if (t === S_IFLNK) return !this.isFastSymlink;
    return false;
  }

  /** ext2_inode_is_fast_symlink: no data blocks besides an xattr block. */
  get isFastSymlink(): boolean {
    const ea = this.fileAcl ? this.sb.blockSize / 512 : 0;
    return this.type === S_IFLNK && this.blocks - ea === 0;
  }

  /** ext2_setsize: a new size; shrinking frees the blocks past it and zeroes the tail of the last one. */
  setSize(size: number): void {
    this.sb.checkWritable();
    if (this.usesExtents) throw new Errno(E.EROFS);
    const bs = this.sb.blockSize;
    if (size > this.maxBlocks * bs) throw new Errno(E.EFBIG);
    if (size < this.size) {
      const keep = Math.ceil(size / bs);
      if (size % bs) {
        const pblk = this.bmap(Math.floor(size / bs));
        if (pblk) {
          const bh = this.sb.cache.bread(pblk);
          bh.data.fill(0, size % bs);
          this.sb.cache.markDirty(bh, this.dirtyBlocks);
        }
      }
      this.truncateBlocks(keep);
    }
    this.size = size;
    if (size > 0x7fffffff) this.sb.setRoCompat(RO_COMPAT.LARGE_FILE);
    this.mtime = this.ctime = nowTime();
    this.save();
  }

  /**
   * ext2_fsync (generic_file_fsync): the inode's own dirty blocks (data,
   * indirect and directory blocks) and its inode table block, then the
   * device's flush. Bitmaps and group counts are left to the next sync, as
   * in Linux's ext2: e2fsck recomputes them after a crash. A new file's
   * directory entry goes too, up the chain of new directories, as ext4
   * without a journal does (ext4_sync_parent): a file fsynced after its
   * creation keeps its name.
   */
  fsync(): void {
    const sb = this.sb;
    if (sb.readOnly) return;
    const blocks: number[] = [];
    let i: Ext2Inode | null = this;
    for (let n = 0; i && !i.freed && n < 64; n++) {
      i.save();
      blocks.push(...i.dirtyBlocks, sb.inodeLocation(i.ino).block);
      i.dirtyBlocks.clear();
      const parent: Ext2Inode | null = i.newEntryIn;
      i.newEntryIn = null;
      i = parent;
    }
    sb.cache.writeback(blocks);
    sb.bdev.flush();
  }

  // ---- life of the inode ----

  /** ext2_evict_inode: an inode with no links and no opener gives back its blocks, xattrs and number. */
  evictIfUnused(): void {
    if (this.links > 0 || this.openCount > 0 || this.freed || this.sb.readOnly) return;
    this.freed = true;
    const sb = this.sb;
    sb.current = null;
    this.dtime = Number(nowTime()[0]) >>> 0;
    if (this.hasBlockMap && !this.usesExtents) this.truncateBlocks(0);
    this.size = 0;
    xattr.dropAll(this);
    this.save();
    freeInodeNumber(sb, this.ino, this.type === S_IFDIR);
    sb.inodes.delete(this.ino);
  }

  // ---- VFS operations ----

  override lookup(name: string): Inode {
    if (!this.isDir()) throw new Errno(E.ENOTDIR);
    return namei.lookup(this, name);
  }

  override readlink(): string {
    if (!this.isLink()) throw new Errno(E.EINVAL);
    return readlink(this);
  }

  override open(task: Task, flags: number): File {
    const t = this.type;
    if (flags & O.PATH) return new Ext2PathFile(this, flags);
    if (t === S_IFCHR || t === S_IFBLK) return openDevice(task, t, this.rdev, flags);
    if (t === S_IFIFO) return openFifo(task, `ext2:${this.sb.dev}:${this.ino}`, flags);
    if (t === S_IFSOCK) throw new Errno(E.ENXIO);
    if ((flags & O.ACCMODE) !== O.RDONLY || (flags & O.TRUNC)) this.sb.checkWritable();
    if (t === S_IFDIR) return new Ext2DirFile(this, flags);
    if (t !== S_IFREG) throw new Errno(E.ENXIO);
    if ((flags & O.TRUNC) && this.size > 0) { this.sb.current = task; this.setSize(0); }
    return new Ext2File(this, flags);
  }

  override create(task: Task, name: string, mode: number, flags: number): File {
    const inode = namei.create(this, task, name, S_IFREG | (mode & 0o7777), 0n);
    return new Ext2File(inode, flags & ~(O.CREAT | O.EXCL | O.TRUNC));
  }
  override mkdir(task: Task, name: string, mode: number): void { namei.mkdir(this, task, name, mode); }
  override mknod(task: Task, name: string, mode: number, dev: bigint): void {
    if ((mode & S_IFMT) === 0) mode |= S_IFREG;
    namei.create(this, task, name, mode, dev);
  }
  override unlink(task: Task, name: string): void { namei.unlink(this, task, name); }
  override rmdir(task: Task, name: string): void { namei.rmdir(this, task, name); }
  override symlink(task: Task, target: string, name: string): void { namei.symlink(this, task, target, name); }
  override link(task: Task, old: Inode, name: string): void { namei.link(this, task, old, name); }
  override rename(task: Task, oldName: string, newDir: Inode, newName: string, flags: number): void {
    namei.rename(this, task, oldName, newDir, newName, flags);
  }

  override setattr(task: Task, a: SetAttr): void {
    this.sb.checkWritable();
    this.sb.current = task;
    if (a.size !== undefined) {
      if (this.isDir()) throw new Errno(E.EISDIR);
      if (this.type !== S_IFREG) throw new Errno(E.EINVAL);
      if (Number(a.size) !== this.size) this.setSize(Number(a.size));
      else this.mtime = nowTime();
    }
    if (a.mode !== undefined) this.imode = (this.imode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid;
    if (a.gid !== undefined) this.gid = a.gid;
    const now = nowTime();
    const time = (t: SetAttr['atime'], old: Time): Time => (t === undefined || t === 'omit' ? old : t === 'now' ? now : t);
    this.atime = time(a.atime, this.atime);
    this.mtime = time(a.mtime, this.mtime);
    this.ctime = now;
    this.save();
  }

  override getxattr(name: string): Buffer { return xattr.get(this, name); }
  override listxattr(): Buffer { return xattr.list(this); }
  override setxattr(task: Task, name: string, value: Buffer, flags: number): void {
    this.sb.checkWritable();
    this.sb.current = task;
    xattr.set(this, task, name, value, flags);
  }
  override removexattr(task: Task, name: string): void {
    this.sb.checkWritable();
    this.sb.current = task;
    xattr.set(this, task, name, null, 2 /* XATTR_REPLACE */);
  }

  /** CAP_SYS_ADMIN for trusted.* attributes. */
  static admin(task: Task): boolean { return task.cred.capable(CAP.SYS_ADMIN); }
}
