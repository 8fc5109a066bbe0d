// Robust futexes (kernel/futex/core.c: exit_robust_list, handle_futex_death).
// A thread registers the head of its list of held robust locks with
// set_robust_list; when it dies holding one, the kernel marks the lock's word
// FUTEX_OWNER_DIED so that the next locker gets EOWNERDEAD. The words hold
// guest tids, so the kernel walks the lists itself, at PTRACE_EVENT_EXIT
// (every dying thread stops there, also one killed by SIGKILL or by a
// sibling's exit_group, with its memory still mapped).
import type { GuestMemory } from '../platform/memory.js';
import type { Kernel } from './kernel.js';
import { SIG } from './signal.js';
import { FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS } from './futex.js';
import type { Task } from './task.js';

/** sizeof(struct robust_list_head): next, futex_offset, list_op_pending. */
export const ROBUST_LIST_HEAD_SIZE = 24;
const ROBUST_LIST_LIMIT = 2048;   // a list cannot make the kernel loop forever

/** A list pointer; its low bit says the lock is a PI futex. */
function fetchEntry(mem: GuestMemory, at: bigint): Entry {
  const v = mem.readU64(at);
  return { entry: v & ~1n, pi: (v & 1n) !== 0n };
}

/**
 * Marks the word at uaddr, owned by the dead thread, FUTEX_OWNER_DIED
 * (keeping FUTEX_WAITERS). The thread can no longer run the cmpxchg stub
 * (futex_atomic.ts), so the word is written by process_vm_writev (which
 * copies bytes, in any order within one write) in three writes chosen so that
 * no value a reader can see before the last is one a locker acts on (the
 * one-byte writes are single stores):
 *   1. set FUTEX_WAITERS (top byte): the word stays owned, only waiters
 *      could change it, and setting FUTEX_WAITERS is all they do;
 *   2. clear the three low bytes of the tid: still FUTEX_WAITERS, never 0
 *      (which user space takes with cmpxchg) and no FUTEX_OWNER_DIED (which
 *      glibc's robust lock takes over);
 *   3. write the top byte: FUTEX_OWNER_DIED, FUTEX_WAITERS if it was set.
 * A waiter that set FUTEX_WAITERS meanwhile and sleeps natively on a value
 * of the word from before is woken by wakeNativeWaiters.
 */
function markOwnerDied(mem: GuestMemory, uaddr: bigint, uval: number): void {
  const top = uaddr + 3n;
  if (!(uval & FUTEX_WAITERS)) mem.write(top, Buffer.of(((uval >>> 24) | 0x80) & 0xff));
  mem.write(uaddr, Buffer.alloc(3));
  mem.write(top, Buffer.of(((FUTEX_OWNER_DIED | (uval & FUTEX_WAITERS)) >>> 24) & 0xff));
}

/**
 * handle_futex_death: false when the word cannot be read (the walk stops).
 * `wake` is set when a waiter sleeping natively must re-check a word.
 */
function handleFutexDeath(mem: GuestMemory, uaddr: bigint, tid: number, pi: boolean, pendingOp: boolean, out: { wake: boolean }): boolean {
  if (uaddr & 3n) return false;
  let uval: number;
  try { uval = mem.readU32(uaddr); } catch { return false; }
  // The thread died between releasing the lock (word 0) and waking a waiter.
  if (pendingOp && !pi && uval === 0) { out.wake = true; return true; }
  if ((uval & FUTEX_TID_MASK) !== tid) return true;
  try { markOwnerDied(mem, uaddr, uval); } catch { return false; }
  // A PI futex's waiters sleep in the kernel: PiFutexes.ownerDied hands it over.
  if (!pi) out.wake = true;
  return true;
}

type Entry = { entry: bigint; pi: boolean };

/** The walk itself; a fault ends it, as in Linux (which then skips list_op_pending too). */
function walk(mem: GuestMemory, head: bigint, tid: number, out: { wake: boolean }): void {
  let { entry, pi } = fetchEntry(mem, head);
  const futexOffset = BigInt.asIntN(64, mem.readU64(head + 8n));
  const pending = fetchEntry(mem, head + 16n);
  let limit = ROBUST_LIST_LIMIT;
  while (entry !== head) {
    let next: Entry | null = null;
    try { next = fetchEntry(mem, entry); } catch { /* the walk ends after this entry */ }
    // The lock being taken or released (list_op_pending) is handled last.
    if (entry !== pending.entry && !handleFutexDeath(mem, entry + futexOffset, tid, pi, false, out)) return;
    if (!next) return;
    ({ entry, pi } = next);
    if (--limit === 0) break;
  }
  if (pending.entry) handleFutexDeath(mem, pending.entry + futexOffset, tid, pending.pi, true, out);
}

/** exit_robust_list: run for a thread at its exit, with its memory still there. */
export function exitRobustList(k: Kernel, t: Task): void {
  const head = t.robustList;
  if (!head) return;
  t.robustList = 0n;
  const out = { wake: false };
  try {
    walk(t.mem, head, t.tid, out);
  } catch {
    // An unreadable head: nothing to do, as Linux.
  }
  if (out.wake) wakeNativeWaiters(k, t);
}

/**
 * futex_wake for waiters sleeping in the host's FUTEX_WAIT: the tracer cannot
 * make a futex call on guest memory, so every guest thread running natively
 * is sent a SIGSTOP that the kernel discards at its signal-delivery-stop
 * (Kernel.signal). Its futex wait is restarted by the host, finds the word
 * changed and returns EAGAIN; glibc's lock loop then reads the word again.
 * Threads stopped in the kernel are not in a native wait and are left alone.
 */
export function wakeNativeWaiters(k: Kernel, except: Task): void {
  for (const t of k.tasks.values()) {
    if (t === except || t.kickPending || t.exiting || !t.host.runningNatively()) continue;
    t.kickPending = true;
    k.platform.tgkill(t.group.hostPid, t.host.tid, SIG.STOP);
  }
}
