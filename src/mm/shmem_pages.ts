// The data of one tmpfs regular file (mm/shmem.c's page cache, reduced).
// Small files live in a kernel Buffer with a bitmap of the pages written
// (so holes stay holes); a file that grows past SMALL_MAX, or that is mapped
// or executed, moves to a host memfd made by the kernel's own process: reads
// and writes are then pread/pwrite on it, the host keeps it sparse, and its
// fd is what mmap and exec open (File.hostFd). Keeping small files out of
// memfds saves a host fd per file: the kernel's process has a fixed budget.
import { Errno, E } from '../host/errno.js';
import { syscall } from '../host/libc.js';
import * as sys from '../host/sys.js';

export const PAGE_SIZE = 4096;
const PAGE = BigInt(PAGE_SIZE);
/** Largest file kept in a Buffer (and so the bitmap's length). */
const SMALL_MAX = 64 * 1024;
const SMALL_PAGES = SMALL_MAX / PAGE_SIZE;
/** MAX_LFS_FILESIZE */
export const MAX_FILESIZE = (1n << 63n) - 1n;

const SYS_memfd_create = 319;
const MFD_CLOEXEC = 1, MFD_EXEC = 0x10;
const SEEK_DATA = 3, SEEK_HOLE = 4;
const FALLOC_FL_KEEP_SIZE = 1;

function ok(r: number): number {
  if (r < 0) throw new Errno(-r);
  return r;
}

/** A memfd of the kernel's process; MFD_EXEC keeps it executable where vm.memfd_noexec would not. */
function memfdCreate(): number {
  const name = sys.hostPath('tmpfs');
  let fd = syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_EXEC);
  if (fd === -E.EINVAL) fd = syscall(SYS_memfd_create, name, MFD_CLOEXEC);   // before Linux 6.3
  // Out of host fds is, for the guest, a filesystem that cannot take more.
  if (fd === -E.EMFILE || fd === -E.ENFILE) throw new Errno(E.ENOSPC);
  return ok(fd);
}

export const pagesOf = (start: bigint, end: bigint): bigint =>
  end <= start ? 0n : (end + PAGE - 1n) / PAGE - start / PAGE;

export class ShmemPages {
  size = 0n;
  /** Pages holding data (what st_blocks and the size= limit count). */
  pages = 0;
  private buf: Buffer | null = Buffer.alloc(0);
  private present: Uint8Array | null = new Uint8Array(SMALL_PAGES);
  private fd = -1;

  /** The host memfd, made now if the file still lives in a Buffer. */
  memfd(): number {
    if (this.fd >= 0) return this.fd;
    const fd = memfdCreate();
    try {
      if (this.size > 0n) ok(syscall(sys.NR.ftruncate, fd, this.size));
      // Copy the written pages only, so holes stay holes on the host.
      for (let p = 0; p < SMALL_PAGES; p++) {
        if (!this.present![p]) continue;
        const start = p * PAGE_SIZE;
        const chunk = this.buf!.subarray(start, Math.min(start + PAGE_SIZE, this.buf!.length, Number(this.size)));
        if (chunk.length && sys.write(fd, chunk, BigInt(start)) !== chunk.length) throw new Errno(E.EIO);
      }
    } catch (e) {
      sys.close(fd);
      throw e;
    }
    this.fd = fd;
    this.buf = null;
    this.present = null;
    return fd;
  }

  /** The host fd, if the file has one already. */
  get hostFd(): number { return this.fd; }

  /** Releases the data (the inode is gone). */
  free(): void {
    if (this.fd >= 0) sys.close(this.fd);
    this.fd = -1;
    this.buf = null;
    this.present = null;
  }

  read(len: number, pos: bigint): Buffer {
    if (pos >= this.size || len === 0) return Buffer.alloc(0);
    const n = Number(this.size - pos < BigInt(len) ? this.size - pos : BigInt(len));
    if (this.fd < 0) {
      const out = Buffer.alloc(n);
      this.buf!.copy(out, 0, Number(pos), Number(pos) + n);
      return out;
    }
    const r = sys.read(this.fd, n, pos);
    if (typeof r === 'number') throw new Errno(-r);
    return Buffer.from(r);
  }

