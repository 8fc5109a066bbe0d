// Sleeping in the kernel. A task blocked in a system call stays stopped on the
// host while its handler awaits here; a wake-up re-checks the condition, a
// signal the kernel sends it interrupts the sleep (the dispatcher then restarts
// the call or fails it with EINTR, as Linux's -ERESTARTSYS handling does).
import type { Task } from './task.js';
import type { WaitQueue } from './wait.js';

/** Thrown out of a sleep that a signal interrupted. */
export class Interrupted extends Error {
  constructor(readonly sig: number) { super(`interrupted by signal ${sig}`); }
}

/**
 * Sleeps until one of the queues is woken, the timeout (ms) passes, or a
 * signal arrives. Resolves true when woken, false on timeout.
 */
export function sleepOn(task: Task, queues: WaitQueue[], timeoutMs: number | null = null): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const missed = task.missedSignal;
    if (missed !== null) { task.missedSignal = null; reject(new Interrupted(missed)); return; }
    const removers: (() => void)[] = [];
    let timer: NodeJS.Timeout | null = null;
    const done = () => {
      for (const r of removers) r();
      if (timer) clearTimeout(timer);
      task.interrupt = null;
    };
    const wake = () => { done(); resolve(true); };
    for (const q of queues) removers.push(q.add(wake));
    if (timeoutMs !== null) timer = setTimeout(() => { done(); resolve(false); }, Math.max(0, timeoutMs));
    task.interrupt = (sig) => { done(); reject(new Interrupted(sig)); };
  });
}

/** Waits until cond() holds (re-checked after every wake-up). */
export async function waitEvent(task: Task, queues: WaitQueue[], cond: () => boolean): Promise<void> {
  while (!cond()) await sleepOn(task, queues);
}
