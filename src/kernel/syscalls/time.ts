// Timers that signal (kernel/time/itimer.c, alarm, kernel/time/posix-timers.c),
// and the calls that would set the clock (kernel/time/time.c).
// They run in the kernel, not the host, so that their signal goes through the
// kernel and interrupts a task blocked in a kernel call. ITIMER_REAL (alarm)
// is per process and survives execve; POSIX timers are per process and die
// with it and at execve (execTimers). Timers on CPU-time clocks measure what
// the host measures, so the host runs them; the kernel only renames their ids.
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../kernel.js';
import { hostSignalMasks, SIG, sigbit } from '../signal.js';
import { SI_TIMER } from '../siginfo.js';
import type { Task, ThreadGroup } from '../task.js';
import { NR } from './names.js';
import { sendSignalInfo } from './signal.js';
import { int, Native, register, uint } from './table.js';
import { clockNow, KTimer } from '../hrtimer.js';

const NSEC = 1_000_000_000n;

// ---- clocks ----

const CLOCK = {
  REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, THREAD_CPUTIME_ID: 3, MONOTONIC_RAW: 4,
  REALTIME_COARSE: 5, MONOTONIC_COARSE: 6, BOOTTIME: 7, REALTIME_ALARM: 8, BOOTTIME_ALARM: 9, TAI: 11,
} as const;
const KERNEL_CLOCKS = new Set<number>([CLOCK.REALTIME, CLOCK.MONOTONIC, CLOCK.BOOTTIME, CLOCK.TAI]);
/** Clocks that can be read but carry no timers (no timer_create in their k_clock). */
const NO_TIMER_CLOCKS = new Set<number>([CLOCK.MONOTONIC_RAW, CLOCK.REALTIME_COARSE, CLOCK.MONOTONIC_COARSE]);
const ALARM_CLOCKS = new Set<number>([CLOCK.REALTIME_ALARM, CLOCK.BOOTTIME_ALARM]);
const CLOCKFD = 3;   // a negative clock id whose low bits are 3 names a clock device by fd
const CAP_SYS_TIME = 25;

// ---- per-process timer state ----

interface GroupTimers {
  real: KTimer | null;
  posix: Map<number, PosixTimer>;
  /** CPU-time timers the host runs: guest id -> host id. */
  host: Map<number, number>;
  nextId: number;
}

const groups = new WeakMap<ThreadGroup, GroupTimers>();

function timersOf(g: ThreadGroup): GroupTimers {
  let gt = groups.get(g);
  if (!gt) { gt = { real: null, posix: new Map(), host: new Map(), nextId: 0 }; groups.set(g, gt); }
  return gt;
}

function deletePosixTimers(gt: GroupTimers): void {
  for (const p of gt.posix.values()) p.timer.cancel();
  gt.posix.clear();
  gt.host.clear();
}

/** execve: POSIX timers are deleted (the host deletes its own); ITIMER_REAL stays. */
export function execTimers(g: ThreadGroup): void {
  const gt = groups.get(g);
  if (gt) deletePosixTimers(gt);
}

/** A timer fired for a process that is gone: everything it had stops. */
function stillRunning(g: ThreadGroup): boolean {
  if (g.exitState === 'running') return true;
  const gt = groups.get(g);
  if (gt) { gt.real?.cancel(); deletePosixTimers(gt); groups.delete(g); }
  return false;
}

// ---- timeval / timespec ----

/** struct timeval or timespec pairs (interval first, then value) as ns; unit is ns per sub-unit. */
function readPair(t: Task, addr: bigint, unit: bigint, max: bigint): { interval: bigint; value: bigint } {
  const b = t.mem.read(addr, 32);
  const ns = (off: number) => {
    const sec = b.readBigInt64LE(off), sub = b.readBigInt64LE(off + 8);
    if (sec < 0n || sub < 0n || sub >= max) throw new Errno(E.EINVAL);
    return sec * NSEC + sub * unit;
  };
  return { interval: ns(0), value: ns(16) };
}

