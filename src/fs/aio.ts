// Linux native AIO (fs/aio.c): io_setup makes a context, io_submit starts
// iocbs, io_getevents collects their completions. The operations are done
// by the file objects at submission, as Linux does for files without
// asynchronous I/O of their own (buffered files); a poll iocb completes when
// its file becomes ready. The context id is, as on Linux, the address of a
// mapping in the process (libaio looks there for a ring; it finds none, so
// it uses the system calls).
import { Errno, E } from '../host/errno.js';
import type { Task, ThreadGroup } from '../kernel/task.js';
import { sleepOn } from '../kernel/sched.js';
import { WaitQueue } from '../kernel/wait.js';
import { NR } from '../kernel/syscalls/names.js';
import { injectedError } from '../mm/host_map.js';
import type { File } from './file.js';

/** /proc/sys/fs/aio-max-nr */
export const AIO_MAX_NR = 65536;
const CMD = { PREAD: 0, PWRITE: 1, FSYNC: 2, FDSYNC: 3, POLL: 5, NOOP: 6, PREADV: 7, PWRITEV: 8 } as const;
const IOCB_FLAG_RESFD = 1, IOCB_FLAG_IOPRIO = 2;
const IOCB_SIZE = 64, EVENT_SIZE = 32;
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22;

interface IoEvent { data: bigint; obj: bigint; res: bigint; res2: bigint }
interface AioCtx { id: bigint; max: number; events: IoEvent[]; inflight: number; dead: boolean; readonly wait: WaitQueue }

const contexts = new WeakMap<ThreadGroup, Map<bigint, AioCtx>>();
const ctxsOf = (g: ThreadGroup) => { let m = contexts.get(g); if (!m) contexts.set(g, (m = new Map())); return m; };

function lookup(t: Task, id: bigint): AioCtx {
  const c = ctxsOf(t.group).get(id);
  if (!c || c.dead) throw new Errno(E.EINVAL);
  return c;
}

export async function ioSetup(t: Task, nr: number, ctxp: bigint): Promise<number> {
  if (t.mem.read(ctxp, 8).readBigUInt64LE(0) !== 0n) throw new Errno(E.EINVAL);
  if (nr <= 0) throw new Errno(E.EINVAL);
  if (nr > AIO_MAX_NR) throw new Errno(E.EAGAIN);
  const addr = await t.host.inject(NR.mmap, [0n, 4096n, PROT_RW, MAP_PRIVATE_ANON, -1n, 0n]);
  const e = injectedError(addr);
  if (e !== null) throw new Errno(-e);
  ctxsOf(t.group).set(addr, { id: addr, max: nr, events: [], inflight: 0, dead: false, wait: new WaitQueue() });
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(addr);
  t.mem.write(ctxp, b);
  return 0;
}

export async function ioDestroy(t: Task, id: bigint): Promise<number> {
  const c = lookup(t, id);
  c.dead = true;
  c.wait.wake();   // io_getevents sleepers end (EINVAL)
  ctxsOf(t.group).delete(id);
  await t.host.inject(NR.munmap, [id, 4096n]);
  return 0;
}

interface Iocb { data: bigint; opcode: number; fd: number; buf: bigint; nbytes: bigint; offset: bigint; flags: number; resfd: number; rwFlags: number }

function readIocb(t: Task, addr: bigint): Iocb {
  const b = t.mem.read(addr, IOCB_SIZE);
  if (b.readBigUInt64LE(48) !== 0n) throw new Errno(E.EINVAL);   // aio_reserved2
  return {
    data: b.readBigUInt64LE(0), rwFlags: b.readInt32LE(12), opcode: b.readUInt16LE(16), fd: b.readUInt32LE(20),
    buf: b.readBigUInt64LE(24), nbytes: b.readBigUInt64LE(32), offset: b.readBigInt64LE(40),
    flags: b.readUInt32LE(56), resfd: b.readUInt32LE(60),
  };
}

/** The iovecs of a PREADV/PWRITEV iocb (at most UIO_MAXIOV). */
function iovecs(t: Task, addr: bigint, count: bigint): { base: bigint; len: number }[] {
  if (count > 1024n) throw new Errno(E.EINVAL);
  return t.mem.readIovec(addr, Number(count));
}

