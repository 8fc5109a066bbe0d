// Kernel timers (kernel/time/hrtimer.c's role): a clock reading and a timer
// engine shared by itimers, POSIX timers and timerfd.
import { allocRegion, syscall, type HostRegion } from '../host/libc.js';

const NSEC = 1_000_000_000n;
const MAX_TIMEOUT_MS = 0x7fffffff;    // Node's setTimeout limit: longer waits re-arm
const SYS_clock_gettime = 228;

let region: HostRegion | null = null;
function hostBuf(): HostRegion {
  region ??= allocRegion(4096);
  return region;
}

/** The host's reading of a clock, in ns. */
export function clockNow(clock: number): bigint {
  const { buf, addr } = hostBuf();
  syscall(SYS_clock_gettime, clock, addr);
  return buf.readBigInt64LE(0) * NSEC + buf.readBigInt64LE(8);
}

// ---- the timer engine ----

/**
 * A timer on one clock: an expiry (ns on that clock, 0 when disarmed) and an
 * interval. Node's timers have millisecond steps and may run early, so a tick
 * re-reads the clock and waits on if it is early: a guest never sees a timer
 * fire before its time.
 */
export class KTimer {
  expiry = 0n;
  interval = 0n;
  private handle: NodeJS.Timeout | null = null;

  /** onFire gets the number of periods missed; null for a timer that only counts down (SIGEV_NONE). */
  constructor(readonly clock: number, private readonly onFire: ((missed: number) => void) | null) {}

  arm(expiry: bigint, interval: bigint): void {
    this.cancel();
    this.expiry = expiry;
    this.interval = expiry ? interval : 0n;
    if (expiry && this.onFire) this.schedule();
  }

  cancel(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    this.expiry = this.interval = 0n;
  }

  /** Time left (common_timer_get): an overdue timer with a signal still to come shows 1ns. */
  remaining(): bigint {
    if (!this.expiry) return 0n;
    const now = clockNow(this.clock);
    if (!this.onFire && this.interval && this.expiry <= now) this.forward(now);
    const left = this.expiry - now;
    if (left > 0n) return left;
    return this.onFire ? 1n : 0n;
  }

  /** Moves the expiry past now by whole periods; returns how many were skipped. */
  private forward(now: bigint): number {
    const n = (now - this.expiry) / this.interval + 1n;
    this.expiry += n * this.interval;
    return Number(n - 1n);
  }

  private schedule(): void {
    const left = this.expiry - clockNow(this.clock);
    const ms = left <= 0n ? 0 : Math.min(MAX_TIMEOUT_MS, Math.ceil(Number(left) / 1e6));
    this.handle = setTimeout(() => this.tick(), ms);
    this.handle.unref();   // a timer never keeps tuml alive after its machine
  }

  private tick(): void {
    this.handle = null;
    const now = clockNow(this.clock);
    if (now < this.expiry) { this.schedule(); return; }
    let missed = 0;
    if (this.interval) missed = this.forward(now);
    else this.expiry = 0n;
    this.onFire?.(missed);
    if (this.expiry && !this.handle) this.schedule();
  }
}
