// Host stdio passed through, when it is not a terminal (pipes and files, as
// in the test suite): the guest's fds 0, 1 and 2 read and write tuml's
// stdin, stdout and stderr byte for byte, and are not terminals to the guest.
// Reads from the host happen on libuv's thread pool (they may block); input is
// buffered here so that poll and several readers see one stream. A host
// terminal is the console instead (drivers/tty/console.ts).
import { readlinkSync } from 'node:fs';
import { Errno, E } from '../../host/errno.js';
import { giveAsyncRegion, syscall, syscallAsync, takeAsyncRegion } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import { sleepOn } from '../../kernel/sched.js';
import type { Task } from '../../kernel/task.js';
import { WaitQueue } from '../../kernel/wait.js';
import { decodeStat, File, O, POLL, type Stat } from '../../fs/file.js';

const FIONREAD = 0x541b, FIONBIO = 0x5421;

/** Host input, shared by every file that reads the console. */
class HostInput {
  private buf: Buffer[] = [];
  size = 0;
  eof = false;
  private reading = false;
  readonly waitq = new WaitQueue();
  constructor(readonly fd: number) {}

  ensureReading(): void {
    if (this.reading || this.eof || this.size > 0) return;
    this.reading = true;
    const region = takeAsyncRegion();
    // Each wait on the thread pool is bounded: process.exit joins the pool,
    // so a read blocked on an idle pipe would keep tuml from exiting after
    // the machine stopped (a halt while a shell reads its stdin).
    const pollThenRead = async (): Promise<number> => {
      for (;;) {
        region.buf.writeInt32LE(this.fd, 0); region.buf.writeInt16LE(POLL.IN, 4); region.buf.writeInt16LE(0, 6);
        if (await syscallAsync(sys.NR.poll, region.addr, 1, 250) === 0) continue;
        const r = await syscallAsync(sys.NR.read, this.fd, region.addr, 65536);
        if (r !== -E.EAGAIN) return r;
      }
    };
    pollThenRead().then((r) => {
      this.reading = false;
      if (r <= 0) this.eof = true;
      else { this.buf.push(Buffer.from(region.buf.subarray(0, r))); this.size += r; }
      giveAsyncRegion(region);
      this.waitq.wake();
    }, () => { this.reading = false; this.eof = true; this.waitq.wake(); });
  }

  take(len: number): Buffer {
    const all = Buffer.concat(this.buf, this.size);
    const out = all.subarray(0, len);
    const rest = all.subarray(len);
    this.buf = rest.length ? [Buffer.from(rest)] : [];
    this.size = rest.length;
    return Buffer.from(out);
  }
}

const inputs = new Map<number, HostInput>();
function inputFor(fd: number): HostInput {
  let i = inputs.get(fd);
  if (!i) { i = new HostInput(fd); inputs.set(fd, i); }
  return i;
}

export class ConsoleFile extends File {
  private readonly regular: boolean;
  constructor(readonly host: number, flags: number, readonly name: string) {
    super(flags);
    const { r, st } = sys.fstat(host);
    this.regular = r === 0 && (st.readUInt32LE(24) & 0o170000) === 0o100000;
  }

  /** What the host fd is (a pipe, a terminal, a file), as /proc/PID/fd shows it. */
  describe(): string {
    try { return readlinkSync(`/proc/self/fd/${this.host}`); } catch { return this.name; }
  }

  override stat(): Stat {
    const { r, st } = sys.fstat(this.host);
    if (r < 0) throw new Errno(-r);
    return decodeStat(st);
  }

  override async read(task: Task, len: number, pos: bigint | null): Promise<Buffer> {
    if (this.regular) {
      const r = sys.read(this.host, len, pos);
      if (typeof r === 'number') throw new Errno(-r);
      return Buffer.from(r);
    }
    const input = inputFor(this.host);
    for (;;) {
      if (input.size > 0) return input.take(len);
      if (input.eof) return Buffer.alloc(0);
      if (this.nonblock) { input.ensureReading(); throw new Errno(E.EAGAIN); }
      input.ensureReading();
      await sleepOn(task, [input.waitq]);
    }
  }

  override write(task: Task, data: Buffer, pos: bigint | null): number {
    let done = 0;
    while (done < data.length) {
      const r = sys.write(this.host, data.subarray(done), pos === null ? null : pos + BigInt(done));
      if (r === -E.EAGAIN) { sys.poll1(this.host, POLL.OUT, -1); continue; }
      if (r < 0) {
        if (done > 0) return done;
        if (r === -E.EPIPE) task.kernel.sendSignal(task, 13, true, { code: 0, pid: task.pid, uid: task.cred.uid });
        throw new Errno(-r);
      }
      done += r;
    }
    return done;
  }

  override fsync(): void {
    if (!this.regular) throw new Errno(E.EINVAL);
  }

  override llseek(off: bigint, whence: number): bigint {
    if (!this.regular) throw new Errno(E.ESPIPE);
    const r = syscall(sys.NR.lseek, this.host, off, whence);
    if (r < 0) throw new Errno(-r);
    return BigInt(r);
  }

  override poll(): number {
    let ev = 0;
    if (this.readable) {
      if (this.regular) ev |= POLL.IN;
      else {
        const input = inputFor(this.host);
        if (input.size > 0 || input.eof) ev |= POLL.IN;
        else input.ensureReading();
      }
    }
    if (this.writable) ev |= POLL.OUT;
    return ev;
  }

  /** poll and epoll wait on the input's queue as well. */
  inputQueue(): WaitQueue | null { return this.readable && !this.regular ? inputFor(this.host).waitq : null; }

  override ioctl(task: Task, cmd: number, arg: bigint): number {
    switch (cmd) {
      case FIONREAD: {
        const n = this.regular ? 0 : inputFor(this.host).size;
        task.mem.writeI32(arg, n);
        return 0;
      }
      case FIONBIO: {
        const on = task.mem.readI32(arg);
        this.flags = on ? this.flags | O.NONBLOCK : this.flags & ~O.NONBLOCK;
        return 0;
      }
    }
    // Not a terminal to the guest, even when the host fd is one (that is the console's, tty/console.ts).
    throw new Errno(E.ENOTTY);
  }
}
