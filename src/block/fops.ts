// The block device file (block/fops.c and block/ioctl.c): what open(2) of a
// block device node gives. Reads and writes go to the driver at byte
// offsets (the driver handles partial sectors); lseek is bounded by the
// device's size; the ioctls are the generic ones of blkdev_ioctl, then the
// driver's own.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { CAP } from '../kernel/cred.js';
import { anonStat, File, O, S_IFBLK, type Stat } from '../fs/file.js';
import type { BlockDevice } from './blkdev.js';
import { bdevReadOnly, bdevState, closeBdev, openBdev, setBlockSize } from './bdev.js';

/** include/uapi/linux/fs.h and hdreg.h. */
export const BLK = {
  ROSET: 0x125d, ROGET: 0x125e, RRPART: 0x125f, GETSIZE: 0x1260, FLSBUF: 0x1261, RASET: 0x1262,
  RAGET: 0x1263, FRASET: 0x1264, FRAGET: 0x1265, SECTGET: 0x1267, SSZGET: 0x1268,
  BSZGET: 0x80081270, BSZSET: 0x40081271, GETSIZE64: 0x80081272, DISCARD: 0x1277, IOMIN: 0x1278,
  IOOPT: 0x1279, ALIGNOFF: 0x127a, PBSZGET: 0x127b, DISCARDZEROES: 0x127c, SECDISCARD: 0x127d,
  ROTATIONAL: 0x127e, ZEROOUT: 0x127f, GETDISKSEQ: 0x80081280, GETZONESZ: 0x80041284,
  GETNRZONES: 0x80041285, HDIO_GETGEO: 0x0301,
} as const;

/** FALLOC_FL_* understood by blkdev_fallocate. */
const FALLOC_KEEP_SIZE = 1, FALLOC_PUNCH_HOLE = 2, FALLOC_NO_HIDE_STALE = 4, FALLOC_ZERO_RANGE = 0x10;

let diskseq = 1n;
const seqs = new WeakMap<BlockDevice, bigint>();

export class BlockDeviceFile extends File {
  constructor(readonly bdev: BlockDevice, flags: number) {
    super(flags);
    // O_EXCL without O_CREAT on a block device: an exclusive open (EBUSY if mounted).
    openBdev(bdev, flags & O.EXCL ? this : null);
  }

  describe(): string { return this.location?.path ?? `/dev/${this.bdev.name}`; }

  protected override release(): void { closeBdev(this.bdev, this.flags & O.EXCL ? this : null); }

  override stat(): Stat {
    // The node's attributes (st_size of a device node is 0, as on Linux).
    if (this.location) return this.location.inode.getattr();
    const st = anonStat(S_IFBLK | 0o660, 5n);
    st.rdev = this.bdev.rdev;
    return st;
  }

  override read(_task: Task, len: number, pos: bigint | null): Buffer {
    const at = pos ?? this.pos;
    const size = this.bdev.size();
    if (at >= size || len === 0) return Buffer.alloc(0);
    const n = Number(size - at < BigInt(len) ? size - at : BigInt(len));
    const data = this.bdev.read(at, Math.min(n, 1 << 20));
    if (pos === null) this.pos = at + BigInt(data.length);
    return data;
  }

  override write(_task: Task, data: Buffer, pos: bigint | null): number {
    if (bdevReadOnly(this.bdev)) throw new Errno(E.EPERM);
    const at = pos ?? this.pos;
    const size = this.bdev.size();
    if (at >= size) throw new Errno(E.ENOSPC);
    if (size - at < BigInt(data.length)) data = data.subarray(0, Number(size - at));
    this.bdev.write(at, data);
    if (this.flags & O.DSYNC) this.bdev.flush();
    if (pos === null) this.pos = at + BigInt(data.length);
    return data.length;
  }

  /** fixed_size_llseek: SEEK_END is the device's size; nothing past it. */
  override llseek(off: bigint, whence: number): bigint {
    const size = this.bdev.size();
    let to: bigint;
    switch (whence) {
      case 0: to = off; break;
      case 1: to = this.pos + off; break;
      case 2: to = size + off; break;
      case 3: if (off >= size) throw new Errno(E.ENXIO); to = off; break;   // SEEK_DATA
      case 4: if (off >= size) throw new Errno(E.ENXIO); to = size; break;  // SEEK_HOLE
      default: throw new Errno(E.EINVAL);
    }
    if (to < 0n || to > size) throw new Errno(E.EINVAL);
    this.pos = to;
    return to;
  }

  override fsync(): void { this.bdev.flush(); }

  /** blkdev_fallocate: punch a hole (discard) or zero a range of the device. */
  fallocate(mode: number, off: bigint, len: bigint): void {
    if (mode & ~(FALLOC_KEEP_SIZE | FALLOC_PUNCH_HOLE | FALLOC_NO_HIDE_STALE | FALLOC_ZERO_RANGE)) throw new Errno(E.EOPNOTSUPP);
    const end = off + len;
    const ss = BigInt(this.bdev.sectorSize);
    if (end > this.bdev.size()) throw new Errno(E.EINVAL);
    if (off % ss !== 0n || len % ss !== 0n) throw new Errno(E.EINVAL);
    if (bdevReadOnly(this.bdev)) throw new Errno(E.EPERM);
    const op = mode & ~FALLOC_NO_HIDE_STALE;
    if (op === FALLOC_ZERO_RANGE || op === (FALLOC_ZERO_RANGE | FALLOC_KEEP_SIZE)) zeroOut(this.bdev, off, len);
    else if (op === (FALLOC_PUNCH_HOLE | FALLOC_KEEP_SIZE)) {
      // Punching must leave zeros behind: a discard that does not is zero-filled.
      zeroOut(this.bdev, off, len);
    } else throw new Errno(E.EOPNOTSUPP);
  }

