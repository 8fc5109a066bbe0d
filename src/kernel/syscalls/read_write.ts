// File descriptor system calls (fs/read_write.c, fs/fcntl.c, fs/ioctl.c,
// fs/file.c, fs/pipe.c, fs/readdir.c): read and write in all their forms, dup,
// fcntl, ioctl, pipes, getdents, sync.
import { syncAll, syncFilesystem } from '../../fs/sync.js';
import { Errno, E } from '../../host/errno.js';
import { File, O } from '../../fs/file.js';
import { makePipe, PipeFile } from '../../fs/pipe.js';
import { HostFile } from '../../fs/hostfs/file.js';
import { truncateLimit } from '../../fs/fsize.js';
import { fcntlGetlk, fcntlSetlk, sysFlock } from '../../fs/locks.js';
import { fileRemovePrivs } from '../../fs/permission.js';
import type { Task } from '../task.js';
import { int, long, register, size, uint } from './table.js';
import { IN, notifyFile } from '../../fs/notify/fsnotify.js';

const MAX_RW = 0x7ffff000;
const IOV_MAX = 1024;

function readable(t: Task, fd: number): File {
  const f = t.files.get(fd);
  if (!f.readable) throw new Errno(E.EBADF);
  return f;
}

function writable(t: Task, fd: number): File {
  const f = t.files.get(fd);
  if (!f.writable) throw new Errno(E.EBADF);
  return f;
}

/** file_remove_privs() before a write to (or truncation of) a regular file. */
function removePrivs(t: Task, f: File): void {
  const inode = f.location?.inode;
  // Objects without a stat of their own (devices) have no such bits.
  if (inode) fileRemovePrivs(t, inode, () => { try { return f.stat(); } catch { return null; } });
}

async function readInto(t: Task, f: File, addr: bigint, len: number, pos: bigint | null): Promise<number> {
  if (f.location?.inode.isDir()) throw new Errno(E.EISDIR);
  const data = await f.read(t, Math.min(len, MAX_RW), pos);
  if (data.length) t.mem.write(addr, data);
  if (data.length) notifyFile(t.kernel, f, IN.ACCESS);
  return data.length;
}

async function writeFrom(t: Task, f: File, addr: bigint, len: number, pos: bigint | null): Promise<number> {
  const data = len ? t.mem.read(addr, Math.min(len, MAX_RW)) : Buffer.alloc(0);
  if (data.length) removePrivs(t, f);
  const n = await f.write(t, data, pos);
  if (n > 0) notifyFile(t.kernel, f, IN.MODIFY);
  return n;
}

function checkPos(pos: bigint): bigint {
  if (pos < 0n) throw new Errno(E.EINVAL);
  return pos;
}

register('read', (_k, t, a) => readInto(t, readable(t, int(a[0])), a[1], size(a[2]), null));
register('write', (_k, t, a) => writeFrom(t, writable(t, int(a[0])), a[1], size(a[2]), null));
register('pread64', (_k, t, a) => {
  const f = readable(t, int(a[0]));
  if (f instanceof PipeFile) throw new Errno(E.ESPIPE);
  return readInto(t, f, a[1], size(a[2]), checkPos(long(a[3])));
});
register('pwrite64', (_k, t, a) => {
  const f = writable(t, int(a[0]));
  if (f instanceof PipeFile) throw new Errno(E.ESPIPE);
  return writeFrom(t, f, a[1], size(a[2]), checkPos(long(a[3])));
});

interface Iov { base: bigint; len: number }
function readIovecs(t: Task, addr: bigint, count: number): Iov[] {
  if (count < 0 || count > IOV_MAX) throw new Errno(E.EINVAL);
  return t.mem.readIovec(addr, count);
}

async function readv(t: Task, f: File, iovs: Iov[], pos: bigint | null): Promise<number> {
  const total = iovs.reduce((n, v) => n + v.len, 0);
  if (f.location?.inode.isDir()) throw new Errno(E.EISDIR);
  const data = await f.read(t, total, pos);
  t.mem.scatter(iovs, data);
  if (data.length) notifyFile(t.kernel, f, IN.ACCESS);
  return data.length;
}

async function writev(t: Task, f: File, iovs: Iov[], pos: bigint | null): Promise<number> {
  const data = t.mem.gather(iovs);
  if (data.length) removePrivs(t, f);
  const n = await f.write(t, data, pos);
  if (n > 0) notifyFile(t.kernel, f, IN.MODIFY);
  return n;
}

