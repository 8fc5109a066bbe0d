// timerfd (fs/timerfd.c): a timer whose expirations are read from a file.
// CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME; times kept in ns.
import { Errno, E } from '../host/errno.js';
import { sleepOn } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import { anonStat, File, POLL, type Stat } from './file.js';

export const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

/** Now on the given clock, in ns. */
export function clockNow(clock: number): bigint {
  if (clock === 0 || clock === 8) return BigInt(Date.now()) * 1000000n + (process.hrtime.bigint() % 1000000n);
  return process.hrtime.bigint();
}

export class TimerFd extends File {
  private st: Stat = anonStat(0o600, 0xdn);
  private expirations = 0n;
  private deadline: bigint | null = null;   // ns on this.clock
  private interval = 0n;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly clock: number, flags: number) { super(flags); }
  describe(): string { return 'anon_inode:[timerfd]'; }
  override stat(): Stat { return this.st; }

  private arm(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.deadline === null) return;
    const ms = Number((this.deadline - clockNow(this.clock)) / 1000000n);
    this.timer = setTimeout(() => this.fire(), Math.max(0, ms + 1));
  }

  private fire(): void {
    this.timer = null;
    if (this.deadline === null) return;
    const now = clockNow(this.clock);
    if (now < this.deadline) { this.arm(); return; }
    if (this.interval > 0n) {
      const n = (now - this.deadline) / this.interval + 1n;
      this.expirations += n;
      this.deadline += n * this.interval;
      this.arm();
    } else {
      this.expirations += 1n;
      this.deadline = null;
    }
    this.waitq.wake();
  }

  /** timerfd_settime: returns the old setting as [value, interval] in ns. */
  settime(flags: number, value: bigint, interval: bigint): [bigint, bigint] {
    const old = this.gettime();
    this.expirations = 0n;
    this.interval = interval;
    if (value === 0n) this.deadline = null;
    else this.deadline = (flags & TFD_TIMER_ABSTIME) ? value : clockNow(this.clock) + value;
    this.arm();
    return old;
  }

  gettime(): [bigint, bigint] {
    if (this.deadline === null) return [0n, this.interval];
    const left = this.deadline - clockNow(this.clock);
    return [left > 0n ? left : 1n, this.interval];
  }

  override async read(task: Task, len: number): Promise<Buffer> {
    if (len < 8) throw new Errno(E.EINVAL);
    while (this.expirations === 0n) {
      if (this.nonblock) throw new Errno(E.EAGAIN);
      await sleepOn(task, [this.waitq]);
    }
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(this.expirations);
    this.expirations = 0n;
    return b;
  }

  override poll(): number { return this.expirations > 0n ? POLL.IN | POLL.RDNORM : 0; }

  protected override release(): void { if (this.timer) clearTimeout(this.timer); this.deadline = null; }
}
