// ext2's superblock (fs/ext2/super.c): reading and checking the superblock
// and group descriptors at mount, the feature checks of ext2 and of the
// read-only ext3/ext4 mounts, statfs, sync and umount, and the filesystem
// types registered under "ext2", "ext3" and "ext4".
import { Errno, E } from '../../host/errno.js';
import type { BlockDevice } from '../../block/blkdev.js';
import type { Task } from '../../kernel/task.js';
import { KERN, printk } from '../../kernel/printk.js';
import { BufferCache, type BufferHead } from '../buffer.js';
import { registerFilesystem, type MountRequest } from '../filesystems.js';
import type { SuperBlock } from '../inode.js';
import {
  COMPAT, DFL_MAX_MNT_COUNT, DYNAMIC_REV, EXT2_INCOMPAT_SUPP, EXT2_RO_COMPAT_SUPP, EXT2_SUPER_MAGIC,
  EXT4_INCOMPAT_READ, EXT4_RO_COMPAT_READ, featureNames, GOOD_OLD_FIRST_INO, GOOD_OLD_INODE_SIZE,
  GOOD_OLD_REV, INCOMPAT, RO_COMPAT, ROOT_INO, S, SUPERBLOCK_OFFSET, VALID_FS,
} from './ext2.js';
import { Ext2Inode } from './inode.js';

const MS_RDONLY = 1;
/** How often dirty buffers are written back (dirty_writeback_centisecs, 5 s). */
const WRITEBACK_MS = 5000;

export interface GroupDesc {
  blockBitmap: number; inodeBitmap: number; inodeTable: number;
  freeBlocks: number; freeInodes: number; usedDirs: number; flags: number;
  /** Where the descriptor lives: its block and byte offset. */
  descBlock: number; descOff: number;
}

export function isPowerOf(n: number, base: number): boolean {
  while (n > 1 && n % base === 0) n /= base;
  return n === 1;
}

export class Ext2Super implements SuperBlock {
  readonly dev: bigint;
  readonly cache: BufferCache;
  root!: Ext2Inode;
  readOnly: boolean;
  readonly blockSize: number;
  readonly inodeSize: number;
  readonly inodesPerGroup: number;
  readonly blocksPerGroup: number;
  readonly firstDataBlock: number;
  readonly firstIno: number;
  readonly blocksCount: number;
  readonly groupCount: number;
  readonly descSize: number;
  readonly groups: GroupDesc[] = [];
  /** The inodes in use in memory, by number (one object per inode, as the VFS expects). */
  readonly inodes = new Map<number, Ext2Inode>();
  /** The task doing the current operation (Linux's `current`), for reserved blocks and ownership. */
  current: Task | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sbBlock: number;
  private readonly sbOff: number;
  /** The state found at mount, written back at a clean umount (sbi->s_mount_state). */
  private mountState = 0;

