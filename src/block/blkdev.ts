// Block devices (include/linux/blkdev.h, reduced): what a disk driver (ubd,
// loop) gives the filesystems and the block device files. I/O is synchronous
// and in bytes; the kernel is one thread, and the host's page cache sits
// under every host file anyway.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import type { File } from '../fs/file.js';

export interface BlockDevice {
  /** The kernel's name: "ubda", "loop0" (/sys/block, /proc/partitions). */
  readonly name: string;
  /** Its device number (major 98 for ubd, 7 for loop). */
  readonly rdev: bigint;
  readonly readOnly: boolean;
  /** Logical block size (BLKSSZGET), 512 unless the device says otherwise. */
  readonly sectorSize: number;
  /** Size in bytes (BLKGETSIZE64). */
  size(): bigint;
  /** Reads length bytes at offset; short only at the end of the device. */
  read(offset: bigint, length: number): Buffer;
  /** Writes data at offset (EROFS on a read-only device, ENOSPC past the end). */
  write(offset: bigint, data: Buffer): void;
  /** Makes every completed write durable on the host (fsync, BLKFLSBUF). */
  flush(): void;
  /** Physical block size (BLKPBSZGET); sectorSize when absent. */
  readonly physicalBlockSize?: number;
  /** REQ_OP_DISCARD (BLKDISCARD, fallocate PUNCH_HOLE); absent: EOPNOTSUPP. */
  discard?(offset: bigint, length: bigint): void;
  /** REQ_OP_WRITE_ZEROES (BLKZEROOUT, fallocate ZERO_RANGE); absent: zeros are written. */
  writeZeroes?(offset: bigint, length: bigint): void;
  /** CHS geometry for HDIO_GETGEO; absent: ENOTTY, as for a disk without getgeo. */
  getgeo?(): { heads: number; sectors: number; cylinders: number };
  /**
   * The driver's own ioctls (block_device_operations.ioctl), asked after the
   * generic ones: undefined when the driver has none, so the caller says ENOTTY.
   * file is the block device file it came through (its open mode).
   */
  ioctl?(task: Task, cmd: number, arg: bigint, file: File): number | undefined;
  /**
   * The driver's attributes in /sys/block/NAME: a file's text, or a
   * directory of them (ubd's serial; loop's loop/backing_file while bound).
   */
  sysfsAttrs?(): Record<string, string | Record<string, string>>;
}

const bdevs = new Map<bigint, BlockDevice>();

export function addBdev(b: BlockDevice): void {
  if (bdevs.has(b.rdev)) throw new Errno(E.EBUSY);
  bdevs.set(b.rdev, b);
}
export function removeBdev(rdev: bigint): void { bdevs.delete(rdev); }
/** The device with number rdev; ENXIO when none is attached. */
export function getBdev(rdev: bigint): BlockDevice {
  const b = bdevs.get(rdev);
  if (!b) throw new Errno(E.ENXIO);
  return b;
}
/** Every attached device, for /proc/partitions and /sys/block. */
export function allBdevs(): BlockDevice[] { return [...bdevs.values()]; }

/** REQ_OP_WRITE_ZEROES done by hand, for a device whose backing file cannot zero a range itself. */
export function writeZeroesByHand(dev: Pick<BlockDevice, 'write'>, offset: bigint, length: bigint): void {
  const zeros = Buffer.alloc(1 << 20);
  for (let at = offset, end = offset + length; at < end;) {
    const n = end - at < BigInt(zeros.length) ? Number(end - at) : zeros.length;
    dev.write(at, zeros.subarray(0, n));
    at += BigInt(n);
  }
}
