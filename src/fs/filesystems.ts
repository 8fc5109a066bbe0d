// Filesystem types (fs/filesystems.c): each filesystem registers its type by
// name, and mount(2), the boot code and /proc/filesystems find it here.
import { Errno, E } from '../host/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Task } from '../kernel/task.js';
import type { BlockDevice } from '../block/blkdev.js';
import type { SuperBlock } from './inode.js';

/** What mount(2) hands a filesystem to make a superblock of. */
export interface MountRequest {
  kernel: Kernel;
  /** The caller (null at boot). */
  task: Task | null;
  /** mount's source argument as given ("none", "/dev/ubdb", a host path for hostfs). */
  source: string;
  /** MS_* flags of the mount(2) call. */
  flags: number;
  /** mount's data argument: the comma-separated options ("" when none). */
  data: string;
  /** For filesystems that need a device: the block device the source names. */
  bdev?: BlockDevice;
}

export interface FileSystemType {
  readonly name: string;
  /** false for "nodev" filesystems (tmpfs, proc, sysfs, devpts, hostfs). */
  readonly requiresDev: boolean;
  /** Makes (or, for single-instance filesystems, finds) the superblock to mount. */
  mount(req: MountRequest): SuperBlock;
}

const types = new Map<string, FileSystemType>();

export function registerFilesystem(t: FileSystemType): void { types.set(t.name, t); }

/** The type called name; ENODEV when there is none, as mount(2) says. */
export function getFilesystem(name: string): FileSystemType {
  const t = types.get(name);
  if (!t) throw new Errno(E.ENODEV);
  return t;
}

/** In registration order, for /proc/filesystems. */
export function filesystems(): FileSystemType[] { return [...types.values()]; }

let nextAnonMinor = 0x20;
/** get_anon_bdev: a fresh st_dev (major 0) for a filesystem with no device. */
export function anonDev(): bigint { return BigInt(nextAnonMinor++); }