const posArg = (v: bigint) => { const p = long(v); return p === -1n ? null : checkPos(p); };
register('readv', (_k, t, a) => readv(t, readable(t, int(a[0])), readIovecs(t, a[1], int(a[2])), null));
register('writev', (_k, t, a) => writev(t, writable(t, int(a[0])), readIovecs(t, a[1], int(a[2])), null));
register('preadv', (_k, t, a) => readv(t, readable(t, int(a[0])), readIovecs(t, a[1], int(a[2])), checkPos(long(a[3]))));
register('pwritev', (_k, t, a) => writev(t, writable(t, int(a[0])), readIovecs(t, a[1], int(a[2])), checkPos(long(a[3]))));
register('preadv2', (_k, t, a) => readv(t, readable(t, int(a[0])), readIovecs(t, a[1], int(a[2])), posArg(a[3])));
register('pwritev2', (_k, t, a) => writev(t, writable(t, int(a[0])), readIovecs(t, a[1], int(a[2])), posArg(a[3])));

register('lseek', (_k, t, a) => {
  const whence = int(a[2]);
  if (whence < 0 || whence > 4) throw new Errno(E.EINVAL);
  return t.files.get(int(a[0])).llseek(long(a[1]), whence);
});

register('sendfile', async (_k, t, a) => {
  const out = writable(t, int(a[0]));
  const inp = readable(t, int(a[1]));
  if (inp instanceof PipeFile) throw new Errno(E.EINVAL);   // in_fd must support mmap-like reads
  const count = size(a[3]);
  let pos: bigint | null = null;
  if (a[2] !== 0n) pos = checkPos(t.mem.readU64(a[2]) as bigint);
  const data = await inp.read(t, Math.min(count, 1 << 20), pos);
  if (data.length) removePrivs(t, out);
  const n = data.length ? await out.write(t, data, null) : 0;
  if (pos !== null) t.mem.writeU64(a[2], pos + BigInt(n));
  return n;
});

register('copy_file_range', async (_k, t, a) => {
  const inp = readable(t, int(a[0]));
  const out = writable(t, int(a[2]));
  if (uint(a[5]) !== 0) throw new Errno(E.EINVAL);
  const inPos = a[1] !== 0n ? checkPos(BigInt.asIntN(64, t.mem.readU64(a[1]))) : null;
  const outPos = a[3] !== 0n ? checkPos(BigInt.asIntN(64, t.mem.readU64(a[3]))) : null;
  const data = await inp.read(t, Math.min(size(a[4]), 1 << 20), inPos);
  if (data.length) removePrivs(t, out);
  const n = data.length ? await out.write(t, data, outPos) : 0;
  if (inPos !== null) t.mem.writeU64(a[1], inPos + BigInt(n));
  if (outPos !== null) t.mem.writeU64(a[3], outPos + BigInt(n));
  return n;
});

// ---- descriptors ----

register('close', (_k, t, a) => { t.files.close(int(a[0])); return 0; });
register('close_range', (_k, t, a) => {
  const first = uint(a[0]), last = uint(a[1]), flags = uint(a[2]);
  if (flags & ~6 || first > last) throw new Errno(E.EINVAL);
  if (flags & 2) t.files = t.files.clone();     // CLOSE_RANGE_UNSHARE
  for (const [fd, e] of [...t.files.fds]) {
    if (fd < first || fd > last) continue;
    if (flags & 4) e.cloexec = true; else t.files.close(fd);
  }
  return 0;
});

register('dup', (_k, t, a) => t.files.install(t.files.get(int(a[0])).get(), false, t.group.rlimits.nofile()));

function dup3(t: Task, oldfd: number, newfd: number, flags: number): number {
  if (flags & ~O.CLOEXEC) throw new Errno(E.EINVAL);
  const f = t.files.get(oldfd);
  if (newfd < 0 || newfd >= t.group.rlimits.nofile()) throw new Errno(E.EBADF);
  t.files.installAt(newfd, f.get(), (flags & O.CLOEXEC) !== 0);
  return newfd;
}
register('dup2', (_k, t, a) => {
  const oldfd = int(a[0]), newfd = int(a[1]);
  if (oldfd === newfd) { t.files.get(oldfd); return newfd; }
  return dup3(t, oldfd, newfd, 0);
});
register('dup3', (_k, t, a) => {
  if (int(a[0]) === int(a[1])) throw new Errno(E.EINVAL);
  return dup3(t, int(a[0]), int(a[1]), int(a[2]));
});

const F = {
  DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, GETLK: 5, SETLK: 6, SETLKW: 7, SETOWN: 8, GETOWN: 9,
  SETSIG: 10, GETSIG: 11, SETOWN_EX: 15, GETOWN_EX: 16, OFD_GETLK: 36, OFD_SETLK: 37, OFD_SETLKW: 38, SETLEASE: 1024, GETLEASE: 1025,
  DUPFD_CLOEXEC: 1030, SETPIPE_SZ: 1031, GETPIPE_SZ: 1032, ADD_SEALS: 1033, GET_SEALS: 1034,
} as const;
/** F_SETOWN and F_SETSIG settings (SIGIO is not sent yet). */
const owners = new WeakMap<File, { type: number; pid: number }>();
const sigs = new WeakMap<File, number>();
const SETFL_MASK = O.APPEND | O.NONBLOCK | O.ASYNC | O.DIRECT | O.NOATIME;

