// PI futexes (kernel/futex/pi.c), emulated. Their words hold the owner's tid,
// which is the guest's: the host's FUTEX_LOCK_PI would look it up in the
// host's pid namespace. The kernel keeps Linux's word protocol
// (owner TID | FUTEX_WAITERS | FUTEX_OWNER_DIED), queues the waiters itself in
// FIFO order and hands the lock over directly at unlock, leaving
// FUTEX_WAITERS set as Linux does (the next unlock comes to the kernel). Guest threads take
// and release uncontended locks in user space with their own atomics at any
// moment, so a change of a word they could race with is a lock cmpxchg run in
// the calling thread (futex_atomic.ts); see storeOwned for the one change
// they cannot race with. Priority inheritance itself (boosting the owner) is
// not done: glibc needs only a correct lock with this protocol.
import { readFileSync } from 'node:fs';
import { Errno, E } from '../host/errno.js';
import { cmpxchg32 } from './futex_atomic.js';
import { Interrupted } from './sched.js';
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';

export const FUTEX_WAITERS = 0x80000000;
export const FUTEX_OWNER_DIED = 0x40000000;
export const FUTEX_TID_MASK = 0x3fffffff;

/** A deadline on a host clock, in ns (the guest's clocks are the host's). */
export interface Deadline { clock: 'realtime' | 'monotonic'; ns: bigint }

function nowNs(clock: Deadline['clock']): bigint {
  if (clock === 'monotonic') return process.hrtime.bigint();   // CLOCK_MONOTONIC
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/** How a waiter's sleep ended. */
type Outcome = 'granted' | 'takeover' | 'timeout';

interface Waiter {
  task: Task;
  /**
   * Set when the lock becomes the waiter's: 'granted' when the unlocker wrote
   * the waiter's tid in the word, 'takeover' when the owner died and the
   * waiter writes it itself.
   */
  outcome: Outcome | null;
  /**
   * An unlock is writing the waiter's tid in the word. From then on a timeout
   * or signal is ignored (a signal stays pending on the host and is taken
   * when the call returns), unless the hand-over fails.
   */
  reserved: boolean;
  wake: () => void;
  /** A timeout or signal that came while an unlock was handing the lock over: taken if that fails. */
  missed: (() => void) | null;
}

/** The kernel's side of one PI futex with waiters (Linux's futex_pi_state). */
class PiState {
  readonly waiters: Waiter[] = [];
  /** A waiter woken to take over from a dead owner, which has not yet written its tid. */
  takeover: Waiter | null = null;
  constructor(public owner: number) {}
  get busy(): boolean { return this.waiters.length > 0 || this.takeover !== null; }
}

/**
 * What identifies a futex (get_futex_key): for a FUTEX_PRIVATE_FLAG op the
 * process and the address; for a shared one the object behind a shared
 * mapping (device, inode, offset), so that processes mapping it at different
 * addresses meet, or the process and address for private memory.
 */
export function futexKey(t: Task, uaddr: bigint, priv: boolean): string {
  const privateKey = `p:${t.group.pid}:${uaddr}`;
  if (priv) return privateKey;
  let maps: string;
  try { maps = readFileSync(`/proc/${t.host.tid}/maps`, 'latin1'); } catch { throw new Errno(E.EFAULT); }
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)/.exec(line);
    if (!m) continue;
    const start = BigInt('0x' + m[1]), end = BigInt('0x' + m[2]);
    if (uaddr < start || uaddr >= end) continue;
    if (m[3][3] !== 's' || m[6] === '0') return privateKey;
    return `s:${m[5]}:${m[6]}:${BigInt('0x' + m[4]) + (uaddr - start)}`;
  }
  throw new Errno(E.EFAULT);
}