  constructor(readonly type: string, readonly bdev: BlockDevice, readonly source: string, flags: number, sb: Buffer) {
    this.dev = bdev.rdev;
    this.readOnly = (flags & MS_RDONLY) !== 0;
    const logBs = sb.readUInt32LE(S.log_block_size);
    if (logBs > 6) this.fail(`error: bad block size ${logBs}`);
    this.blockSize = 1024 << logBs;
    this.sbBlock = Math.floor(SUPERBLOCK_OFFSET / this.blockSize);
    this.sbOff = SUPERBLOCK_OFFSET % this.blockSize;
    const rev = sb.readUInt32LE(S.rev_level);
    this.inodeSize = rev === GOOD_OLD_REV ? GOOD_OLD_INODE_SIZE : sb.readUInt16LE(S.inode_size);
    this.firstIno = rev === GOOD_OLD_REV ? GOOD_OLD_FIRST_INO : sb.readUInt32LE(S.first_ino);
    if (this.inodeSize < GOOD_OLD_INODE_SIZE || this.inodeSize > this.blockSize || (this.inodeSize & (this.inodeSize - 1))) {
      this.fail(`error: unsupported inode size: ${this.inodeSize}`);
    }
    this.inodesPerGroup = sb.readUInt32LE(S.inodes_per_group);
    this.blocksPerGroup = sb.readUInt32LE(S.blocks_per_group);
    this.firstDataBlock = sb.readUInt32LE(S.first_data_block);
    const incompat = sb.readUInt32LE(S.feature_incompat);
    const is64 = (incompat & INCOMPAT['64BIT']) !== 0;
    this.blocksCount = sb.readUInt32LE(S.blocks_count_lo) + (is64 ? sb.readUInt32LE(S.blocks_count_hi) * 2 ** 32 : 0);
    this.descSize = is64 ? sb.readUInt16LE(S.desc_size) : 32;
    if (this.descSize < 32 || this.descSize > this.blockSize || (this.descSize & (this.descSize - 1))) {
      this.fail(`error: unsupported descriptor size ${this.descSize}`);
    }
    if (this.blocksPerGroup === 0 || this.blocksPerGroup > this.blockSize * 8) this.fail(`error: #blocks per group too big: ${this.blocksPerGroup}`);
    if (this.inodesPerGroup === 0 || this.inodesPerGroup > this.blockSize * 8) this.fail(`error: #inodes per group too big: ${this.inodesPerGroup}`);
    const devBlocks = Number(bdev.size() / BigInt(this.blockSize));
    if (this.blocksCount > devBlocks) {
      this.fail(`error: bad geometry: block count ${this.blocksCount} exceeds size of device (${devBlocks} blocks)`);
    }
    if (this.firstDataBlock >= this.blocksCount) this.fail('error: bad geometry: first data block beyond the end');
    this.groupCount = Math.ceil((this.blocksCount - this.firstDataBlock) / this.blocksPerGroup);
    if (this.groupCount * this.inodesPerGroup !== sb.readUInt32LE(S.inodes_count)) {
      this.fail(`error: inodes count not valid: ${sb.readUInt32LE(S.inodes_count)} vs ${this.groupCount * this.inodesPerGroup}`);
    }
    this.featCompat = sb.readUInt32LE(S.feature_compat);
    this.featIncompat = incompat;
    this.featRoCompat = sb.readUInt32LE(S.feature_ro_compat);
    this.cache = new BufferCache(bdev, this.blockSize);
  }

  /** ext2_msg(KERN_ERR) and the mount fails with EINVAL, as Linux's fill_super does. */
  fail(msg: string, errno: number = E.EINVAL): never {
    printk(KERN.ERR, `${this.type.toUpperCase()}-fs (${this.bdev.name}): ${msg}`);
    throw new Errno(errno);
  }

  msg(level: number, msg: string): void { printk(level, `${this.type.toUpperCase()}-fs (${this.bdev.name}): ${msg}`); }

  /** The primary superblock's buffer, and the byte offset of the superblock in it. */
  superBuffer(): { bh: BufferHead; off: number } { return { bh: this.cache.bread(this.sbBlock), off: this.sbOff }; }

  get raw(): Buffer { const { bh, off } = this.superBuffer(); return bh.data.subarray(off, off + 1024); }

  // The feature words, kept here: directory parsing asks for filetype at every entry.
  private featCompat: number;
  private featIncompat: number;
  private featRoCompat: number;
  hasCompat(f: number): boolean { return (this.featCompat & f) !== 0; }
  hasIncompat(f: number): boolean { return (this.featIncompat & f) !== 0; }
  hasRoCompat(f: number): boolean { return (this.featRoCompat & f) !== 0; }

  /** Turns on a RO_COMPAT feature (large_file when a file first passes 2 GiB), updating an old revision 0 superblock. */
  setRoCompat(f: number): void {
    if (this.hasRoCompat(f)) return;
    const { bh, off } = this.superBuffer();
    if (bh.data.readUInt32LE(off + S.rev_level) === GOOD_OLD_REV) {
      // ext2_update_dynamic_rev: features need a revision 1 superblock.
      bh.data.writeUInt32LE(DYNAMIC_REV, off + S.rev_level);
      bh.data.writeUInt32LE(GOOD_OLD_FIRST_INO, off + S.first_ino);
      bh.data.writeUInt16LE(GOOD_OLD_INODE_SIZE, off + S.inode_size);
      this.msg(KERN.WARNING, 'warning: updating to rev 1 because of new feature flag, running e2fsck is recommended');
    }
    this.featRoCompat = (this.featRoCompat | f) >>> 0;
    bh.data.writeUInt32LE(this.featRoCompat, off + S.feature_ro_compat);
    this.cache.markDirty(bh);
  }