register('fcntl', (_k, t, a) => {
  const fd = int(a[0]), cmd = int(a[1]);
  const e = t.files.entry(fd);
  const f = e.file;
  switch (cmd) {
    case F.DUPFD: case F.DUPFD_CLOEXEC: {
      const min = int(a[2]);
      if (min < 0 || min >= t.group.rlimits.nofile()) throw new Errno(E.EINVAL);
      return t.files.install(f.get(), cmd === F.DUPFD_CLOEXEC, t.group.rlimits.nofile(), min);
    }
    case F.GETFD: return e.cloexec ? 1 : 0;
    case F.SETFD: e.cloexec = (int(a[2]) & 1) !== 0; return 0;
    case F.GETFL: return f.flags;
    case F.SETFL: {
      f.flags = (f.flags & ~SETFL_MASK) | (int(a[2]) & SETFL_MASK);
      if (f instanceof HostFile) f.setHostFlags(f.flags);
      return 0;
    }
    // Record locks (fs/locks.ts); an O_PATH fd allows none of them.
    case F.GETLK: case F.OFD_GETLK:
      if (f.flags & O.PATH) throw new Errno(E.EBADF);
      return fcntlGetlk(t, f, cmd === F.OFD_GETLK, a[2]);
    case F.SETLK: case F.SETLKW: case F.OFD_SETLK: case F.OFD_SETLKW:
      if (f.flags & O.PATH) throw new Errno(E.EBADF);
      return fcntlSetlk(t, fd, f, cmd === F.OFD_SETLK || cmd === F.OFD_SETLKW, cmd === F.SETLKW || cmd === F.OFD_SETLKW, a[2]);
    case F.SETOWN: owners.set(f, { type: int(a[2]) < 0 ? 2 : 1, pid: Math.abs(int(a[2])) }); return 0;
    case F.GETOWN: { const o = owners.get(f); return o ? (o.type === 2 ? -o.pid : o.pid) : 0; }
    case F.SETOWN_EX: {
      const b = t.mem.read(a[2], 8);
      const type = b.readInt32LE(0);
      if (type < 0 || type > 2) throw new Errno(E.EINVAL);
      owners.set(f, { type, pid: b.readInt32LE(4) });
      return 0;
    }
    case F.GETOWN_EX: {
      const o = owners.get(f) ?? { type: 1, pid: 0 };
      const b = Buffer.alloc(8); b.writeInt32LE(o.type, 0); b.writeInt32LE(o.pid, 4);
      t.mem.write(a[2], b);
      return 0;
    }
    case F.SETSIG: sigs.set(f, int(a[2])); return 0;
    case F.GETSIG: return sigs.get(f) ?? 0;
    case F.GETPIPE_SZ:
      if (!(f instanceof PipeFile)) throw new Errno(E.EBADF);
      return f.pipe.capacity;
    case F.SETPIPE_SZ: {
      if (!(f instanceof PipeFile)) throw new Errno(E.EBADF);
      const want = int(a[2]);
      if (want < 0 || want > 1048576) throw new Errno(E.EPERM);
      let cap = 4096;
      while (cap < want) cap *= 2;
      if (cap < f.pipe.size) throw new Errno(E.EBUSY);
      f.pipe.capacity = cap;
      return cap;
    }
    case F.GETLEASE: return 2;  // F_UNLCK
    case F.SETLEASE: throw new Errno(E.EINVAL);
    case F.ADD_SEALS: case F.GET_SEALS: return (f as File & { seals?(cmd: number, arg: number): number }).seals?.(cmd, int(a[2])) ?? (() => { throw new Errno(E.EINVAL); })();
  }
  throw new Errno(E.EINVAL);
});

const FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIONBIO = 0x5421, FIOASYNC = 0x5452, FIONREAD = 0x541b;
register('ioctl', (_k, t, a) => {
  const fd = int(a[0]), cmd = uint(a[1]);
  const e = t.files.entry(fd);
  switch (cmd) {
    case FIOCLEX: e.cloexec = true; return 0;
    case FIONCLEX: e.cloexec = false; return 0;
    case FIOASYNC: return 0;
  }
  const f = e.file;
  if (cmd === FIONBIO && !f.isTty()) {
    const on = t.mem.readI32(a[2]);
    f.flags = on ? f.flags | O.NONBLOCK : f.flags & ~O.NONBLOCK;
    return 0;
  }
  if (cmd === FIONREAD && f instanceof PipeFile) { t.mem.writeI32(a[2], f.available()); return 0; }
  return f.ioctl(t, cmd, a[2]);
});

