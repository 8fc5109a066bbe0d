// Device numbers to the kernel's drivers (fs/char_dev.c, block/). A device
// node met on any filesystem opens the driver registered for its number,
// never a host device.
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import { S_IFBLK, S_IFCHR, type File } from '../fs/file.js';

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

/**
 * A device node the kernel offers (device_create): devtmpfs makes /dev/NAME
 * of it, sysfs lists it. Drivers announce their devices here at load and as
 * they come and go (loop devices, ptys are not here: devpts has those).
 */
export interface DeviceNode { name: string; type: typeof S_IFCHR | typeof S_IFBLK; rdev: bigint; mode: number }
const nodes = new Map<string, DeviceNode>();
const nodeListeners = new Set<(n: DeviceNode, added: boolean) => void>();
export function addDeviceNode(n: DeviceNode): void { nodes.set(n.name, n); for (const l of nodeListeners) l(n, true); }
export function removeDeviceNode(name: string): void {
  const n = nodes.get(name);
  if (!n) return;
  nodes.delete(name);
  for (const l of nodeListeners) l(n, false);
}
export function deviceNodes(): DeviceNode[] { return [...nodes.values()]; }
/** devtmpfs listens to keep /dev current. */
export function onDeviceNode(l: (n: DeviceNode, added: boolean) => void): () => void {
  nodeListeners.add(l);
  return () => nodeListeners.delete(l);
}

export function openDevice(task: Task, type: number, rdev: bigint, flags: number): File {
  const table = type === S_IFBLK ? blkdevs : chrdevs;
  const open = table.get(devMajor(rdev));
  if (!open) throw new Errno(E.ENXIO);
  return open(task, devMinor(rdev), flags);
}