function writePair(t: Task, addr: bigint, unit: bigint, interval: bigint, value: bigint): void {
  const b = Buffer.alloc(32);
  [interval, value].forEach((v, i) => {
    b.writeBigInt64LE(v / NSEC, i * 16);
    b.writeBigInt64LE((v % NSEC) / unit, i * 16 + 8);
  });
  t.mem.write(addr, b);
}

// ---- ITIMER_REAL and alarm ----

const ITIMER = { REAL: 0, VIRTUAL: 1, PROF: 2 } as const;
const USEC = 1000n;

function realTimer(k: Kernel, g: ThreadGroup): KTimer {
  const gt = timersOf(g);
  gt.real ??= new KTimer(CLOCK.MONOTONIC, () => {
    if (stillRunning(g)) k.sendSignalToGroup(g, SIG.ALRM);
  });
  return gt.real;
}

/** do_setitimer(ITIMER_REAL): returns the old setting; the remaining time of a due timer is 1us. */
function setReal(k: Kernel, g: ThreadGroup, value: bigint, interval: bigint): { value: bigint; interval: bigint } {
  const timer = realTimer(k, g);
  const old = { value: timer.expiry ? remainingUs(timer) : 0n, interval: timer.interval };
  timer.arm(value ? clockNow(timer.clock) + value : 0n, interval);
  return old;
}

/** itimer_get_remtime(): an armed timer never shows less than 1us. */
function remainingUs(timer: KTimer): bigint {
  const left = timer.remaining();
  return left < USEC ? USEC : left;
}

register('setitimer', (k, t, a) => {
  const which = int(a[0]);
  // CPU-time itimers count what the host counts: the host runs them.
  if (which === ITIMER.VIRTUAL || which === ITIMER.PROF) return new Native(null);
  const next = a[1] !== 0n ? readPair(t, a[1], USEC, 1_000_000n) : { interval: 0n, value: 0n };
  if (which !== ITIMER.REAL) throw new Errno(E.EINVAL);
  const old = setReal(k, t.group, next.value, next.interval);
  if (a[2] !== 0n) writePair(t, a[2], USEC, old.interval, old.value);
  return 0;
});

register('getitimer', (k, t, a) => {
  const which = int(a[0]);
  if (which === ITIMER.VIRTUAL || which === ITIMER.PROF) return new Native(null);
  if (which !== ITIMER.REAL) throw new Errno(E.EINVAL);
  const timer = realTimer(k, t.group);
  writePair(t, a[1], USEC, timer.interval, timer.expiry ? remainingUs(timer) : 0n);
  return 0;
});

register('alarm', (k, t, a) => {
  const old = setReal(k, t.group, BigInt(uint(a[0])) * NSEC, 0n);
  // Never report 0 for a pending alarm, and round to the nearest second.
  let sec = old.value / NSEC;
  const ns = old.value % NSEC;
  if ((sec === 0n && ns) || ns >= NSEC / 2n) sec++;
  return sec;
});

// ---- setting the clock ----

// The guest's clocks are the host's (clock_gettime runs natively and cannot be
// offset), so they are not settable from inside: after Linux's argument
// checks the guest is refused as if it lacked CAP_SYS_TIME.

const isCpuClock = (clock: number) =>
  clock === CLOCK.PROCESS_CPUTIME_ID || clock === CLOCK.THREAD_CPUTIME_ID || (clock < 0 && (clock & 7) !== CLOCKFD);

register('clock_settime', (_k, t, a) => {
  const clock = int(a[0]);
  // Only CLOCK_REALTIME and the CPU clocks have a clock_set (the latter always refuse).
  if (clock !== CLOCK.REALTIME && !isCpuClock(clock)) throw new Errno(E.EINVAL);
  const b = t.mem.read(a[1], 16);
  const sec = b.readBigInt64LE(0), nsec = b.readBigInt64LE(8);
  if (clock === CLOCK.REALTIME && (sec < 0n || nsec < 0n || nsec >= NSEC)) throw new Errno(E.EINVAL);
  throw new Errno(E.EPERM);
});

