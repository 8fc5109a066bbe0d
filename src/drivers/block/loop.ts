// Loop devices (drivers/block/loop.c): a file of the kernel, on any
// filesystem (hostfs, tmpfs, ext2, another block device), seen as a block
// device /dev/loopN (major 7), set up with the LOOP_* ioctls that losetup
// and mount -o loop use, and found or made through /dev/loop-control
// (10:237). I/O goes through the backing File's own read and write.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { File, S_IFBLK, S_IFCHR, S_IFMT, S_IFREG, anonStat, type Stat } from '../../fs/file.js';
import { addBdev, getBdev, removeBdev, type BlockDevice, writeZeroesByHand } from '../../block/blkdev.js';
import { bdevState, resetBdevState } from '../../block/bdev.js';
import { BlockDeviceFile } from '../../block/fops.js';
import { dPath } from '../../fs/d_path.js';
import { addDeviceNode, mkdev, registerBlkdev, removeDeviceNode } from '../registry.js';
import { registerMisc } from '../char/misc.js';

export const LOOP_MAJOR = 7;
const LOOP_CTRL_MINOR = 237;

/** include/uapi/linux/loop.h */
export const LOOP = {
  SET_FD: 0x4c00, CLR_FD: 0x4c01, SET_STATUS: 0x4c02, GET_STATUS: 0x4c03, SET_STATUS64: 0x4c04,
  GET_STATUS64: 0x4c05, CHANGE_FD: 0x4c06, SET_CAPACITY: 0x4c07, SET_DIRECT_IO: 0x4c08,
  SET_BLOCK_SIZE: 0x4c09, CONFIGURE: 0x4c0a, CTL_ADD: 0x4c80, CTL_REMOVE: 0x4c81, CTL_GET_FREE: 0x4c82,
} as const;
export const LO_FLAGS = { READ_ONLY: 1, AUTOCLEAR: 4, PARTSCAN: 8, DIRECT_IO: 16 } as const;
const SET_STATUS_SETTABLE = LO_FLAGS.AUTOCLEAR | LO_FLAGS.PARTSCAN;
const SET_STATUS_CLEARABLE = LO_FLAGS.AUTOCLEAR;
const CONFIGURE_SETTABLE = LO_FLAGS.READ_ONLY | LO_FLAGS.AUTOCLEAR | LO_FLAGS.PARTSCAN | LO_FLAGS.DIRECT_IO;
const LO_NAME_SIZE = 64, INFO64_SIZE = 232, OLD_INFO_SIZE = 168, CONFIG_SIZE = 304;
const FALLOC_KEEP_SIZE = 1, FALLOC_PUNCH_HOLE = 2, FALLOC_ZERO_RANGE = 0x10;

/** struct loop_info64, decoded. */
interface LoopInfo {
  offset: bigint; sizelimit: bigint; flags: number; encryptType: number; encryptKeySize: number;
  fileName: Buffer; cryptName: Buffer;
}

function decodeInfo64(b: Buffer): LoopInfo {
  return {
    offset: b.readBigUInt64LE(24), sizelimit: b.readBigUInt64LE(32), encryptType: b.readUInt32LE(44),
    encryptKeySize: b.readUInt32LE(48), flags: b.readUInt32LE(52),
    fileName: b.subarray(56, 56 + LO_NAME_SIZE), cryptName: b.subarray(120, 120 + LO_NAME_SIZE),
  };
}

/** struct loop_info (the old one: 32-bit offset, no sizelimit; x86-64 layout). */
function decodeOldInfo(b: Buffer): LoopInfo {
  return {
    offset: BigInt(b.readInt32LE(32)), sizelimit: 0n, encryptType: b.readInt32LE(36),
    encryptKeySize: b.readInt32LE(40), flags: b.readInt32LE(44),
    fileName: b.subarray(48, 48 + LO_NAME_SIZE), cryptName: Buffer.alloc(LO_NAME_SIZE),
  };
}

