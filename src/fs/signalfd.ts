// signalfd (fs/signalfd.c): a file from which a thread reads its own pending
// signals. The pending signals are the host's (the guest's threads are host
// threads and the host queues and delivers their signals), so a read dequeues
// them inside the reading thread with an injected rt_sigtimedwait that does
// not wait, gives the siginfo the guest's view (the sender's guest pid, as
// for sigtimedwait) and turns it into a struct signalfd_siginfo.
//
// Readiness is the host's pending set (/proc/TID/status) within the mask. A
// reader or poller sleeps on the file's wait queue, woken when the kernel
// sends a signal (Kernel.deliver calls signalSent()); signals that reach the
// host by other ways (a sigqueue to oneself runs natively, a POSIX timer or
// rt_sigqueueinfo queue theirs on the host directly) are noticed by a
// periodic re-check while someone waits.
import { Errno, E } from '../host/errno.js';
import { sleepOn } from '../kernel/sched.js';
import { hostSignalMasks, SIG, sigbit } from '../kernel/signal.js';
import type { Task } from '../kernel/task.js';
import { WaitQueue } from '../kernel/wait.js';
import { NR } from '../kernel/syscalls/names.js';
import { putBelowStack } from '../kernel/stack_scratch.js';
import { anonStat, File, POLL, type Stat } from './file.js';

export const SIGNALFD_SIGINFO_SIZE = 128;
const SIGINFO_SIZE = 128;
/** How often a waiter re-checks for signals queued on the host behind the kernel's back. */
const RECHECK_MS = 20;

/** Every open signalfd: a signal the kernel sends may make any of them readable. */
const open = new Set<SignalFd>();

/**
 * Called when the kernel has sent a signal: wake whoever waits on a signalfd.
 * The wake-up comes after the sender has interrupted the sleeper the signal
 * is for (a wake-up first would end the sleep, and with it the interruption,
 * leaving the signal pending on a thread stopped in the kernel).
 */
export function signalSent(): void {
  if (open.size === 0) return;
  queueMicrotask(() => { for (const f of open) if (!f.waitq.empty) f.waitq.wake(); });
}

/**
 * A wait queue that, while anyone waits on it, wakes them periodically when
 * the file has become readable without the kernel having sent the signal.
 */
class RecheckQueue extends WaitQueue {
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly ready: () => boolean) { super(); }

  override add(fn: () => void): () => void {
    const remove = super.add(fn);
    if (!this.timer) {
      this.timer = setInterval(() => {
        if (this.empty) { clearInterval(this.timer!); this.timer = null; return; }
        if (this.ready()) this.wake();
      }, RECHECK_MS);
      this.timer.unref();   // a waiter whose thread died must not keep tuml alive
    }
    return remove;
  }

  stop(): void { if (this.timer) { clearInterval(this.timer); this.timer = null; } }
}

export class SignalFd extends File {
  private st: Stat = anonStat(0o600, 0xdn);
  override readonly waitq: RecheckQueue = new RecheckQueue(() => (this.poll() & POLL.IN) !== 0);
  /**
   * Whose pending signals poll() looks at. Linux uses the polling thread; a
   * File's poll() is not told who polls, so the last thread that created,
   * updated or read this signalfd stands for it.
   */
  private owner: Task;

  /** mask: the signals it takes (SIGKILL and SIGSTOP never). */
  constructor(owner: Task, public mask: bigint, flags: number) {
    super(flags);
    this.owner = owner;
    open.add(this);
  }

  describe(): string { return 'anon_inode:[signalfd]'; }
  override stat(): Stat { return this.st; }

  /** signalfd() on an existing fd: a new mask, and waiters re-check. */
  update(t: Task, mask: bigint): void {
    this.mask = mask;
    this.owner = t;
    this.waitq.wake();
  }

  private pollTask(): Task | null {
    const g = this.owner.group;
    if (g.threads.has(this.owner)) return this.owner;
    return g.leader ?? null;
  }

  override poll(): number {
    const t = this.pollTask();
    const masks = t ? hostSignalMasks(t.host.tid) : null;
    return masks && (masks.pending & this.mask) ? POLL.IN | POLL.RDNORM : 0;
  }

  /** signalfd_read(): as many records as fit, blocking (unless O_NONBLOCK) only for the first. */
  override async read(t: Task, len: number): Promise<Buffer> {
    const count = Math.floor(len / SIGNALFD_SIGINFO_SIZE);
    if (count === 0) throw new Errno(E.EINVAL);
    this.owner = t;
    const out: Buffer[] = [];
    while (out.length < count) {
      const rec = await this.dequeue(t);
      if (rec) { out.push(rec); continue; }
      if (out.length > 0) break;
      if (this.nonblock) throw new Errno(E.EAGAIN);
      await sleepOn(t, [this.waitq]);
      // Woken after the thread died (the kernel drops its sleep, not its wait-queue entry).
      if (!t.group.threads.has(t)) throw new Errno(E.EINTR);
    }
    return Buffer.concat(out);
  }

