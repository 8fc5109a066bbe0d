// Superblocks of block-device filesystems (fs/super.c get_tree_bdev, sget,
// kill_block_super): one superblock per device, shared by every mount of it;
// the device is open, and claimed by the filesystem type, for as long as the
// superblock lives. So a mounted device cannot be mounted as another type,
// mkfs (O_EXCL) finds it busy, and a loop device set up with autoclear (mount
// -o loop) stays attached until the last umount.
import { Errno, E } from '../host/errno.js';
import type { BlockDevice } from '../block/blkdev.js';
import { closeBdev, openBdev } from '../block/bdev.js';
import type { FileSystemType, MountRequest } from './filesystems.js';
import type { SuperBlock } from './inode.js';
import { sbReadOnly } from './mount.js';

const MS_RDONLY = 1;

interface Active { sb: SuperBlock; type: FileSystemType }
/** The live superblock of each mounted device. */
const active = new Map<BlockDevice, Active>();
const deviceOf = new WeakMap<SuperBlock, BlockDevice>();

/**
 * get_tree_bdev: the superblock of req.bdev for this type, made (the device
 * opened and claimed) or found. A device mounted read-write cannot be mounted
 * read-only elsewhere at the same time and the other way round (EBUSY), nor
 * as another type.
 */
export function mountBdev(type: FileSystemType, req: MountRequest & { bdev: BlockDevice }): SuperBlock {
  const readOnly = (req.flags & MS_RDONLY) !== 0;
  const live = active.get(req.bdev);
  if (live) {
    if (live.type !== type || sbReadOnly(live.sb) !== readOnly) throw new Errno(E.EBUSY);
    return live.sb;
  }
  openBdev(req.bdev, type);
  let sb: SuperBlock;
  try {
    sb = type.mount(req);
  } catch (e) {
    closeBdev(req.bdev, type);
    throw e;
  }
  active.set(req.bdev, { sb, type });
  deviceOf.set(sb, req.bdev);
  return sb;
}

/** The superblocks of mounted block devices, oldest first (iterate_supers). */
export function liveSupers(): SuperBlock[] { return [...active.values()].map((a) => a.sb); }

/** kill_block_super and the rest of deactivate_super: the superblock's last mount went. */
export function killSuper(sb: SuperBlock): void {
  sb.kill?.();
  const bdev = deviceOf.get(sb);
  if (!bdev) return;
  deviceOf.delete(sb);
  const live = active.get(bdev);
  if (live?.sb !== sb) return;
  active.delete(bdev);
  closeBdev(bdev, live.type);
}