function pipe2(t: Task, addr: bigint, flags: number): number {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | O.DIRECT)) throw new Errno(E.EINVAL);
  const [r, w] = makePipe(flags);
  const lim = t.group.rlimits.nofile();
  const cloexec = (flags & O.CLOEXEC) !== 0;
  const rfd = t.files.install(r, cloexec, lim);
  let wfd: number;
  try { wfd = t.files.install(w, cloexec, lim); } catch (e) { t.files.close(rfd); throw e; }
  const b = Buffer.alloc(8);
  b.writeInt32LE(rfd, 0); b.writeInt32LE(wfd, 4);
  try { t.mem.write(addr, b); } catch (e) { t.files.close(rfd); t.files.close(wfd); throw e; }
  return 0;
}
register('pipe', (_k, t, a) => pipe2(t, a[0], 0));
register('pipe2', (_k, t, a) => pipe2(t, a[0], int(a[1])));

register('getdents64', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  const data = f.getdents(size(a[2]));
  if (data.length) t.mem.write(a[1], data);
  return data.length;
});

register('fsync', (_k, t, a) => { t.files.get(int(a[0])).fsync(); return 0; });
register('fdatasync', (_k, t, a) => { t.files.get(int(a[0])).fsync(); return 0; });
register('ftruncate', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  const len = long(a[1]);
  if (len < 0n) throw new Errno(E.EINVAL);
  if (!f.writable) throw new Errno(E.EINVAL);
  truncateLimit(t, len, () => f.stat().size);
  removePrivs(t, f);
  f.truncate(len);
  notifyFile(t.kernel, f, IN.MODIFY);
  return 0;
});
register('fadvise64', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  if (f instanceof PipeFile) throw new Errno(E.ESPIPE);
  if (int(a[3]) < 0 || int(a[3]) > 5) throw new Errno(E.EINVAL);
  return 0;
});
register('flock', (_k, t, a) => sysFlock(t, int(a[0]), uint(a[1])));
register('sync', () => { syncAll(); return 0; });
register('syncfs', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  // A file with no mount (a pipe, a socket) is on a pseudo filesystem with nothing to write.
  const sb = f.location?.mnt.sb;
  if (sb) syncFilesystem(sb);
  return 0;
});

register('fallocate', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  const off = long(a[2]), len = long(a[3]);
  if (off < 0n || len <= 0n) throw new Errno(E.EINVAL);
  if (!f.writable) throw new Errno(E.EBADF);
  if (f instanceof PipeFile) throw new Errno(E.ESPIPE);
  // Every File has fallocate: ENODEV unless its filesystem or driver allocates (hostfs, tmpfs, block devices).
  removePrivs(t, f);
  f.fallocate(int(a[1]), off, len);
  return 0;
});

// ---- splice and tee (fs/splice.c): one end must be a pipe ----

function offsetArg(t: Task, f: File, addr: bigint): bigint | null {
  if (addr === 0n) return null;
  if (f instanceof PipeFile) throw new Errno(E.ESPIPE);
  return checkPos(BigInt.asIntN(64, t.mem.readU64(addr)));
}

register('splice', async (_k, t, a) => {
  const inp = readable(t, int(a[0]));
  const out = writable(t, int(a[2]));
  if (!(inp instanceof PipeFile) && !(out instanceof PipeFile)) throw new Errno(E.EINVAL);
  const inPos = offsetArg(t, inp, a[1]);
  const outPos = offsetArg(t, out, a[3]);
  const len = Math.min(size(a[4]), 1 << 20);
  if (len === 0) return 0;
  const data = await inp.read(t, len, inPos);
  if (data.length) removePrivs(t, out);
  const n = data.length ? await out.write(t, data, outPos) : 0;
  if (inPos !== null) t.mem.writeU64(a[1], inPos + BigInt(data.length));
  if (outPos !== null) t.mem.writeU64(a[3], outPos + BigInt(n));
  return n;
});

register('tee', async (_k, t, a) => {
  const inp = readable(t, int(a[0]));
  const out = writable(t, int(a[1]));
  if (!(inp instanceof PipeFile) || !(out instanceof PipeFile) || inp.pipe === out.pipe) throw new Errno(E.EINVAL);
  const len = size(a[2]);
  const data = inp.pipe.peek().subarray(0, len);
  if (data.length === 0) return inp.pipe.writers === 0 ? 0 : (() => { throw new Errno(E.EAGAIN); })();
  return out.write(t, data);
});
