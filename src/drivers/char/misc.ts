// Miscellaneous character devices (drivers/char/misc.c): major 10, one
// minor per driver (loop-control 237, fuse 229, tun 200, ...).
import { Errno, E } from '../../host/errno.js';
import { registerChrdev, type DeviceOpen } from '../registry.js';

export const MISC_MAJOR = 10;
const miscs = new Map<number, DeviceOpen>();

/** misc_register(): the driver's open for 10:minor. */
export function registerMisc(minor: number, open: DeviceOpen): void {
  if (miscs.has(minor)) throw new Error(`misc minor ${minor} registered twice`);
  miscs.set(minor, open);
}

registerChrdev(MISC_MAJOR, (task, minor, flags) => {
  const open = miscs.get(minor);
  if (!open) throw new Errno(E.ENODEV);
  return open(task, minor, flags);
});
