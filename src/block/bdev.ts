// The kernel's side of a block device (block/bdev.c, reduced): who holds it
// exclusively (an O_EXCL open, a mount), how many files have it open, and the
// settings the ioctls change (BLKROSET, BLKBSZSET, BLKRASET). Drivers only
// give the BlockDevice; this state is the block layer's.
import { Errno, E } from '../host/errno.js';
import type { BlockDevice } from './blkdev.js';

export interface BdevState {
  /** The exclusive holder (bd_holder): an O_EXCL file, a mounted filesystem; null when none. */
  holder: unknown;
  /** Open block device files (bd_openers). */
  openers: number;
  /** BLKROSET: read-only by policy, on top of the driver's readOnly. */
  roPolicy: boolean;
  /** The soft block size (BLKBSZGET/BLKBSZSET, set_blocksize). */
  blockSize: number;
  /** Read-ahead in 512-byte sectors (BLKRAGET/BLKRASET). */
  readAhead: bigint;
  /** Called when the last opener goes (lo_release: loop's autoclear). */
  onLastClose: (() => void) | null;
}

const states = new WeakMap<BlockDevice, BdevState>();

/** set_init_blocksize: the largest power of two up to the page size that divides the size. */
function initBlockSize(b: BlockDevice): number {
  const size = b.size();
  let bs = b.sectorSize;
  while (bs < 4096 && (size & BigInt(bs)) === 0n) bs <<= 1;
  return bs;
}

export function bdevState(b: BlockDevice): BdevState {
  let s = states.get(b);
  if (!s) {
    s = { holder: null, openers: 0, roPolicy: false, blockSize: initBlockSize(b), readAhead: 256n, onLastClose: null };
    states.set(b, s);
  }
  return s;
}

/** bdev_read_only(): the driver's flag or BLKROSET. */
export function bdevReadOnly(b: BlockDevice): boolean { return b.readOnly || bdevState(b).roPolicy; }

/**
 * bd_prepare_to_claim + bd_finish_claiming: makes holder the exclusive user
 * (an O_EXCL open, a mount). EBUSY while another holder has it; claiming
 * again with the same holder is fine (Linux counts bd_holders).
 */
export function claimBdev(b: BlockDevice, holder: unknown): void {
  const s = bdevState(b);
  if (s.holder !== null && s.holder !== holder) throw new Errno(E.EBUSY);
  s.holder = holder;
}

/** bd_abort_claiming / blkdev_put of the holder. */
export function releaseBdev(b: BlockDevice, holder: unknown): void {
  const s = bdevState(b);
  if (s.holder === holder) s.holder = null;
}

/** Whether anything holds the device exclusively (mounted, or opened O_EXCL). */
export function bdevClaimed(b: BlockDevice): boolean { return bdevState(b).holder !== null; }

/**
 * An opener of the device (blkdev_get_by_dev): a block device file, a
 * mount. With a holder the device is claimed exclusively (EBUSY if another
 * holds it). Every open is paired with closeBdev.
 */
export function openBdev(b: BlockDevice, holder: unknown = null): void {
  if (holder !== null) claimBdev(b, holder);
  bdevState(b).openers++;
}

/** blkdev_put: the last close runs the driver's release (loop's autoclear). */
export function closeBdev(b: BlockDevice, holder: unknown = null): void {
  const s = bdevState(b);
  if (holder !== null) releaseBdev(b, holder);
  if (--s.openers === 0 && s.onLastClose) s.onLastClose();
}

/** set_blocksize(): a power of two from the logical block size up to the page size. */
export function setBlockSize(b: BlockDevice, size: number): void {
  if (size > 4096 || size < 512 || (size & (size - 1)) !== 0 || size < b.sectorSize) throw new Errno(E.EINVAL);
  bdevState(b).blockSize = size;
}

/** Forgets the settings of a device that goes away (a loop device detached). */
export function resetBdevState(b: BlockDevice): void {
  const s = states.get(b);
  if (!s) return;
  s.roPolicy = false;
  s.blockSize = initBlockSize(b);
}