  /** Turns on the ext_attr COMPAT feature at the first extended attribute written. */
  setCompatExtAttr(): void {
    if (this.hasCompat(COMPAT.EXT_ATTR)) return;
    const { bh, off } = this.superBuffer();
    this.featCompat = (this.featCompat | COMPAT.EXT_ATTR) >>> 0;
    bh.data.writeUInt32LE(this.featCompat, off + S.feature_compat);
    this.cache.markDirty(bh);
  }

  /** Whether group g holds a superblock backup (sparse_super: 0, 1 and powers of 3, 5 and 7). */
  groupHasSuper(g: number): boolean {
    if (!this.hasRoCompat(RO_COMPAT.SPARSE_SUPER)) return true;
    return g <= 1 || isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
  }

  groupFirstBlock(g: number): number { return this.firstDataBlock + g * this.blocksPerGroup; }
  groupBlocks(g: number): number {
    return g === this.groupCount - 1 ? this.blocksCount - this.groupFirstBlock(g) : this.blocksPerGroup;
  }

  get descPerBlock(): number { return this.blockSize / this.descSize; }
  get descBlocks(): number { return Math.ceil(this.groupCount / this.descPerBlock); }

  /** descriptor_loc: where descriptor block i is (after the superblock, or spread with meta_bg). */
  private descLoc(i: number): number {
    const first = this.raw.readUInt32LE(S.first_meta_bg);
    if (!this.hasIncompat(INCOMPAT.META_BG) || i < first) return this.sbBlock + 1 + i;
    const g = i * this.descPerBlock;
    return this.groupFirstBlock(g) + (this.groupHasSuper(g) ? 1 : 0);
  }

  loadGroups(): void {
    const hi = this.descSize >= 64;
    for (let g = 0; g < this.groupCount; g++) {
      const descBlock = this.descLoc(Math.floor(g / this.descPerBlock));
      const descOff = (g % this.descPerBlock) * this.descSize;
      const d = this.cache.bread(descBlock).data;
      const u32 = (o: number, ho: number) => d.readUInt32LE(descOff + o) + (hi ? d.readUInt32LE(descOff + ho) * 2 ** 32 : 0);
      const u16 = (o: number, ho: number) => d.readUInt16LE(descOff + o) + (hi ? d.readUInt16LE(descOff + ho) * 65536 : 0);
      const gd: GroupDesc = {
        blockBitmap: u32(0, 32), inodeBitmap: u32(4, 36), inodeTable: u32(8, 40),
        freeBlocks: u16(12, 44), freeInodes: u16(14, 46), usedDirs: u16(16, 48), flags: d.readUInt16LE(descOff + 18),
        descBlock, descOff,
      };
      // ext2_check_descriptors: the bitmaps and the table must be inside the filesystem
      // (inside the group without flex_bg).
      const itBlocks = Math.ceil(this.inodesPerGroup * this.inodeSize / this.blockSize);
      const [lo, hiB] = this.hasIncompat(INCOMPAT.FLEX_BG) ? [this.firstDataBlock, this.blocksCount]
        : [this.groupFirstBlock(g), this.groupFirstBlock(g) + this.groupBlocks(g)];
      const inside = (b: number, n = 1) => b >= lo && b + n <= hiB;
      if (!inside(gd.blockBitmap)) this.fail(`ext2_check_descriptors: Block bitmap for group ${g} not in group (block ${gd.blockBitmap})!`);
      if (!inside(gd.inodeBitmap)) this.fail(`ext2_check_descriptors: Inode bitmap for group ${g} not in group (block ${gd.inodeBitmap})!`);
      if (!inside(gd.inodeTable, itBlocks)) this.fail(`ext2_check_descriptors: Inode table for group ${g} not in group (block ${gd.inodeTable})!`);
      this.groups.push(gd);
    }
  }

  /** Writes group g's descriptor back into its buffer (ext2 keeps only the primary copy current, as Linux does). */
  saveGroup(g: number): void {
    const gd = this.groups[g];
    const bh = this.cache.bread(gd.descBlock);
    const d = bh.data, o = gd.descOff;
    d.writeUInt16LE(gd.freeBlocks & 0xffff, o + 12);
    d.writeUInt16LE(gd.freeInodes & 0xffff, o + 14);
    d.writeUInt16LE(gd.usedDirs & 0xffff, o + 16);
    if (this.descSize >= 64) {
      d.writeUInt16LE(gd.freeBlocks >>> 16, o + 44);
      d.writeUInt16LE(gd.freeInodes >>> 16, o + 46);
      d.writeUInt16LE(gd.usedDirs >>> 16, o + 48);
    }
    this.cache.markDirty(bh);
  }