  /**
   * Pages of [start, end) that hold no data yet: what a write or an
   * allocation there would take from the filesystem's size.
   */
  holesIn(start: bigint, end: bigint): bigint[] {
    const out: bigint[] = [];
    if (end <= start) return out;
    const first = start / PAGE, last = (end - 1n) / PAGE;
    if (this.fd < 0) {
      for (let p = first; p <= last; p++) if (p >= BigInt(SMALL_PAGES) || !this.present![Number(p)]) out.push(p);
      return out;
    }
    // The host tells where the data is (SEEK_DATA/SEEK_HOLE on shmem).
    let p = first;
    while (p <= last) {
      const off = p * PAGE;
      const d = off >= this.size ? -E.ENXIO : syscall(sys.NR.lseek, this.fd, off, SEEK_DATA);
      const dataPage = d < 0 ? last + 1n : BigInt(d) / PAGE;
      for (; p <= last && p < dataPage; p++) out.push(p);
      if (p > last) break;
      const h = syscall(sys.NR.lseek, this.fd, p * PAGE, SEEK_HOLE);
      p = h < 0 ? last + 1n : (BigInt(h) + PAGE - 1n) / PAGE;
    }
    return out;
  }

  write(data: Buffer, pos: bigint): number {
    if (data.length === 0) return 0;
    const end = pos + BigInt(data.length);
    if (this.fd < 0 && end > BigInt(SMALL_MAX)) this.memfd();
    if (this.fd < 0) {
      const e = Number(end);
      if (e > this.buf!.length) {
        const grown = Buffer.alloc(Math.max(e, Math.min(SMALL_MAX, this.buf!.length * 2)));
        this.buf!.copy(grown);
        this.buf = grown;
      }
      data.copy(this.buf!, Number(pos));
      for (let p = Number(pos) / PAGE_SIZE | 0; p * PAGE_SIZE < e; p++) {
        if (!this.present![p]) { this.present![p] = 1; this.pages++; }
      }
      if (end > this.size) this.size = end;
      return data.length;
    }
    let done = 0;
    while (done < data.length) {
      const r = sys.write(this.fd, data.subarray(done), pos + BigInt(done));
      if (r < 0) { if (done > 0) break; throw new Errno(-r); }
      if (r === 0) break;
      done += r;
    }
    const newEnd = pos + BigInt(done);
    if (newEnd > this.size) this.size = newEnd;
    this.refresh();
    return done;
  }

  /** Re-reads the page count from the host (writes through a shared mapping allocate there too). */
  refresh(): void {
    if (this.fd < 0) return;
    const { r, st } = sys.fstat(this.fd);
    if (r < 0) return;
    this.pages = Number(st.readBigInt64LE(64)) / 8;
    this.size = st.readBigInt64LE(48);
  }

  truncate(size: bigint): void {
    if (this.fd < 0 && size > BigInt(SMALL_MAX)) this.memfd();
    if (this.fd >= 0) {
      ok(syscall(sys.NR.ftruncate, this.fd, size));
      this.size = size;
      this.refresh();
      return;
    }
    const n = Number(size);
    if (n < this.buf!.length) this.buf!.fill(0, n);
    // Whole pages past the end are dropped; a partial last page is kept (zeroed past the end).
    for (let p = Math.ceil(n / PAGE_SIZE); p < SMALL_PAGES; p++) {
      if (this.present![p]) { this.present![p] = 0; this.pages--; }
    }
    this.size = size;
  }

  /** fallocate(2) as shmem_fallocate takes it: allocate (mode 0 or KEEP_SIZE) or punch a hole. */
  fallocate(mode: number, off: bigint, len: bigint): void {
    const fd = this.memfd();
    ok(syscall(sys.NR.fallocate, fd, mode, off, len));
    if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > this.size) this.size = off + len;
    this.refresh();
  }

  /** SEEK_DATA and SEEK_HOLE: where the next data or hole starts (ENXIO past the end). */
  seekData(off: bigint, hole: boolean): bigint {
    if (off < 0n || off >= this.size) throw new Errno(E.ENXIO);
    if (this.fd >= 0) {
      const r = syscall(sys.NR.lseek, this.fd, off, hole ? SEEK_HOLE : SEEK_DATA);
      ok(r);
      return BigInt(r);
    }
    for (let p = Number(off / PAGE); BigInt(p) * PAGE < this.size; p++) {
      if (!!this.present![p] !== hole) {
        const at = BigInt(p) * PAGE;
        return at < off ? off : at;
      }
    }
    if (hole) return this.size;
    throw new Errno(E.ENXIO);
  }
}