export class LoopDevice implements BlockDevice {
  readonly name: string;
  readonly rdev: bigint;
  /** The backing file (lo_backing_file) and the task that bound it, whose file it is. */
  private file: File | null = null;
  private owner: Task | null = null;
  private offset = 0n;
  private sizelimit = 0n;
  private bytes = 0n;
  flags = 0;
  private fileName = Buffer.alloc(LO_NAME_SIZE);
  private cryptName = Buffer.alloc(LO_NAME_SIZE);
  private blockSize = 512;
  private backingStat: Stat | null = null;

  constructor(readonly number: number) {
    this.name = `loop${number}`;
    this.rdev = mkdev(LOOP_MAJOR, number);
  }

  get bound(): boolean { return this.file !== null; }
  get backing(): File | null { return this.file; }
  get readOnly(): boolean { return (this.flags & LO_FLAGS.READ_ONLY) !== 0; }
  get sectorSize(): number { return this.blockSize; }
  size(): bigint { return this.bytes; }
  /** /sys/block/loopN/loop/* (loop_attr_*_show): the directory is there only while bound. */
  sysfsAttrs(): Record<string, string | Record<string, string>> {
    if (!this.file) return {};
    const flag = (f: number) => ((this.flags & f) ? '1\n' : '0\n');
    return {
      loop: {
        backing_file: `${this.backingFile()}\n`, offset: `${this.offset}\n`, sizelimit: `${this.sizelimit}\n`,
        autoclear: flag(LO_FLAGS.AUTOCLEAR), partscan: flag(LO_FLAGS.PARTSCAN), dio: flag(LO_FLAGS.DIRECT_IO),
      },
    };
  }

  /** The backing file's path as sysfs's backing_file shows it (file_path: from the root, across mounts). */
  backingFile(): string | null {
    if (!this.file) return null;
    return this.file.location ? dPath(this.file.location, null) : this.file.describe();
  }

  read(offset: bigint, length: number): Buffer {
    const len = Math.max(0, Math.min(length, Number(this.bytes - offset)));
    const out = Buffer.alloc(len);
    if (!this.file || len === 0) return out;
    let done = 0;
    while (done < len) {
      const r = this.file.read(this.owner!, len - done, this.offset + offset + BigInt(done));
      if (r instanceof Promise) throw new Errno(E.EIO);
      if (r.length === 0) break;   // past the end of a file that shrank: zeros
      r.copy(out, done);
      done += r.length;
    }
    return out;
  }

  write(offset: bigint, data: Buffer): void {
    if (!this.file) throw new Errno(E.ENXIO);
    if (this.readOnly) throw new Errno(E.EROFS);
    if (offset + BigInt(data.length) > this.bytes) throw new Errno(E.ENOSPC);
    let done = 0;
    while (done < data.length) {
      const n = this.file.write(this.owner!, data.subarray(done), this.offset + offset + BigInt(done));
      if (n instanceof Promise) throw new Errno(E.EIO);
      if (n <= 0) throw new Errno(E.EIO);
      done += n;
    }
  }

  flush(): void {
    if (!this.file) return;
    try { this.file.fsync(); } catch (e) { if (!(e instanceof Errno) || e.errno !== E.EINVAL) throw e; }
  }

  /** lo_fallocate: discard punches a hole in the backing file (EOPNOTSUPP where it cannot). */
  discard(offset: bigint, length: bigint): void { this.fallocate(FALLOC_PUNCH_HOLE | FALLOC_KEEP_SIZE, offset, length); }

  writeZeroes(offset: bigint, length: bigint): void {
    try { this.fallocate(FALLOC_ZERO_RANGE | FALLOC_KEEP_SIZE, offset, length); } catch (e) {
      if (!(e instanceof Errno) || (e.errno !== E.EOPNOTSUPP && e.errno !== E.ENODEV)) throw e;
      writeZeroesByHand(this, offset, length);
    }
  }

  private fallocate(mode: number, offset: bigint, length: bigint): void {
    if (!this.file) throw new Errno(E.ENXIO);
    if (this.readOnly) throw new Errno(E.EROFS);
    try { this.file.fallocate(mode, this.offset + offset, length); } catch (e) {
      if (e instanceof Errno && e.errno === E.ENODEV) throw new Errno(E.EOPNOTSUPP);
      throw e;
    }
  }