  freeBlocksCount(): number { return this.groups.reduce((n, g) => n + g.freeBlocks, 0); }
  freeInodesCount(): number { return this.groups.reduce((n, g) => n + g.freeInodes, 0); }
  reservedBlocks(): number {
    const r = this.raw;
    return r.readUInt32LE(S.r_blocks_count_lo) + (this.descSize >= 64 ? r.readUInt32LE(S.r_blocks_count_hi) * 2 ** 32 : 0);
  }

  /** The inode numbered ino, one object per inode while the filesystem is mounted (iget). */
  iget(ino: number): Ext2Inode {
    let inode = this.inodes.get(ino);
    if (inode) return inode;
    if (ino < 1 || ino > this.groupCount * this.inodesPerGroup) throw new Errno(E.EIO);
    inode = Ext2Inode.read(this, ino);
    this.inodes.set(ino, inode);
    return inode;
  }

  /** Where inode ino lives: the block of the inode table and the byte offset in it. */
  inodeLocation(ino: number): { block: number; off: number } {
    const g = Math.floor((ino - 1) / this.inodesPerGroup);
    const byte = ((ino - 1) % this.inodesPerGroup) * this.inodeSize;
    return { block: this.groups[g].inodeTable + Math.floor(byte / this.blockSize), off: byte % this.blockSize };
  }

  checkWritable(): void { if (this.readOnly) throw new Errno(E.EROFS); }

  options(): string {
    return this.readOnly ? 'ro,relatime' : 'rw,relatime';
  }

  /** The metadata blocks statfs leaves out of f_blocks (ext2_statfs's overhead). */
  private overhead(): number {
    let n = this.firstDataBlock;
    const itBlocks = Math.ceil(this.inodesPerGroup * this.inodeSize / this.blockSize);
    const reservedGdt = this.hasCompat(COMPAT.RESIZE_INODE) ? this.raw.readUInt16LE(206) : 0;
    for (let g = 0; g < this.groupCount; g++) {
      if (this.groupHasSuper(g)) n += 1 + (this.hasIncompat(INCOMPAT.META_BG) ? 0 : this.descBlocks + reservedGdt);
      n += 2 + itBlocks;
    }
    return n;
  }

  statfs(): Buffer {
    const b = Buffer.alloc(120);
    const free = this.freeBlocksCount();
    const reserved = this.reservedBlocks();
    b.writeBigInt64LE(BigInt(EXT2_SUPER_MAGIC), 0);
    b.writeBigInt64LE(BigInt(this.blockSize), 8);
    b.writeBigUInt64LE(BigInt(this.blocksCount - this.overhead()), 16);
    b.writeBigUInt64LE(BigInt(free), 24);
    b.writeBigUInt64LE(BigInt(Math.max(0, free - reserved)), 32);
    b.writeBigUInt64LE(BigInt(this.groupCount * this.inodesPerGroup), 40);
    b.writeBigUInt64LE(BigInt(this.freeInodesCount()), 48);
    const uuid = this.raw.subarray(S.uuid, S.uuid + 16);
    const fsid = uuid.readBigUInt64LE(0) ^ uuid.readBigUInt64LE(8);
    b.writeUInt32LE(Number(fsid & 0xffffffffn), 56);
    b.writeUInt32LE(Number(fsid >> 32n), 60);
    b.writeBigInt64LE(255n, 64);
    b.writeBigInt64LE(BigInt(this.blockSize), 72);
    b.writeBigInt64LE(this.readOnly ? 0x21n : 0x20n, 80);    // ST_VALID | ST_RDONLY
    return b;
  }

  /** ext2_sync_super: the free counts and the write time into the superblock. */
  private commitSuper(): void {
    const { bh, off } = this.superBuffer();
    const d = bh.data;
    const free = this.freeBlocksCount();
    d.writeUInt32LE(free % 2 ** 32, off + S.free_blocks_count_lo);
    if (this.descSize >= 64) d.writeUInt32LE(Math.floor(free / 2 ** 32), off + S.free_blocks_count_hi);
    d.writeUInt32LE(this.freeInodesCount(), off + S.free_inodes_count);
    d.writeUInt32LE(now32(), off + S.wtime);
    this.cache.markDirty(bh);
  }