register('settimeofday', (_k, t, a) => {
  if (a[0] !== 0n) {
    const b = t.mem.read(a[0], 16);
    const sec = b.readBigInt64LE(0), usec = b.readBigInt64LE(8);
    if (usec < 0n || usec > 1_000_000n || sec < 0n) throw new Errno(E.EINVAL);
  }
  if (a[1] !== 0n) t.mem.read(a[1], 8);
  // Neither time nor zone given: only the capability check remains, which root passes.
  if (a[0] === 0n && a[1] === 0n && t.cred.capable(CAP_SYS_TIME)) return 0;
  throw new Errno(E.EPERM);
});

const ADJ_OFFSET_SS_READ = 0xa001;

/** adjtimex/clock_adjtime only read (modes 0) the host's clock discipline: that the host may answer. */
function adjtime(t: Task, clock: number, tx: bigint): Native {
  const modes = t.mem.readU32(tx);
  if ((modes !== 0 && modes !== ADJ_OFFSET_SS_READ) || clock < 0) throw new Errno(E.EPERM);
  return new Native(null);
}
register('adjtimex', (_k, t, a) => adjtime(t, CLOCK.REALTIME, a[0]));
register('clock_adjtime', (_k, t, a) => adjtime(t, int(a[0]), a[1]));

// ---- POSIX timers ----

const SIGEV = { SIGNAL: 0, NONE: 1, THREAD: 2, THREAD_ID: 4 } as const;
const TIMER_ABSTIME = 1;
const INT_MAX = 0x7fffffff;

interface SigEvent { value: bigint; signo: number; notify: number; tid: number }

function readSigevent(t: Task, addr: bigint): SigEvent {
  const b = t.mem.read(addr, 64);
  return { value: b.readBigUInt64LE(0), signo: b.readInt32LE(8), notify: b.readInt32LE(12), tid: b.readInt32LE(16) };
}

/** good_sigevent(): the thread a SIGEV_THREAD_ID names, or null for the process; EINVAL if bad. */
function sigeventTarget(k: Kernel, t: Task, ev: SigEvent): Task | null {
  const badSigno = ev.signo <= 0 || ev.signo > 64;
  switch (ev.notify) {
    case SIGEV.THREAD_ID: {
      const p = k.tasks.get(ev.tid);
      if (!p || p.group !== t.group || badSigno) throw new Errno(E.EINVAL);
      return p;
    }
    case SIGEV.SIGNAL:
    case SIGEV.THREAD:
      if (badSigno) throw new Errno(E.EINVAL);
      return null;
    case SIGEV.NONE:
      return null;
    default:
      throw new Errno(E.EINVAL);
  }
}

/** posix_timer_add(): ids count up per process, skipping those in use. */
function allocId(gt: GroupTimers): number {
  while (gt.posix.has(gt.nextId) || gt.host.has(gt.nextId)) gt.nextId = (gt.nextId + 1) & INT_MAX;
  const id = gt.nextId;
  gt.nextId = (id + 1) & INT_MAX;
  return id;
}

/**
 * A POSIX timer the kernel runs (struct k_itimer). As in Linux, where the
 * timer's one preallocated sigqueue is reused, at most one of its signals is
 * outstanding: expiries while it is still queued count as its overruns.
 */
class PosixTimer {
  readonly timer: KTimer;
  /** A signal of this timer is queued and not yet taken. */
  outstanding = false;
  /** Expiries the outstanding signal stands for beyond the first. */
  overrun = 0;
  /** The same for the last signal taken: what timer_getoverrun reports. */
  overrunLast = 0;