  override ioctl(task: Task, cmd: number, arg: bigint): number {
    const b = this.bdev;
    const s = bdevState(b);
    const mem = task.mem;
    const admin = () => { if (!task.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EACCES); };
    switch (cmd) {
      case BLK.GETSIZE64: mem.writeU64(arg, b.size()); return 0;
      case BLK.GETSIZE: mem.writeU64(arg, b.size() >> 9n); return 0;
      case BLK.SSZGET: mem.writeI32(arg, b.sectorSize); return 0;
      case BLK.PBSZGET: mem.writeU32(arg, b.physicalBlockSize ?? b.sectorSize); return 0;
      case BLK.IOMIN: mem.writeU32(arg, b.physicalBlockSize ?? b.sectorSize); return 0;
      case BLK.IOOPT: mem.writeU32(arg, 0); return 0;
      case BLK.ALIGNOFF: mem.writeI32(arg, 0); return 0;
      case BLK.BSZGET: mem.writeI32(arg, s.blockSize); return 0;
      case BLK.BSZSET: {
        // Needs the device held exclusively (by this file, or claimed for the call).
        const size = mem.readI32(arg);
        if (s.holder !== null && s.holder !== this) throw new Errno(E.EBUSY);
        setBlockSize(b, size);
        return 0;
      }
      case BLK.ROGET: mem.writeI32(arg, bdevReadOnly(b) ? 1 : 0); return 0;
      case BLK.ROSET: {
        admin();
        const ro = mem.readI32(arg) !== 0;
        if (!ro && b.readOnly) throw new Errno(E.EACCES);
        s.roPolicy = ro;
        return 0;
      }
      case BLK.FLSBUF: admin(); b.flush(); return 0;
      case BLK.RRPART:
        // No partition table support: Linux says EINVAL for a disk that cannot have partitions.
        admin();
        throw new Errno(E.EINVAL);
      case BLK.RAGET: case BLK.FRAGET: mem.writeU64(arg, s.readAhead); return 0;
      case BLK.RASET: case BLK.FRASET: admin(); s.readAhead = arg; return 0;
      case BLK.SECTGET: { const v = Buffer.alloc(2); v.writeUInt16LE(255); mem.write(arg, v); return 0; }
      case BLK.ROTATIONAL: { const v = Buffer.alloc(2); v.writeUInt16LE(1); mem.write(arg, v); return 0; }
      case BLK.DISCARDZEROES: mem.writeU32(arg, 0); return 0;
      case BLK.GETZONESZ: case BLK.GETNRZONES: mem.writeU32(arg, 0); return 0;
      case BLK.GETDISKSEQ: {
        let seq = seqs.get(b);
        if (seq === undefined) { seq = diskseq++; seqs.set(b, seq); }
        mem.writeU64(arg, seq);
        return 0;
      }
      case BLK.DISCARD: case BLK.SECDISCARD: case BLK.ZEROOUT: return this.rangeIoctl(task, cmd, arg);
      case BLK.HDIO_GETGEO: {
        if (!b.getgeo) throw new Errno(E.ENOTTY);
        const g = b.getgeo();
        const v = Buffer.alloc(16);
        v.writeUInt8(g.heads & 0xff, 0); v.writeUInt8(g.sectors & 0xff, 1); v.writeUInt16LE(g.cylinders & 0xffff, 2);
        mem.write(arg, v);   // start (offset 8) is 0: a whole disk
        return 0;
      }
    }
    const r = b.ioctl?.(task, cmd, arg, this);
    if (r === undefined) throw new Errno(E.ENOTTY);
    return r;
  }

  /** BLKDISCARD, BLKSECDISCARD, BLKZEROOUT: a {start, len} range of bytes. */
  private rangeIoctl(task: Task, cmd: number, arg: bigint): number {
    if (!this.writable) throw new Errno(E.EBADF);
    const r = task.mem.read(arg, 16);
    const start = r.readBigUInt64LE(0), len = r.readBigUInt64LE(8);
    const b = this.bdev;
    if (start % 512n || len % 512n) throw new Errno(E.EINVAL);
    if (start + len > b.size()) throw new Errno(E.EINVAL);
    if (bdevReadOnly(b)) throw new Errno(E.EPERM);
    if (cmd === BLK.SECDISCARD) throw new Errno(E.EOPNOTSUPP);
    if (cmd === BLK.DISCARD) {
      if (!b.discard) throw new Errno(E.EOPNOTSUPP);
      if (len) b.discard(start, len);
      return 0;
    }
    if (len) zeroOut(b, start, len);
    return 0;
  }
}

/** blkdev_issue_zeroout: the driver's WRITE_ZEROES, else zeros written. */
export function zeroOut(b: BlockDevice, off: bigint, len: bigint): void {
  if (b.writeZeroes) { b.writeZeroes(off, len); return; }
  const chunk = Buffer.alloc(1 << 20);
  while (len > 0n) {
    const n = len < BigInt(chunk.length) ? Number(len) : chunk.length;
    b.write(off, chunk.subarray(0, n));
    off += BigInt(n); len -= BigInt(n);
  }
}

/** blkdev_open for a driver's open routine: the device's file, EACCES/ENXIO as Linux. */
export function openBdevFile(bdev: BlockDevice, flags: number): BlockDeviceFile {
  return new BlockDeviceFile(bdev, flags);
}