  /** get_size() + loop_set_size(): what is left of the file after the offset, capped by sizelimit, in whole sectors. */
  private updateSize(): void {
    const f = this.file!;
    const fileSize = f instanceof BlockDeviceFile ? f.bdev.size() : f.stat().size;
    let size = fileSize - this.offset;
    if (size < 0n) size = 0n;
    if (this.sizelimit > 0n && this.sizelimit < size) size = this.sizelimit;
    this.bytes = (size >> 9n) << 9n;
  }

  private setStatusFromInfo(info: LoopInfo): void {
    if (info.encryptType !== 0 || info.encryptKeySize !== 0) throw new Errno(E.EINVAL);
    if (info.offset > 0x7fffffffffffffffn || info.sizelimit > 0x7fffffffffffffffn) throw new Errno(E.EOVERFLOW);
    this.offset = info.offset;
    this.sizelimit = info.sizelimit;
    info.fileName.copy(this.fileName);
    this.fileName[LO_NAME_SIZE - 1] = 0;
    info.cryptName.copy(this.cryptName);
    this.cryptName[LO_NAME_SIZE - 1] = 0;
  }

  /** loop_configure(): LOOP_SET_FD and LOOP_CONFIGURE. */
  private configure(task: Task, via: File, fd: number, blockSize: number, info: LoopInfo | null): number {
    const file = task.files.get(fd);
    if (this.bound) throw new Errno(E.EBUSY);
    // Exclusive for the setup, unless opened O_EXCL already (bd_prepare_to_claim).
    const s = bdevState(this);
    if (s.holder !== null && s.holder !== via) throw new Errno(E.EBUSY);
    const st = file instanceof BlockDeviceFile ? null : file.stat();
    const type = file instanceof BlockDeviceFile ? S_IFBLK : st!.mode & S_IFMT;
    if (type !== S_IFREG && type !== S_IFBLK) throw new Errno(E.EINVAL);
    if (file instanceof BlockDeviceFile && (file.bdev === this || backedBy(file.bdev, this))) throw new Errno(E.EINVAL);
    if (blockSize && (blockSize < 512 || blockSize > 4096 || (blockSize & (blockSize - 1)))) throw new Errno(E.EINVAL);
    let flags = 0;
    if (info) {
      if (info.flags & ~CONFIGURE_SETTABLE) throw new Errno(E.EINVAL);
      this.setStatusFromInfo(info);
      flags = info.flags;
    } else {
      this.offset = 0n; this.sizelimit = 0n; this.fileName.fill(0); this.cryptName.fill(0);
    }
    if (!file.writable || !via.writable) flags |= LO_FLAGS.READ_ONLY;
    this.file = file.get();
    this.owner = task;
    this.flags = flags;
    this.blockSize = blockSize || (file instanceof BlockDeviceFile ? file.bdev.sectorSize : 512);
    this.backingStat = file instanceof BlockDeviceFile ? (file.location ? file.stat() : null) : st;
    this.updateSize();
    resetBdevState(this);
    s.onLastClose = () => { if (this.flags & LO_FLAGS.AUTOCLEAR) this.clear(); };
    return 0;
  }

  /** __loop_clr_fd. */
  clear(): void {
    const f = this.file;
    this.file = null;
    this.owner = null;
    this.bytes = 0n;
    this.offset = 0n;
    this.sizelimit = 0n;
    this.flags = 0;
    this.blockSize = 512;
    this.fileName.fill(0);
    this.cryptName.fill(0);
    this.backingStat = null;
    resetBdevState(this);
    f?.put();
  }