export class PiFutexes {
  private readonly states = new Map<string, PiState>();
  /** Operations on one futex run one at a time (Linux's hash-bucket lock). */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly k: Kernel) {}

  private async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    this.locks.set(key, mine);
    if (prev) await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === mine) this.locks.delete(key);
    }
  }

  /** A thread that can own a futex: it exists and has not reached its exit. */
  private alive(tid: number): boolean {
    const t = this.k.tasks.get(tid);
    return !!t && !t.exiting;
  }

  /** cmpxchg in t; true if the word held `expected` (and now holds `next`). */
  private async swap(t: Task, uaddr: bigint, expected: number, next: number): Promise<boolean> {
    return (await cmpxchg32(t, uaddr, expected, next)) === (expected >>> 0);
  }

  /**
   * Changes a word that has FUTEX_WAITERS set and is owned by the caller,
   * who is in the kernel: no one else can change it (user space takes only a
   * 0 word, only the owner releases one, and the kernel's own changes of this
   * futex are serialized), so a plain write is enough and saves the stub's
   * round trip on the unlock path of a contended lock. It is written low
   * bytes first, then the top byte: every value a reader can see before the
   * last store keeps FUTEX_WAITERS, so is neither 0 nor FUTEX_OWNER_DIED,
   * which are the values a locker acts on.
   */
  private storeOwned(t: Task, uaddr: bigint, next: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(next >>> 0);
    t.mem.write(uaddr, b.subarray(0, 3));
    t.mem.write(uaddr + 3n, b.subarray(3));
  }

  /** FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and (trylock) FUTEX_TRYLOCK_PI. */
  async lock(t: Task, uaddr: bigint, priv: boolean, deadline: Deadline | null, trylock: boolean): Promise<number> {
    if (uaddr & 3n) throw new Errno(E.EINVAL);
    const key = futexKey(t, uaddr, priv);
    for (;;) {
      const step = await this.serialized(key, () => this.lockAtomic(t, key, uaddr, trylock));
      if (step === 'retry') continue;
      if (step === 'locked') return 0;
      const how = await this.sleep(t, key, step, deadline);
      if (how === 'granted') return 0;
      if (how === 'timeout') throw new Errno(E.ETIMEDOUT);
      await this.serialized(key, () => this.takeOver(t, key, uaddr, step));
      return 0;
    }
  }

  /**
   * futex_lock_pi_atomic: takes a free word, or sets FUTEX_WAITERS in an
   * owned one and queues the caller. 'retry' when the word changed under it.
   */
  private async lockAtomic(t: Task, key: string, uaddr: bigint, trylock: boolean): Promise<'retry' | 'locked' | Waiter> {
    const uval = t.mem.readU32(uaddr);
    if ((uval & FUTEX_TID_MASK) === t.tid) throw new Errno(E.EDEADLOCK);
    const st = this.states.get(key);
    if (!st?.busy) {
      const owner = uval & FUTEX_TID_MASK;
      if (owner === 0) {
        // Free, or left by a dead owner (FUTEX_OWNER_DIED, kept for the new one to see).
        const next = ((uval & FUTEX_OWNER_DIED) | t.tid) >>> 0;
        return (await this.swap(t, uaddr, uval, next)) ? 'locked' : 'retry';
      }
      if (!this.alive(owner)) {
        // handle_exit_race: the owner is gone and did not release it (no robust list).
        if (t.mem.readU32(uaddr) !== uval) return 'retry';
        throw new Errno(E.ESRCH);
      }
    }
    if (trylock) throw new Errno(E.EWOULDBLOCK);
    if (!(uval & FUTEX_WAITERS) && !(await this.swap(t, uaddr, uval, (uval | FUTEX_WAITERS) >>> 0))) return 'retry';
    let state = this.states.get(key);
    if (!state) {
      state = new PiState(uval & FUTEX_TID_MASK);
      this.states.set(key, state);
    }
    const w: Waiter = { task: t, outcome: null, reserved: false, wake: () => {}, missed: null };
    state.waiters.push(w);
    // The owner may have exited while the word was being changed.
    if (!state.takeover && !this.alive(state.owner)) this.ownerDied(state.owner);
    return w;
  }

  /** Sleeps until the lock is handed over, the deadline passes or a signal comes. */
  private sleep(t: Task, key: string, w: Waiter, deadline: Deadline | null): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      // Handed over already, between the queueing and this sleep.
      if (w.outcome) { resolve(w.outcome); return; }
      let timer: NodeJS.Timeout | null = null;
      const settle = () => {
        if (timer) clearTimeout(timer);
        if (t.interrupt === onSignal) t.interrupt = null;
      };
      const leave = (then: () => void) => () => {
        const st = this.states.get(key);
        if (st) {
          const i = st.waiters.indexOf(w);
          if (i >= 0) st.waiters.splice(i, 1);
          if (!st.busy) this.states.delete(key);
        }
        settle();
        then();
      };
      const end = (f: () => void) => {
        if (w.outcome) return;
        if (w.reserved) { w.missed = f; return; }
        f();
      };
      w.wake = () => { settle(); resolve(w.outcome ?? 'timeout'); };
      const onSignal = (sig: number) => end(leave(() => reject(new Interrupted(sig))));
      if (deadline) {
        const ms = Number((deadline.ns - nowNs(deadline.clock) + 999_999n) / 1_000_000n);
        timer = setTimeout(() => end(leave(() => resolve('timeout'))), Math.max(0, ms));
      }
      t.interrupt = onSignal;
      // A signal that came between this call's start and its sleep (sched.ts sleepOn).
      const missed = t.missedSignal;
      if (missed !== null) { t.missedSignal = null; onSignal(missed); }
    });
  }

  /** The first waiter whose thread can still take the lock, out of the queue. */
  private nextWaiter(st: PiState): Waiter | null {
    for (;;) {
      const w = st.waiters.shift();
      if (!w) return null;
      if (this.alive(w.task.tid)) return w;
    }
  }

  /** A hand-over did not happen: the waiter is first in the queue again. */
  private unreserve(st: PiState, w: Waiter): void {
    w.reserved = false;
    st.waiters.unshift(w);
    const missed = w.missed;
    w.missed = null;
    missed?.();   // it leaves the queue again
  }

  /** The owner died: the first waiter gets the lock and writes its tid itself (exit_pi_state_list). */
  ownerDied(tid: number): void {
    for (const st of this.states.values()) {
      if (st.owner !== tid || st.takeover) continue;
      const w = this.nextWaiter(st);
      if (!w) continue;
      w.outcome = 'takeover';
      st.takeover = w;
      w.wake();
    }
    for (const [key, st] of this.states) if (!st.busy) this.states.delete(key);
  }

  /** A woken waiter takes over from a dead owner (fixup_pi_state_owner): the word is its, marked FUTEX_OWNER_DIED. */
  private async takeOver(t: Task, key: string, uaddr: bigint, w: Waiter): Promise<void> {
    const st = this.states.get(key);
    try {
      for (;;) {
        const uval = t.mem.readU32(uaddr);
        if (await this.swap(t, uaddr, uval, (t.tid | FUTEX_OWNER_DIED | FUTEX_WAITERS) >>> 0)) break;
      }
    } finally {
      if (st && st.takeover === w) {
        st.takeover = null;
        st.owner = t.tid;
        if (!st.busy) this.states.delete(key);
      }
    }
  }

  /** FUTEX_UNLOCK_PI: the lock goes straight to the first waiter, or the word becomes 0. */
  async unlock(t: Task, uaddr: bigint, priv: boolean): Promise<number> {
    if (uaddr & 3n) throw new Errno(E.EINVAL);
    const key = futexKey(t, uaddr, priv);
    return this.serialized(key, async () => {
      for (;;) {
        const uval = t.mem.readU32(uaddr);
        if ((uval & FUTEX_TID_MASK) !== t.tid) throw new Errno(E.EPERM);
        const st = this.states.get(key);
        const w = st ? this.nextWaiter(st) : null;
        const waitersBit = (uval & FUTEX_WAITERS) !== 0;
        if (st && w) {
          const next = (w.task.tid | FUTEX_WAITERS) >>> 0;
          if (waitersBit) {
            this.storeOwned(t, uaddr, next);
          } else {
            // Without FUTEX_WAITERS (the waiters' lock calls have not set it
            // yet, or glibc called for another reason): a real cmpxchg.
            w.reserved = true;
            let ok = false;
            try {
              ok = await this.swap(t, uaddr, uval, next);
            } finally {
              if (!ok) this.unreserve(st, w);
            }
            if (!ok) continue;
          }
          st.owner = w.task.tid;
          if (!st.busy) this.states.delete(key);
          w.outcome = 'granted';
          w.missed = null;
          w.wake();
          return 0;
        }
        if (waitersBit) this.storeOwned(t, uaddr, 0);
        else if (!(await this.swap(t, uaddr, uval, 0))) continue;
        if (st && !st.busy) this.states.delete(key);
        return 0;
      }
    });
  }

  /** A thread is gone: it waits no more, and what it owned goes to its waiters. */
  taskGone(task: Task): void {
    for (const st of this.states.values()) {
      const i = st.waiters.findIndex((w) => w.task === task);
      if (i >= 0) st.waiters.splice(i, 1);
      if (st.takeover?.task === task) {
        // It died before writing its tid: the next waiter takes over instead.
        st.takeover = null;
        const w = this.nextWaiter(st);
        if (w) { w.outcome = 'takeover'; st.takeover = w; w.wake(); }
      }
    }
    this.ownerDied(task.tid);
  }
}

/** Reads a struct timespec deadline (absolute, on `clock`); null for a NULL pointer. */
export function readDeadline(t: Task, addr: bigint, clock: Deadline['clock']): Deadline | null {
  if (addr === 0n) return null;
  const b = t.mem.read(addr, 16);
  const sec = b.readBigInt64LE(0), nsec = b.readBigInt64LE(8);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new Errno(E.EINVAL);
  return { clock, ns: sec * 1_000_000_000n + nsec };
}
