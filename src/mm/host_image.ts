// Host images of guest files. The host kernel maps and executes only host
// files, but a guest file may live on tmpfs, ext2 or an overlay. For those the
// kernel keeps a read-only host copy of the file's bytes (a memfd) that the
// guest's execve and mmap can name as /proc/TUML/fd/N. Copies are cached per
// inode and made again when the file changes (mtime, ctime or size differ).
//
// Why read-only copies even for tmpfs files, which already have a memfd: the
// host refuses to execute a file that some fd holds open for writing
// (ETXTBSY), and the kernel's own memfd of a tmpfs file is always writable.
import { Errno, E } from '../host/errno.js';
import { syscall } from '../host/libc.js';
import * as sys from '../host/sys.js';
import { HostInode } from '../fs/hostfs/inode.js';
import { O, type Stat } from '../fs/file.js';
import type { Inode } from '../fs/inode.js';
import type { Task } from '../kernel/task.js';

const SYS_memfd_create = 319;
const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
const F_ADD_SEALS = 1033, F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8;
/** Copies kept before the least recently used go (bytes); a program in use is never dropped. */
const CACHE_BYTES = 512n << 20n;
/** An image used this recently may be in the middle of a host execve or mmap. */
const BUSY_MS = 10_000;

interface Image { fd: number; stamp: string; size: bigint; used: number }
const cache = new Map<string, Image>();
let cachedBytes = 0n;

/** What an image is made of: an inode, or an open file with no name (fexecve of a memfd). */
export type ImageSource = Pick<Inode, 'getattr' | 'open'>;

const keyOf = (st: Stat) => `${st.dev}:${st.ino}`;
const stampOf = (st: Stat) => `${st.size}/${st.mtime[0]}.${st.mtime[1]}/${st.ctime[0]}.${st.ctime[1]}`;

/** The path a guest process opens to reach host fd `fd` of the kernel. */
export function hostFdPath(fd: number): string { return `/proc/${process.pid}/fd/${fd}`; }

/**
 * A read-only host fd with the bytes of inode (a regular file), with
 * `patch` applied to them when given. Valid until the file changes.
 */
export function imageOf(t: Task, inode: ImageSource, patch?: { at: number; bytes: Buffer }): number {
  const st = inode.getattr();
  const key = keyOf(st) + (patch ? `+${patch.at}:${patch.bytes.toString('latin1')}` : '');
  const stamp = stampOf(st);
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) { hit.used = Date.now(); return hit.fd; }
  if (hit) drop(key, hit);
  const fd = inode instanceof HostInode && !patch ? openHostReadOnly(inode.hostPath) : copyToMemfd(t, inode, st, patch);
  cache.set(key, { fd, stamp, size: st.size, used: Date.now() });
  cachedBytes += st.size;
  evict();
  return fd;
}

function drop(key: string, img: Image): void {
  cache.delete(key);
  cachedBytes -= img.size;
  sys.close(img.fd);
}

function evict(): void {
  if (cachedBytes <= CACHE_BYTES) return;
  const now = Date.now();
  const old = [...cache.entries()].filter(([, i]) => now - i.used > BUSY_MS).sort((a, b) => a[1].used - b[1].used);
  for (const [k, i] of old) {
    if (cachedBytes <= CACHE_BYTES) break;
    drop(k, i);
  }
}

function openHostReadOnly(path: string): number {
  const fd = sys.openat(path, O.RDONLY | O.CLOEXEC);
  if (fd < 0) throw new Errno(-fd);
  return fd;
}

/** Copies the file into a sealed memfd and returns a read-only fd of it (the writable one is closed). */
function copyToMemfd(t: Task, inode: ImageSource, st: Stat, patch?: { at: number; bytes: Buffer }): number {
  const rw = syscall(SYS_memfd_create, sys.hostPath('tuml-image'), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (rw < 0) throw new Errno(-rw);
  try {
    const f = inode.open(t, O.RDONLY);
    try {
      let pos = 0n;
      for (;;) {
        const r = f.read(t, sys.IO_MAX, pos);
        if (r instanceof Promise) throw new Errno(E.EIO, 'file of an asynchronous filesystem');
        if (r.length === 0) break;
        writeAll(rw, patched(r, pos, patch), pos);
        pos += BigInt(r.length);
      }
      if (pos !== st.size) throw new Errno(E.EIO);
    } finally {
      f.put();
    }
    // Sealed: nothing can change the image behind a mapping of it.
    syscall(sys.NR.fcntl, rw, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return openHostReadOnly(hostFdPath(rw));
  } finally {
    sys.close(rw);
  }
}

function patched(chunk: Buffer, pos: bigint, patch?: { at: number; bytes: Buffer }): Buffer {
  if (!patch) return chunk;
  const start = Number(pos), end = start + chunk.length;
  if (patch.at + patch.bytes.length <= start || patch.at >= end) return chunk;
  const out = Buffer.from(chunk);
  for (let i = 0; i < patch.bytes.length; i++) {
    const j = patch.at + i - start;
    if (j >= 0 && j < out.length) out[j] = patch.bytes[i];
  }
  return out;
}

function writeAll(fd: number, data: Buffer, pos: bigint): void {
  let done = 0;
  while (done < data.length) {
    const r = sys.write(fd, data.subarray(done), pos + BigInt(done));
    if (r <= 0) throw new Errno(r < 0 ? -r : E.EIO);
    done += r;
  }
}

/** The host's view of a path: its (dev, ino), or null when the host has no such file. */
export function hostIdentity(path: string): string | null {
  const r = syscall(sys.NR.newfstatat, sys.AT_FDCWD, sys.hostPath(path), sys.ioAddr(), 0);
  if (r < 0) return null;
  return `${sys.ioBuf.readBigUInt64LE(sys.IO_DATA)}:${sys.ioBuf.readBigUInt64LE(sys.IO_DATA + 8)}`;
}

/** The (dev, ino) on the host of the file behind a host fd. */
export function fdIdentity(fd: number): string {
  const { r, st } = sys.fstat(fd);
  if (r < 0) throw new Errno(-r);
  return `${st.readBigUInt64LE(0)}:${st.readBigUInt64LE(8)}`;
}