  constructor(k: Kernel, readonly g: ThreadGroup, readonly id: number, clock: number, readonly signo: number,
    readonly value: bigint, readonly thread: Task | null, countOnly: boolean) {
    this.timer = new KTimer(clock, countOnly ? null : (missed) => this.fire(k, missed));
  }

  private fire(k: Kernel, missed: number): void {
    if (!stillRunning(this.g)) return;
    if (this.thread && this.thread.group !== this.g) return;   // the target thread is gone
    this.settle();
    if (this.outstanding) { this.overrun += 1 + missed; return; }
    this.overrun = missed;
    this.outstanding = true;
    sendSignalInfo(k, this.g, this.thread, this.signo, this.siginfo());
  }

  /** The _timer member of siginfo_t. */
  private siginfo(): Buffer {
    const info = Buffer.alloc(128);
    info.writeInt32LE(this.signo, 0);
    info.writeInt32LE(SI_TIMER, 8);
    info.writeInt32LE(this.id, 16);
    info.writeInt32LE(this.overrun, 20);
    info.writeBigUInt64LE(this.value, 24);
    return info;
  }

  /** The outstanding signal was taken: its overruns become the reported ones. */
  taken(): void {
    this.outstanding = false;
    this.overrunLast = Math.min(this.overrun, INT_MAX);
    this.overrun = 0;
  }

  /** Notices that the outstanding signal has left the target's pending set (Linux settles at dequeue). */
  settle(): void {
    if (!this.outstanding) return;
    const target = this.thread ?? this.g.leader;
    const masks = target ? hostSignalMasks(target.host.tid) : null;
    if (!masks || !(masks.pending & sigbit(this.signo))) this.taken();
  }

  /** common_timer_get(): interval and time left. */
  current(): { interval: bigint; value: bigint } {
    return { interval: this.timer.interval, value: this.timer.remaining() };
  }
}

/**
 * For the platform, when a thread is about to take a signal with si_code
 * SI_TIMER: brings si_overrun up to date, as Linux does at dequeue time.
 */
export function timerSignalTaken(g: ThreadGroup, info: Buffer): void {
  const p = groups.get(g)?.posix.get(info.readInt32LE(16));
  if (!p?.outstanding) return;
  p.taken();
  info.writeInt32LE(p.overrunLast, 20);
}

/** A kernel-run timer; timer_create's order: the clock, the sigevent, the id written back. */
function createKernelTimer(k: Kernel, t: Task, clock: number, ev: SigEvent | null, idAddr: bigint): number {
  const gt = timersOf(t.group);
  const id = allocId(gt);   // taken before the checks: a failed create uses up its id, as in Linux
  const thread = ev ? sigeventTarget(k, t, ev) : null;
  t.mem.writeI32(idAddr, id);
  // Alarm clocks wake a suspended machine through its RTC; the guest has none.
  if (ALARM_CLOCKS.has(clock)) throw new Errno(E.ENOTSUP);
  // Without a sigevent: SIGALRM to the process, with the timer id as its value.
  const signo = ev ? ev.signo : SIG.ALRM, value = ev ? ev.value : BigInt(id);
  gt.posix.set(id, new PosixTimer(k, t.group, id, clock, signo, value, thread, ev?.notify === SIGEV.NONE));
  return 0;
}

/** The host's name for a CPU clock: a pid inside it becomes the host thread's. */
function hostCpuClock(k: Kernel, clock: number): number {
  if (clock >= 0) return clock;
  const pid = ~(clock >> 3);
  if (!pid) return clock;
  const p = k.tasks.get(pid);
  if (!p) throw new Errno(E.EINVAL);
  return (~p.host.tid << 3) | (clock & 7);
}

/**
 * A CPU-time timer: the host creates it in the guest process. A thread id in
 * the sigevent is the guest's; it is swapped for the host's during the call.
 * The host's timer id gets a guest id from the process's count (without a
 * sigevent, the signal's si_value is then the host's id, not the guest's).
 */
