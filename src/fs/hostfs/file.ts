// An open hostfs file: a host fd held by the kernel. The host fd's offset is
// the file position, so descriptions shared across fork share it, as in Linux.
import { Errno, E } from '../../host/errno.js';
import { syscallBig, syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import type { Task } from '../../kernel/task.js';
import { anonStat, decodeStat, File, O, S_IFMT, S_IFREG, type Stat } from '../file.js';
import { writeLimit } from '../fsize.js';
import { hostToGuest } from './inode.js';

function ok(r: number): number {
  if (r < 0) throw new Errno(-r);
  return r;
}

export class HostFile extends File {
  /** fd: the host fd the kernel holds; name: what /proc/PID/fd shows without a location. */
  /** hide: entries of this name prefix are not listed (the root of a hostfs with a metadata store). */
  constructor(readonly fd: number, flags: number, readonly name: string, private readonly hide: string | null = null) {
    super(flags);
  }

  describe(): string { return this.location?.path ?? this.name; }

  /** A new description of the same host object, through the host's /proc (memfds have no other name). */
  override reopen(_task: Task, flags: number): File {
    const keep = O.ACCMODE | O.TRUNC | O.APPEND | O.NONBLOCK | O.DSYNC | O.SYNC | O.LARGEFILE | O.NOATIME | O.DIRECT;
    const fd = sys.openat(`/proc/self/fd/${this.fd}`, (flags & keep) | O.CLOEXEC);
    if (fd < 0) throw new Errno(-fd);
    return new HostFile(fd, flags & ~O.CLOEXEC, this.name);
  }

  protected override release(): void { sys.close(this.fd); }

  override read(_task: Task, len: number, pos: bigint | null): Buffer {
    const r = sys.read(this.fd, len, pos);
    if (typeof r === 'number') throw new Errno(-r);
    const out = Buffer.allocUnsafe(r.length);   // a copy: r is the shared I/O region
    r.copy(out);
    return out;
  }

  override write(task: Task, data: Buffer, pos: bigint | null): number {
    // RLIMIT_FSIZE binds the guest, not the kernel's own host fd.
    const len = writeLimit(task, data.length, () => this.writePos(pos));
    if (len < data.length) data = data.subarray(0, len);
    let done = 0;
    while (done < data.length) {
      const r = sys.write(this.fd, data.subarray(done), pos === null ? null : pos + BigInt(done));
      if (r < 0) { if (done > 0) return done; throw new Errno(-r); }
      done += r;
      if (r === 0) break;
    }
    return done;
  }

  /** Where a write would start (an O_APPEND write at the end, as pwrite too on Linux); null if not a regular file. */
  private writePos(pos: bigint | null): bigint | null {
    const st = this.stat();
    if ((st.mode & S_IFMT) !== S_IFREG) return null;
    if (this.flags & O.APPEND) return st.size;
    return pos ?? this.llseek(0n, 1 /* SEEK_CUR */);
  }

  override llseek(off: bigint, whence: number): bigint {
    const r = syscallBig(sys.NR.lseek, this.fd, off, whence);
    if (r < 0n && r > -4096n) throw new Errno(Number(-r));
    return r;
  }

  override stat(): Stat {
    const { r, st } = sys.fstat(this.fd);
    ok(r);
    return hostToGuest(decodeStat(st));
  }

  override getdents(max: number): Buffer {
    const r = sys.getdents64(this.fd, max);
    if (typeof r === 'number') throw new Errno(-r);
    if (!this.hide) return Buffer.from(r);
    const keep: Buffer[] = [];
    for (let off = 0; off < r.length;) {
      const reclen = r.readUInt16LE(off + 16);
      if (!r.toString('latin1', off + 19, off + 19 + this.hide.length).startsWith(this.hide)) keep.push(Buffer.from(r.subarray(off, off + reclen)));
      off += reclen;
    }
    // Only hidden entries in this batch: read on rather than end the listing.
    if (keep.length === 0 && r.length > 0) return this.getdents(max);
    return Buffer.concat(keep);
  }

  override truncate(len: bigint): void { ok(syscall(sys.NR.ftruncate, this.fd, len)); }
  fallocate(mode: number, off: bigint, len: bigint): void {
    ok(syscall(sys.NR.fallocate, this.fd, mode, off, len));
  }

  override fsync(): void { ok(syscall(sys.NR.fsync, this.fd)); }
  override hostFd(): number | null { return (this.flags & O.PATH) ? null : this.fd; }

  /** F_ADD_SEALS and F_GET_SEALS, for memfds: the host keeps the seals. */
  seals(cmd: number, arg: number): number {
    return ok(syscall(sys.NR.fcntl, this.fd, cmd, arg));
  }

  /** fcntl(F_SETFL) on the kernel file keeps O_APPEND in step on the host fd. */
  setHostFlags(flags: number): void {
    syscall(sys.NR.fcntl, this.fd, 4 /* F_SETFL */, flags & O.APPEND);
  }
}

/** An open directory whose host directory is gone (see HostInode.open). */
export class DeadDirFile extends File {
  constructor(flags: number, readonly name: string) { super(flags); }
  describe(): string { return `${this.location?.path ?? this.name} (deleted)`; }
  override getdents(): Buffer { throw new Errno(E.ENOENT); }
  /** The host no longer knows the inode: a directory with no links is what Linux shows. */
  override stat(): Stat { return { ...anonStat(0o040755, 0x1en), nlink: 0n }; }
  override llseek(): bigint { return 0n; }
}