  private getStatus64(): Buffer {
    if (!this.bound) throw new Errno(E.ENXIO);
    const b = Buffer.alloc(INFO64_SIZE);
    const st = this.backingStat;
    b.writeBigUInt64LE(st?.dev ?? 0n, 0);
    b.writeBigUInt64LE(st?.ino ?? 0n, 8);
    b.writeBigUInt64LE(st?.rdev ?? 0n, 16);
    b.writeBigUInt64LE(this.offset, 24);
    b.writeBigUInt64LE(this.sizelimit, 32);
    b.writeUInt32LE(this.number, 40);
    b.writeUInt32LE(this.flags, 52);
    this.fileName.copy(b, 56);
    this.cryptName.copy(b, 120);
    return b;
  }

  /** loop_info64_to_old: EOVERFLOW where the old struct cannot hold the values. */
  private getStatusOld(): Buffer {
    const i = this.getStatus64();
    const offset = i.readBigUInt64LE(24);
    if (offset > 0x7fffffffn) throw new Errno(E.EOVERFLOW);
    const b = Buffer.alloc(OLD_INFO_SIZE);
    b.writeInt32LE(this.number, 0);
    b.writeBigUInt64LE(i.readBigUInt64LE(0), 8);
    b.writeBigUInt64LE(i.readBigUInt64LE(8), 16);
    b.writeBigUInt64LE(i.readBigUInt64LE(16), 24);
    b.writeInt32LE(Number(offset), 32);
    b.writeInt32LE(this.flags, 44);
    this.fileName.copy(b, 48);
    return b;
  }

  /** loop_set_status(). */
  private setStatus(info: LoopInfo): number {
    if (!this.bound) throw new Errno(E.ENXIO);
    if (info.encryptType !== 0 || info.encryptKeySize !== 0) throw new Errno(E.EINVAL);
    this.setStatusFromInfo(info);
    this.flags = (this.flags & ~SET_STATUS_CLEARABLE) | (info.flags & SET_STATUS_SETTABLE);
    this.updateSize();
    return 0;
  }

  /** lo_ioctl. */
  ioctl(task: Task, cmd: number, arg: bigint, via: File): number | undefined {
    const mem = task.mem;
    switch (cmd) {
      case LOOP.SET_FD: return this.configure(task, via, Number(arg & 0xffffffffn) | 0, 0, null);
      case LOOP.CONFIGURE: {
        const c = mem.read(arg, CONFIG_SIZE);
        return this.configure(task, via, c.readInt32LE(0), c.readUInt32LE(4), decodeInfo64(c.subarray(8, 8 + INFO64_SIZE)));
      }
      case LOOP.CLR_FD: {
        if (!this.bound) throw new Errno(E.ENXIO);
        // Still open elsewhere (a mount, another file): cleared by the last close, as Linux does.
        if (bdevState(this).openers > 1) { this.flags |= LO_FLAGS.AUTOCLEAR; return 0; }
        this.clear();
        return 0;
      }
      case LOOP.SET_STATUS64: return this.setStatus(decodeInfo64(mem.read(arg, INFO64_SIZE)));
      case LOOP.GET_STATUS64: mem.write(arg, this.getStatus64()); return 0;
      case LOOP.SET_STATUS: return this.setStatus(decodeOldInfo(mem.read(arg, OLD_INFO_SIZE)));
      case LOOP.GET_STATUS: mem.write(arg, this.getStatusOld()); return 0;
      case LOOP.SET_CAPACITY:
        if (!this.bound) throw new Errno(E.ENXIO);
        this.updateSize();
        return 0;
      case LOOP.SET_BLOCK_SIZE: {
        if (!this.bound) throw new Errno(E.ENXIO);
        const bs = Number(arg);
        if (bs < 512 || bs > 4096 || (bs & (bs - 1))) throw new Errno(E.EINVAL);
        this.blockSize = bs;
        resetBdevState(this);
        return 0;
      }
      case LOOP.SET_DIRECT_IO:
        if (!this.bound) throw new Errno(E.ENXIO);
        // The host's page cache is under every backing file anyway: the flag is recorded.
        this.flags = arg ? this.flags | LO_FLAGS.DIRECT_IO : this.flags & ~LO_FLAGS.DIRECT_IO;
        return 0;
      case LOOP.CHANGE_FD: {
        // loop_change_fd: only for a read-only device, a file of the same size.
        if (!this.bound) throw new Errno(E.ENXIO);
        if (!this.readOnly) throw new Errno(E.EINVAL);
        const file = task.files.get(Number(arg));
        if (file instanceof BlockDeviceFile) throw new Errno(E.EINVAL);
        const st = file.stat();
        if ((st.mode & S_IFMT) !== S_IFREG || st.size !== this.file!.stat().size) throw new Errno(E.EINVAL);
        const old = this.file!;
        this.file = file.get();
        this.owner = task;
        this.backingStat = st;
        old.put();
        return 0;
      }
    }
    // Anything else: EINVAL, as lo_ioctl's blkdev fallthrough for loop says.
    throw new Errno(E.EINVAL);
  }
}