/** Runs one iocb on its file: the completion's res (bytes, or -errno). */
async function run(t: Task, f: File, cb: Iocb): Promise<bigint> {
  try {
    switch (cb.opcode) {
      case CMD.PREAD: case CMD.PREADV: {
        if (!f.readable) throw new Errno(E.EBADF);
        const iov = cb.opcode === CMD.PREAD ? [{ base: cb.buf, len: Number(cb.nbytes) }] : iovecs(t, cb.buf, cb.nbytes);
        const data = await f.read(t, iov.reduce((n, v) => n + v.len, 0), cb.offset);
        t.mem.scatter(iov, data);
        return BigInt(data.length);
      }
      case CMD.PWRITE: case CMD.PWRITEV: {
        if (!f.writable) throw new Errno(E.EBADF);
        const iov = cb.opcode === CMD.PWRITE ? [{ base: cb.buf, len: Number(cb.nbytes) }] : iovecs(t, cb.buf, cb.nbytes);
        const data = t.mem.gather(iov);
        return BigInt(await f.write(t, data, cb.offset));
      }
      case CMD.FSYNC: case CMD.FDSYNC: await f.fsync(); return 0n;
      case CMD.POLL: {
        const want = Number(cb.buf & 0xffffn) | 0x18;   // POLLERR | POLLHUP always
        let ev: number;
        while (!((ev = f.poll() & want))) await sleepOn(t, [f.waitq]);
        return BigInt(ev);
      }
    }
    throw new Errno(E.EINVAL);
  } catch (e) {
    if (e instanceof Errno) return BigInt(-e.errno);
    throw e;
  }
}

/** io_submit: the number of iocbs taken; an error only when the first cannot be. */
export async function ioSubmit(t: Task, id: bigint, nr: number, iocbpp: bigint): Promise<number> {
  if (nr < 0) throw new Errno(E.EINVAL);
  const c = lookup(t, id);
  const ptrs = nr ? t.mem.read(iocbpp, nr * 8) : Buffer.alloc(0);
  let done = 0;
  for (; done < nr; done++) {
    const obj = ptrs.readBigUInt64LE(done * 8);
    try {
      const cb = readIocb(t, obj);
      if (cb.flags & ~(IOCB_FLAG_RESFD | IOCB_FLAG_IOPRIO)) throw new Errno(E.EINVAL);
      if (![CMD.PREAD, CMD.PWRITE, CMD.FSYNC, CMD.FDSYNC, CMD.POLL, CMD.PREADV, CMD.PWRITEV].includes(cb.opcode as never)) throw new Errno(E.EINVAL);
      const f = t.files.get(cb.fd);
      const resfd = cb.flags & IOCB_FLAG_RESFD ? t.files.get(cb.resfd) : null;
      if (c.events.length + c.inflight >= c.max) throw new Errno(E.EAGAIN);
      c.inflight++;
      const res = await run(t, f, cb).finally(() => { c.inflight--; });
      c.events.push({ data: cb.data, obj, res, res2: 0n });
      c.wait.wake();
      if (resfd) { const one = Buffer.alloc(8); one.writeBigUInt64LE(1n); await resfd.write(t, one, null); }
    } catch (e) {
      if (done === 0) throw e;
      break;
    }
  }
  return done;
}

/** io_getevents: at least minNr completions (unless the timeout ends the wait first), at most nr. */
export async function ioGetevents(t: Task, id: bigint, minNr: number, nr: number, events: bigint, timeoutMs: number | null): Promise<number> {
  const c = lookup(t, id);
  if (minNr < 0 || nr < 0 || minNr > nr) throw new Errno(E.EINVAL);
  const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
  while (c.events.length < minNr && !c.dead) {
    const left = deadline === null ? null : deadline - Date.now();
    if (left !== null && left <= 0) break;
    if (!(await sleepOn(t, [c.wait], left))) break;
  }
  if (c.dead) throw new Errno(E.EINVAL);
  const got = c.events.splice(0, nr);
  if (got.length) {
    const b = Buffer.alloc(got.length * EVENT_SIZE);
    got.forEach((e, i) => {
      b.writeBigUInt64LE(e.data, i * EVENT_SIZE);
      b.writeBigUInt64LE(e.obj, i * EVENT_SIZE + 8);
      b.writeBigInt64LE(e.res, i * EVENT_SIZE + 16);
      b.writeBigInt64LE(e.res2, i * EVENT_SIZE + 24);
    });
    t.mem.write(events, b);
  }
  return got.length;
}

/** io_cancel: every iocb is complete by the time io_submit returns, so none can be cancelled. */
export function ioCancel(t: Task, id: bigint): number {
  lookup(t, id);
  throw new Errno(E.EINVAL);
}

/** exec and exit: the contexts go with the address space. */
export function aioExit(g: ThreadGroup): void {
  const m = contexts.get(g);
  if (!m) return;
  for (const c of m.values()) { c.dead = true; c.wait.wake(); }
  contexts.delete(g);
}
