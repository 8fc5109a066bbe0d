// Device numbers to the kernel's drivers (fs/char_dev.c, block/). A device
// node met on any filesystem opens the driver registered for its number,
// never a host device.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { S_IFBLK, type File } from '../fs/file.js';

export type DeviceOpen = (task: Task, minor: number, flags: number) => File;

const chrdevs = new Map<number, DeviceOpen>();
const blkdevs = new Map<number, DeviceOpen>();

export function registerChrdev(major: number, open: DeviceOpen): void { chrdevs.set(major, open); }
export function registerBlkdev(major: number, open: DeviceOpen): void { blkdevs.set(major, open); }

/** Linux's new_decode_dev(). */
export function devMajor(dev: bigint): number { return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)); }
export function devMinor(dev: bigint): number { return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)); }
export function mkdev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return (mi & 0xffn) | ((ma & 0xfffn) << 8n) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

export function openDevice(task: Task, type: number, rdev: bigint, flags: number): File {
  const table = type === S_IFBLK ? blkdevs : chrdevs;
  const open = table.get(devMajor(rdev));
  if (!open) throw new Errno(E.ENXIO);
  return open(task, devMinor(rdev), flags);
}