  sync(): void {
    if (this.readOnly) return;
    if (this.cache.dirtyCount === 0) return;
    this.commitSuper();
    this.cache.sync();
    // Everything is written: no inode has a dirty block of its own left.
    for (const inode of this.inodes.values()) inode.dirtyBlocks.clear();
  }

  /** Mount-time setup of a writable filesystem (ext2_setup_super): counts, state, write time. */
  setupWritable(): void {
    const { bh, off } = this.superBuffer();
    const d = bh.data;
    this.mountState = d.readUInt16LE(off + S.state);
    if (!(this.mountState & VALID_FS)) this.msg(KERN.WARNING, 'warning: mounting unchecked fs, running e2fsck is recommended');
    else if (this.mountState & 2) this.msg(KERN.WARNING, 'warning: mounting fs with errors, running e2fsck is recommended');
    if (d.readInt16LE(off + S.max_mnt_count) === 0) d.writeInt16LE(DFL_MAX_MNT_COUNT, off + S.max_mnt_count);
    d.writeUInt16LE((d.readUInt16LE(off + S.mnt_count) + 1) & 0xffff, off + S.mnt_count);
    d.writeUInt32LE(now32(), off + S.mtime);
    // Not clean while mounted: a crash leaves the state e2fsck checks for.
    d.writeUInt16LE(this.mountState & ~VALID_FS, off + S.state);
    this.cache.markDirty(bh);
    this.commitSuper();
    this.cache.sync();
    this.timer = setInterval(() => { try { this.sync(); } catch (e) { this.msg(KERN.ERR, `error: writeback: ${(e as Error).message}`); } }, WRITEBACK_MS);
    this.timer.unref();
  }

  /** ext2_put_super's and a read-only remount's write-back: everything out, the state found at mount back (clean). */
  private writeCleanState(): void {
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    for (const inode of [...this.inodes.values()]) inode.evictIfUnused();
    const { bh, off } = this.superBuffer();
    bh.data.writeUInt16LE(this.mountState, off + S.state);
    this.cache.markDirty(bh);
    this.commitSuper();
    this.cache.sync();
  }

  /**
   * ext2_remount: the options checked; going read-only writes everything and
   * marks the filesystem clean (what `umount -a -r` at a halt relies on for
   * the root); going read-write checks the features as a mount does.
   */
  remount(data: string, readOnly: boolean): void {
    checkOptions(this.type, this.bdev.name, data);
    if (readOnly === this.readOnly) return;
    if (readOnly) {
      this.writeCleanState();
      this.readOnly = true;
      return;
    }
    if (this.bdev.readOnly) { this.msg(KERN.ERR, 'write-protected device, mount it read-only'); throw new Errno(E.EACCES); }
    const raw = this.raw;
    const wIncompat = (raw.readUInt32LE(S.feature_incompat) & ~EXT2_INCOMPAT_SUPP) >>> 0;
    const wRo = (raw.readUInt32LE(S.feature_ro_compat) & ~EXT2_RO_COMPAT_SUPP) >>> 0;
    if (wIncompat || wRo) {
      this.msg(KERN.WARNING, `warning: couldn't remount RDWR because of unsupported optional features (${(wIncompat || wRo).toString(16)}).`);
      throw new Errno(E.EROFS);
    }
    this.readOnly = false;
    this.setupWritable();
  }

  kill(): void {
    if (!this.readOnly) this.writeCleanState();
    this.cache.invalidate();
    this.inodes.clear();
  }
}

export function now32(): number { return Math.floor(Date.now() / 1000) >>> 0; }