function createHostTimer(k: Kernel, t: Task, a: bigint[], ev: SigEvent | null): Native {
  const regs = t.host.regs.clone();
  regs.set('rdi', BigInt.asUintN(64, BigInt(hostCpuClock(k, int(a[0])))));
  const target = ev?.notify === SIGEV.THREAD_ID ? sigeventTarget(k, t, ev) : null;
  if (target) t.mem.writeI32(a[1] + 16n, target.host.tid);
  return new Native(regs, (ret) => {
    if (ev && target) t.mem.writeI32(a[1] + 16n, ev.tid);
    if (ret !== 0n) return;
    const gt = timersOf(t.group);
    const id = allocId(gt);
    gt.host.set(id, t.mem.readI32(a[2]));
    t.mem.writeI32(a[2], id);
  });
}

register('timer_create', (k, t, a) => {
  const clock = int(a[0]);
  const ev = a[1] !== 0n ? readSigevent(t, a[1]) : null;
  if (clock < 0) {
    if ((clock & 7) === CLOCKFD) throw new Errno(E.ENOTSUP);   // dynamic (fd) clocks have no timers
    return createHostTimer(k, t, a, ev);
  }
  if (clock === CLOCK.PROCESS_CPUTIME_ID || clock === CLOCK.THREAD_CPUTIME_ID) return createHostTimer(k, t, a, ev);
  if (NO_TIMER_CLOCKS.has(clock)) throw new Errno(E.ENOTSUP);
  if (!KERNEL_CLOCKS.has(clock) && !ALARM_CLOCKS.has(clock)) throw new Errno(E.EINVAL);
  return createKernelTimer(k, t, clock, ev, a[2]);
});

/** lock_timer(): the caller's process's timer with this id. */
function lookupTimer(t: Task, id: number): PosixTimer {
  const p = groups.get(t.group)?.posix.get(id);
  if (!p) throw new Errno(E.EINVAL);
  return p;
}

/** For a timer the host runs: the same call with the host's timer id; null for the others. */
function onHost(t: Task, id: number, after?: (ret: bigint) => void): Native | null {
  const hostId = groups.get(t.group)?.host.get(id);
  if (hostId === undefined) return null;
  const regs = t.host.regs.clone();
  regs.set('rdi', BigInt(hostId));
  return new Native(regs, after);
}

register('timer_settime', (_k, t, a) => {
  const id = int(a[0]), flags = int(a[1]);
  const host = onHost(t, id);
  if (host) return host;
  if (a[2] === 0n) throw new Errno(E.EINVAL);
  const next = readPair(t, a[2], 1n, NSEC);
  const p = lookupTimer(t, id);
  const old = p.current();
  p.overrunLast = p.overrun = 0;
  let expiry = 0n;
  if (next.value) expiry = flags & TIMER_ABSTIME ? next.value : clockNow(p.timer.clock) + next.value;
  p.timer.arm(expiry, next.interval);
  if (a[3] !== 0n) writePair(t, a[3], 1n, old.interval, old.value);
  return 0;
});

register('timer_gettime', (_k, t, a) => {
  const id = int(a[0]);
  const host = onHost(t, id);
  if (host) return host;
  const cur = lookupTimer(t, id).current();
  writePair(t, a[1], 1n, cur.interval, cur.value);
  return 0;
});

register('timer_getoverrun', (_k, t, a) => {
  const id = int(a[0]);
  const host = onHost(t, id);
  if (host) return host;
  const p = lookupTimer(t, id);
  p.settle();
  return p.overrunLast;
});

register('timer_delete', (_k, t, a) => {
  const id = int(a[0]);
  const host = onHost(t, id, (ret) => { if (ret === 0n) groups.get(t.group)?.host.delete(id); });
  if (host) return host;
  lookupTimer(t, id).timer.cancel();
  groups.get(t.group)?.posix.delete(id);
  return 0;
});