/** Whether dev is (transitively) backed by loop: a loop over itself through another loop. */
function backedBy(dev: BlockDevice, loop: LoopDevice): boolean {
  let d: BlockDevice = dev;
  for (let i = 0; d instanceof LoopDevice && i < 256; i++) {
    const f: File | null = d.backing;
    if (!(f instanceof BlockDeviceFile)) return false;
    if (f.bdev === loop) return true;
    d = f.bdev;
  }
  return false;
}

const loops = new Map<number, LoopDevice>();

/** loop_add(). */
function loopAdd(n: number): LoopDevice {
  if (loops.has(n)) throw new Errno(E.EEXIST);
  if (n < 0 || n >= 1 << 20) throw new Errno(E.EINVAL);
  const lo = new LoopDevice(n);
  loops.set(n, lo);
  addBdev(lo);
  addDeviceNode({ name: lo.name, type: S_IFBLK, rdev: lo.rdev, mode: 0o660 });
  return lo;
}

/** loop_control_remove(). */
function loopRemove(n: number): number {
  if (n < 0) throw new Errno(E.EINVAL);
  const lo = loops.get(n);
  if (!lo) throw new Errno(E.ENODEV);
  if (lo.bound || bdevState(lo).openers > 0) throw new Errno(E.EBUSY);
  loops.delete(n);
  removeDeviceNode(lo.name);
  removeBdev(lo.rdev);
  return 0;
}

/** The loop devices there are, for /sys/block/loopN and losetup. */
export function loopDevices(): LoopDevice[] { return [...loops.values()].sort((a, b) => a.number - b.number); }

/** /dev/loop-control. */
class LoopControlFile extends File {
  constructor(flags: number) { super(flags); }
  describe(): string { return this.location?.path ?? '/dev/loop-control'; }
  override stat(): Stat {
    if (this.location) return this.location.inode.getattr();
    const st = anonStat(S_IFCHR | 0o660, 5n);
    st.rdev = mkdev(10, LOOP_CTRL_MINOR);
    return st;
  }
  override ioctl(_task: Task, cmd: number, arg: bigint): number {
    const n = Number(BigInt.asIntN(32, arg));
    switch (cmd) {
      case LOOP.CTL_ADD: return loopAdd(n).number;
      case LOOP.CTL_REMOVE: return loopRemove(n);
      case LOOP.CTL_GET_FREE: {
        for (const lo of loopDevices()) if (!lo.bound) return lo.number;
        let i = 0;
        while (loops.has(i)) i++;
        return loopAdd(i).number;
      }
    }
    throw new Errno(E.ENOSYS);
  }
}

// max_loop: loop0..loop7 exist from the start (CONFIG_BLK_DEV_LOOP_MIN_COUNT).
for (let i = 0; i < 8; i++) loopAdd(i);
addDeviceNode({ name: 'loop-control', type: S_IFCHR, rdev: mkdev(10, LOOP_CTRL_MINOR), mode: 0o660 });

registerMisc(LOOP_CTRL_MINOR, (_task, _minor, flags) => new LoopControlFile(flags));
// Opening a loop minor that does not exist yet makes it (loop_probe).
registerBlkdev(LOOP_MAJOR, (_task, minor, flags) => {
  if (!loops.has(minor)) loopAdd(minor);
  return new BlockDeviceFile(getBdev(mkdev(LOOP_MAJOR, minor)), flags);
});

