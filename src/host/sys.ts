// Typed wrappers of the host system calls the kernel's drivers use (hostfs,
// the console). Paths and buffers go through a fixed host region; results are
// raw (negative errno) unless a wrapper says otherwise.
import { allocRegion, syscall } from './libc.js';

export const NR = {
  read: 0, write: 1, close: 3, fstat: 5, lseek: 8, ioctl: 16, pread64: 17, pwrite64: 18,
  access: 21, fcntl: 72, fsync: 74, fdatasync: 75, truncate: 76, ftruncate: 77, getdents64: 217,
  statfs: 137, fstatfs: 138, openat: 257, mkdirat: 258, mknodat: 259, fchownat: 260,
  newfstatat: 262, unlinkat: 263, renameat2: 316, linkat: 265, symlinkat: 266, readlinkat: 267,
  fchmodat: 268, faccessat2: 439, utimensat: 280, statx: 332, poll: 7, kill: 62,
  lgetxattr: 192, llistxattr: 195, lsetxattr: 189, lremovexattr: 198, fallocate: 285, dup: 32,
} as const;

export const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;

/** The host I/O region: [0, 64K) two path slots, [64K, 1M+64K) data. */
const io = allocRegion((1 << 20) + 65536);
export const IO_DATA = 65536;
export const IO_MAX = 1 << 20;
export const ioBuf = io.buf;
const pathSlot = [0, 8192];

/** Places a path (bytes, latin1) in slot 0 or 1 and returns its host address. */
export function hostPath(p: string, slot = 0): bigint {
  const off = pathSlot[slot];
  const n = ioBuf.write(p, off, 'latin1');
  ioBuf[off + n] = 0;
  return io.addr + BigInt(off);
}

export const ioAddr = (off = IO_DATA) => io.addr + BigInt(off);

export function lstat(path: string): { r: number; st: Buffer } {
  const r = syscall(NR.newfstatat, AT_FDCWD, hostPath(path), ioAddr(), AT_SYMLINK_NOFOLLOW);
  return { r, st: ioBuf.subarray(IO_DATA, IO_DATA + 144) };
}

export function fstat(fd: number): { r: number; st: Buffer } {
  const r = syscall(NR.fstat, fd, ioAddr());
  return { r, st: ioBuf.subarray(IO_DATA, IO_DATA + 144) };
}

export function openat(path: string, flags: number, mode = 0): number {
  return syscall(NR.openat, AT_FDCWD, hostPath(path), flags, mode);
}

export function close(fd: number): number { return syscall(NR.close, fd); }

/** read(2) of at most IO_MAX bytes into the region; returns the bytes or a negative errno. */
export function read(fd: number, len: number, pos: bigint | null): Buffer | number {
  const n = Math.min(len, IO_MAX);
  const r = pos === null ? syscall(NR.read, fd, ioAddr(), n) : syscall(NR.pread64, fd, ioAddr(), n, pos);
  if (r < 0) return r;
  return ioBuf.subarray(IO_DATA, IO_DATA + r);
}

export function write(fd: number, data: Buffer, pos: bigint | null): number {
  const n = Math.min(data.length, IO_MAX);
  data.copy(ioBuf, IO_DATA, 0, n);
  return pos === null ? syscall(NR.write, fd, ioAddr(), n) : syscall(NR.pwrite64, fd, ioAddr(), n, pos);
}

export function readlink(path: string): string | number {
  const r = syscall(NR.readlinkat, AT_FDCWD, hostPath(path), ioAddr(), 4096);
  if (r < 0) return r;
  return ioBuf.toString('latin1', IO_DATA, IO_DATA + r);
}

export function getdents64(fd: number, len: number): Buffer | number {
  const r = syscall(NR.getdents64, fd, ioAddr(), Math.min(len, IO_MAX));
  if (r < 0) return r;
  return ioBuf.subarray(IO_DATA, IO_DATA + r);
}

export function poll1(fd: number, events: number, timeoutMs: number): number {
  ioBuf.writeInt32LE(fd, IO_DATA); ioBuf.writeInt16LE(events, IO_DATA + 4); ioBuf.writeInt16LE(0, IO_DATA + 6);
  const r = syscall(NR.poll, ioAddr(), 1, timeoutMs);
  return r <= 0 ? r : ioBuf.readInt16LE(IO_DATA + 6);
}
