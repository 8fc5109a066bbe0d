// timerfd (fs/timerfd.c): a timer whose expirations are read from a file.
// The timer is the kernel's (hrtimer.ts): it never fires before its time.
import { Errno, E } from '../host/errno.js';
import { clockNow, KTimer } from '../kernel/hrtimer.js';
import { sleepOn } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import { anonStat, File, POLL, type Stat } from './file.js';

export const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

export class TimerFd extends File {
  private st: Stat = anonStat(0o600, 0xdn);
  private expirations = 0n;
  /** it_interval as set: timerfd_gettime shows it even while disarmed, as Linux does. */
  private interval = 0n;
  private readonly timer: KTimer;

  constructor(readonly clock: number, flags: number) {
    super(flags);
    this.timer = new KTimer(clock, (missed) => {
      this.expirations += BigInt(missed + 1);
      this.waitq.wake();
    });
  }

  describe(): string { return 'anon_inode:[timerfd]'; }
  override stat(): Stat { return this.st; }

  /** timerfd_settime: returns the old setting as [value, interval] in ns. */
  settime(flags: number, value: bigint, interval: bigint): [bigint, bigint] {
    const old = this.gettime();
    this.expirations = 0n;
    this.interval = interval;
    const expiry = value === 0n ? 0n : (flags & TFD_TIMER_ABSTIME) ? value : clockNow(this.clock) + value;
    this.timer.arm(expiry, interval);
    return old;
  }

  gettime(): [bigint, bigint] { return [this.timer.remaining(), this.interval]; }

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

  protected override release(): void { this.timer.cancel(); }
}
