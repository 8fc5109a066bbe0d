// Pipes and FIFOs (fs/pipe.c): a kernel buffer between a read end and a write
// end. Writes of up to PIPE_BUF bytes are atomic; a reader with no writer left
// sees end of file; a writer with no reader left gets SIGPIPE and EPIPE.
import { Errno, E } from '../host/errno.js';
import { sleepOn, waitEvent } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import { WaitQueue } from '../kernel/wait.js';
import { anonStat, File, O, POLL, S_IFIFO, type Stat } from './file.js';

export const PIPE_BUF = 4096;
const DEFAULT_SIZE = 65536;

let nextPipeIno = 1n << 20n;

export class Pipe {
  private chunks: Buffer[] = [];
  size = 0;
  capacity = DEFAULT_SIZE;
  readers = 0;
  writers = 0;
  /** Ever had a writer (a FIFO opened for reading alone waits for one). */
  everWritten = false;
  readonly waitq = new WaitQueue();
  readonly ino = nextPipeIno++;
  readonly st: Stat = anonStat(S_IFIFO | 0o600, 0xcn);
  /** Files of both ends, woken for poll/epoll. */
  readonly ends = new Set<PipeFile>();

  constructor() { this.st.ino = this.ino; }

  take(len: number): Buffer {
    const out: Buffer[] = [];
    let n = 0;
    while (n < len && this.chunks.length) {
      const c = this.chunks[0];
      const k = Math.min(c.length, len - n);
      out.push(c.subarray(0, k));
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
      n += k;
    }
    this.size -= n;
    return Buffer.concat(out, n);
  }

  put(data: Buffer): void {
    this.chunks.push(Buffer.from(data));
    this.size += data.length;
  }

  peek(): Buffer { return Buffer.concat(this.chunks, this.size); }

  notify(): void {
    this.waitq.wake();
    for (const f of this.ends) f.waitq.wake();
  }
}

export class PipeFile extends File {
  constructor(readonly pipe: Pipe, flags: number, private name = `pipe:[${pipe.ino}]`) {
    super(flags);
    if (this.readable) pipe.readers++;
    if (this.writable) { pipe.writers++; pipe.everWritten = true; }
    pipe.ends.add(this);
  }

  describe(): string { return this.name; }

  /**
   * open() of /proc/PID/fd/N of a pipe end: fifo_open on the pipe's inode, a
   * new end of the same pipe for the access asked (without fifo_open's wait
   * for the other side, which an anonymous pipe in use has).
   */
  override reopen(_task: Task, flags: number): File {
    const f = new PipeFile(this.pipe, flags & (O.ACCMODE | O.NONBLOCK | O.DIRECT), this.name);
    this.pipe.notify();
    return f;
  }

  protected override release(): void {
    if (this.readable) this.pipe.readers--;
    if (this.writable) this.pipe.writers--;
    this.pipe.ends.delete(this);
    this.pipe.notify();
  }

  override stat(): Stat { return { ...this.pipe.st, size: 0n }; }

  override async read(task: Task, len: number): Promise<Buffer> {
    if (!this.readable) throw new Errno(E.EBADF);
    if (len === 0) return Buffer.alloc(0);
    const p = this.pipe;
    while (p.size === 0) {
      if (p.writers === 0) return Buffer.alloc(0);
      if (this.nonblock) throw new Errno(E.EAGAIN);
      await sleepOn(task, [p.waitq]);
    }
    const data = p.take(len);
    p.notify();
    return data;
  }

  override async write(task: Task, data: Buffer): Promise<number> {
    if (!this.writable) throw new Errno(E.EBADF);
    const p = this.pipe;
    let done = 0;
    while (done < data.length || data.length === 0) {
      if (p.readers === 0) {
        if (done > 0) return done;
        task.kernel.sendSignal(task, 13 /* SIGPIPE */, true, { code: 0, pid: task.pid, uid: task.cred.uid });
        throw new Errno(E.EPIPE);
      }
      const left = data.length - done;
      const room = p.capacity - p.size;
      const atomic = left <= PIPE_BUF;
      if ((atomic && room >= left) || (!atomic && room > 0)) {
        const k = Math.min(room, left);
        p.put(data.subarray(done, done + k));
        done += k;
        p.notify();
        if (data.length === 0) break;
        continue;
      }
      if (this.nonblock) { if (done > 0) return done; throw new Errno(E.EAGAIN); }
      try {
        await sleepOn(task, [p.waitq]);
      } catch (e) {
        if (done > 0) return done;   // a partial write is not interrupted
        throw e;
      }
    }
    return done;
  }

  override poll(): number {
    const p = this.pipe;
    let ev = 0;
    if (this.readable) {
      if (p.size > 0) ev |= POLL.IN | POLL.RDNORM;
      if (p.writers === 0 && p.everWritten) ev |= POLL.HUP;
    }
    if (this.writable) {
      if (p.capacity - p.size >= PIPE_BUF) ev |= POLL.OUT | POLL.WRNORM;
      if (p.readers === 0) ev |= POLL.ERR;
    }
    return ev;
  }

  /** FIONREAD */
  available(): number { return this.pipe.size; }
}

export function makePipe(flags: number): [PipeFile, PipeFile] {
  const p = new Pipe();
  const extra = flags & (O.NONBLOCK | O.DIRECT);
  return [new PipeFile(p, O.RDONLY | extra), new PipeFile(p, O.WRONLY | extra)];
}

/** FIFOs: one Pipe per filesystem node, while any end is open. */
const fifos = new Map<string, Pipe>();

export async function openFifoAsync(task: Task, key: string, flags: number): Promise<PipeFile> {
  let p = fifos.get(key);
  if (!p) { p = new Pipe(); p.everWritten = false; fifos.set(key, p); }
  const acc = flags & O.ACCMODE;
  const f = new PipeFile(p, flags, `${key}`);
  const pipe = p;
  const forget = () => { if (pipe.readers === 0 && pipe.writers === 0) fifos.delete(key); };
  p.notify();
  // open(2) of a FIFO blocks until the other end is there (unless O_NONBLOCK or O_RDWR).
  try {
    if (acc === O.RDONLY && !(flags & O.NONBLOCK)) await waitEvent(task, [p.waitq], () => pipe.writers > 0);
    if (acc === O.WRONLY) {
      if (pipe.readers === 0 && (flags & O.NONBLOCK)) { f.put(); forget(); throw new Errno(E.ENXIO); }
      await waitEvent(task, [p.waitq], () => pipe.readers > 0);
    }
  } catch (e) {
    if (!(e instanceof Errno)) { f.put(); forget(); }
    throw e;
  }
  return f;
}

/** Synchronous entry used by inode.open(); the blocking part is done by openat. */
export function openFifo(_task: Task, key: string, flags: number): File {
  throw new FifoOpen(key, flags);
}

/** Signals to openat that the node is a FIFO and the open must be done asynchronously. */
export class FifoOpen extends Error {
  constructor(readonly key: string, readonly flags: number) { super('fifo'); }
}