/** The feature checks of ext2_fill_super, and of ext4's for the read-only ext3/ext4 types. */
function checkFeatures(sb: Ext2Super, raw: Buffer, ext4: boolean): void {
  const incompat = raw.readUInt32LE(S.feature_incompat);
  const roCompat = raw.readUInt32LE(S.feature_ro_compat);
  const incompatOk = ext4 ? EXT4_INCOMPAT_READ : EXT2_INCOMPAT_SUPP;
  if (incompat & INCOMPAT.RECOVER) {
    sb.fail(`error: couldn't mount because the journal needs recovery (feature needs_recovery); run e2fsck`);
  }
  const bad = (incompat & ~incompatOk) >>> 0;
  if (bad) {
    sb.fail(`error: couldn't mount because of unsupported optional features (${bad.toString(16)}): ${featureNames(INCOMPAT, bad)}`);
  }
  const roBad = (roCompat & ~(ext4 ? EXT4_RO_COMPAT_READ : EXT2_RO_COMPAT_SUPP)) >>> 0;
  if (roBad && ext4) sb.fail(`error: couldn't mount because of unsupported optional features (${roBad.toString(16)}): ${featureNames(RO_COMPAT, roBad)}`);
  if (sb.readOnly) return;
  // Writing: only what ext2 itself writes (an ext3 without a journal to replay is writable, as in Linux's ext2).
  const wIncompat = (incompat & ~EXT2_INCOMPAT_SUPP) >>> 0, wRo = (roCompat & ~EXT2_RO_COMPAT_SUPP) >>> 0;
  if (wIncompat) sb.fail(`error: couldn't mount RDWR because of unsupported optional features (${wIncompat.toString(16)}): ${featureNames(INCOMPAT, wIncompat)}`);
  if (wRo) sb.fail(`error: couldn't mount RDWR because of unsupported optional features (${wRo.toString(16)}): ${featureNames(RO_COMPAT, wRo)}`);
}

/** The mount options ext2 knows; others are refused as Linux refuses them. */
const KNOWN_OPTIONS = /^(ro|rw|defaults|user_xattr|nouser_xattr|acl|noacl|errors=(continue|remount-ro|panic)|grpid|bsdgroups|nogrpid|sysvgroups|nouid32|debug|oldalloc|orlov|check=none|nocheck|minixdf|bsddf|noatime|relatime|strictatime|nodiratime|noload|norecovery|barrier|nobarrier|data=(ordered|writeback|journal))$/;

function checkOptions(type: string, dev: string, data: string): void {
  for (const opt of data.split(',').filter(Boolean)) {
    if (!KNOWN_OPTIONS.test(opt)) {
      printk(KERN.ERR, `${type.toUpperCase()}-fs (${dev}): Unrecognized mount option "${opt}" or missing value`);
      throw new Errno(E.EINVAL);
    }
  }
}

export function mountExt2(type: string, req: MountRequest): Ext2Super {
  const bdev = req.bdev;
  if (!bdev) throw new Errno(E.ENOTBLK);
  const tag = `${type.toUpperCase()}-fs (${bdev.name})`;
  checkOptions(type, bdev.name, req.data);
  let flags = req.flags;
  if (/(^|,)ro(,|$)/.test(req.data)) flags |= MS_RDONLY;
  if (bdev.readOnly && !(flags & MS_RDONLY)) {
    printk(KERN.ERR, `${tag}: write-protected device, mount it read-only`);
    throw new Errno(E.EACCES);
  }
  const raw = bdev.read(BigInt(SUPERBLOCK_OFFSET), 1024);
  if (raw.length < 1024) { printk(KERN.ERR, `${tag}: error: unable to read superblock`); throw new Errno(E.EINVAL); }
  if (raw.readUInt16LE(S.magic) !== EXT2_SUPER_MAGIC) {
    printk(KERN.ERR, `${tag}: error: can't find an ${type} filesystem on dev ${bdev.name}.`);
    throw new Errno(E.EINVAL);
  }
  if (raw.readUInt32LE(S.rev_level) > DYNAMIC_REV) {
    printk(KERN.ERR, `${tag}: error: revision level too high, forcing read-only mode`);
    throw new Errno(E.EINVAL);
  }
  const sb = new Ext2Super(type, bdev, req.source, flags, raw);
  checkFeatures(sb, raw, type !== 'ext2');
  sb.loadGroups();
  const root = sb.iget(ROOT_INO);
  if (!root.isDir() || root.size === 0 || root.links === 0) sb.fail('error: corrupt root inode, run e2fsck');
  sb.root = root;
  if (!sb.readOnly) sb.setupWritable();
  return sb;
}

for (const name of ['ext2', 'ext3', 'ext4']) {
  registerFilesystem({ name, requiresDev: true, mount: (req) => mountExt2(name, req) });
}
