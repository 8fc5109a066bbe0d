// Host file access for the disk drivers (UML's os-Linux/file.c): positioned
// reads that zero-fill past the end, writes that must complete, fsync,
// fallocate and whole-file locks. Offsets are JS numbers: exact up to 2^53
// bytes, far beyond any image.
import * as fs from 'node:fs';
import { syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';

/** Reads len bytes at off into buf[at..]; what lies past the end of the file reads as zeros (as UML's do_io). */
export function preadFull(fd: number, buf: Buffer, at: number, len: number, off: number): void {
  let done = 0;
  while (done < len) {
    const n = fs.readSync(fd, buf, at + done, len - done, off + done);
    if (n === 0) break;
    done += n;
  }
  if (done < len) buf.fill(0, at + done, at + len);
}

export function pwriteFull(fd: number, buf: Buffer, off: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, off + done);
}

export const FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_ZERO_RANGE = 0x10;

/** fallocate(2) on a host fd; returns 0 or a negative errno. */
export function hostFallocate(fd: number, mode: number, off: number, len: number): number {
  return syscall(sys.NR.fallocate, fd, mode, off, len);
}

const F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_RDLCK = 0, F_WRLCK = 1;

/**
 * os_lock_file: a whole-file lock, exclusive for a writable image, shared for
 * a read-only one. Open-file-description locks conflict with UML's POSIX
 * locks like POSIX locks do, but unlike them are not dropped when some other
 * fd of tuml's on the same file is closed (a guest reading the image through
 * hostfs). Returns null, or why it failed ("already locked by pid N").
 */
export function lockFile(fd: number, exclusive: boolean): string | null {
  const b = sys.ioBuf, at = sys.IO_DATA;
  const flock = () => {
    b.fill(0, at, at + 32);
    b.writeInt16LE(exclusive ? F_WRLCK : F_RDLCK, at);   // l_type; l_whence = SEEK_SET, l_start = l_len = 0
  };
  flock();
  const r = syscall(sys.NR.fcntl, fd, F_OFD_SETLK, sys.ioAddr());
  if (r === 0) return null;
  flock();
  if (syscall(sys.NR.fcntl, fd, F_OFD_GETLK, sys.ioAddr()) === 0) {
    const pid = b.readInt32LE(at + 24);
    return pid > 0 ? `file already locked by pid ${pid}` : 'file already locked by this machine (another ubd or loop device uses it)';
  }
  return `lock failed: ${-r}`;
}
