// The names of file mappings the host cannot name. A file of a kernel
// filesystem (tmpfs, ext2, an overlay's copied-up file) is mapped from a
// memfd of the kernel's, which the host's /proc/PID/maps shows as
// "/memfd:tmpfs (deleted)"; the kernel notes which guest file each such
// host object stands for, so the guest's maps show the file's own dev,
// inode and path, as Linux's do ("(deleted)" once it has no name).
import * as sys from '../host/sys.js';
import type { Location } from '../fs/mount.js';

/** host "maj:min:ino" of a memfd → the guest file it was mapped for. */
const names = new Map<string, Location>();
const MAX_NAMES = 4096;

/** MAJOR/MINOR of a dev_t in Linux's encoding, as maps prints them ("%02x:%02x"). */
export function devField(dev: bigint): string {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** Remembers that the host object behind hostFd is the guest file at loc. */
export function noteMapped(hostFd: number, loc: Location): void {
  const { r, st } = sys.fstat(hostFd);
  if (r < 0) return;
  const key = `${devField(st.readBigUInt64LE(0))}:${st.readBigUInt64LE(8)}`;
  names.delete(key);
  names.set(key, loc);
  if (names.size > MAX_NAMES) names.delete(names.keys().next().value!);
}

/** The guest file a maps line's "dev inode" columns stand for, if the kernel mapped one there. */
export function mappedLocation(dev: string, ino: string): Location | undefined {
  return names.get(`${dev}:${ino}`);
}