  /** Takes one signal of the mask pending for t (its own or its process's), or null. */
  private async dequeue(t: Task): Promise<Buffer | null> {
    const masks = hostSignalMasks(t.host.tid);
    if (masks && !(masks.pending & this.mask)) return null;   // spares an injection
    // Scratch below the stopped thread's stack: the mask, a zero timeout and the siginfo.
    const args = Buffer.alloc(32 + SIGINFO_SIZE);
    args.writeBigUInt64LE(this.mask, 0);
    const base = putBelowStack(t, args);
    const maskAt = base, timeoutAt = base + 16n, infoAt = base + 32n;
    const r = BigInt.asIntN(64, await t.host.inject(NR.rt_sigtimedwait, [maskAt, infoAt, timeoutAt, 8]));
    if (r === BigInt(-E.EAGAIN)) return null;
    if (r < 0n) throw new Errno(Number(-r));
    const sig = Number(r);
    t.kernel.sigInfos.fixDequeued(t, sig, infoAt);
    return toSignalfdSiginfo(t.mem.read(infoAt, SIGINFO_SIZE));
  }

  protected override release(): void {
    open.delete(this);
    this.waitq.stop();
  }
}

/** signalfd()'s mask: SIGKILL and SIGSTOP cannot be taken. */
export function signalfdMask(raw: bigint): bigint {
  return raw & ~(sigbit(SIG.KILL) | sigbit(SIG.STOP));
}

// ---- siginfo_t to struct signalfd_siginfo (signalfd_copyinfo) ----

type Layout = 'kill' | 'timer' | 'poll' | 'fault' | 'chld' | 'rt' | 'sys';

const SI_USER = 0, SI_KERNEL = 0x80, SI_TIMER = -2, SI_SIGIO = -5;
/** sig_sicodes[]: the signals whose positive si_codes have a layout of their own, and how many. */
const SICODES: Record<number, { limit: number; layout: Layout }> = {
  [SIG.ILL]: { limit: 11, layout: 'fault' }, [SIG.FPE]: { limit: 15, layout: 'fault' },
  [SIG.SEGV]: { limit: 10, layout: 'fault' }, [SIG.BUS]: { limit: 5, layout: 'fault' },
  [SIG.TRAP]: { limit: 6, layout: 'fault' }, [SIG.CHLD]: { limit: 6, layout: 'chld' },
  [SIG.IO]: { limit: 6, layout: 'poll' }, [SIG.SYS]: { limit: 1, layout: 'sys' },
};
const NSIGPOLL = 6;

/** siginfo_layout(): which union member of the siginfo is meaningful. */
function layoutOf(sig: number, code: number): Layout {
  if (code > SI_USER && code < SI_KERNEL) {
    const s = SICODES[sig];
    if (s && code <= s.limit) return s.layout;
    return code <= NSIGPOLL ? 'poll' : 'kill';
  }
  if (code === SI_TIMER) return 'timer';
  if (code === SI_SIGIO) return 'poll';
  return code < 0 ? 'rt' : 'kill';
}

/** The x86-64 siginfo_t (at 16: the union) into the 128-byte struct signalfd_siginfo. */
export function toSignalfdSiginfo(si: Buffer): Buffer {
  const o = Buffer.alloc(SIGNALFD_SIGINFO_SIZE);
  const sig = si.readInt32LE(0), code = si.readInt32LE(8);
  o.writeUInt32LE(sig >>> 0, 0);                      // ssi_signo
  o.writeInt32LE(si.readInt32LE(4), 4);               // ssi_errno
  o.writeInt32LE(code, 8);                            // ssi_code
  const pidUid = () => {
    o.writeUInt32LE(si.readUInt32LE(16), 12);         // ssi_pid
    o.writeUInt32LE(si.readUInt32LE(20), 16);         // ssi_uid
  };
  const value = () => {
    o.writeBigUInt64LE(si.readBigUInt64LE(24), 48);   // ssi_ptr
    o.writeInt32LE(si.readInt32LE(24), 44);           // ssi_int
  };
  switch (layoutOf(sig, code)) {
    case 'kill': pidUid(); break;
    case 'rt': pidUid(); value(); break;
    case 'timer':
      o.writeUInt32LE(si.readUInt32LE(16), 24);       // ssi_tid
      o.writeUInt32LE(si.readUInt32LE(20), 32);       // ssi_overrun
      value();
      break;
    case 'poll':
      o.writeUInt32LE(Number(si.readBigUInt64LE(16) & 0xffffffffn), 28);   // ssi_band
      o.writeInt32LE(si.readInt32LE(24), 20);         // ssi_fd
      break;
    case 'fault':
      o.writeBigUInt64LE(si.readBigUInt64LE(16), 72); // ssi_addr
      if (sig === SIG.BUS && (code === 4 || code === 5)) o.writeInt16LE(si.readInt16LE(24), 80);   // BUS_MCEERR_*: ssi_addr_lsb
      break;
    case 'chld':
      pidUid();
      o.writeInt32LE(si.readInt32LE(24), 40);         // ssi_status
      o.writeBigUInt64LE(si.readBigUInt64LE(32), 56); // ssi_utime
      o.writeBigUInt64LE(si.readBigUInt64LE(40), 64); // ssi_stime
      break;
    case 'sys':
      o.writeBigUInt64LE(si.readBigUInt64LE(16), 88); // ssi_call_addr
      o.writeInt32LE(si.readInt32LE(24), 84);         // ssi_syscall
      o.writeUInt32LE(si.readUInt32LE(28), 96);       // ssi_arch
      break;
  }
  return o;
}
