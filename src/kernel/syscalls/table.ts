// The system call table and dispatcher (arch/x86/entry/syscall_64.c). A
// handler is a function of (kernel, task, arguments) that returns the result,
// throws an Errno, or returns Native to let the host run the call itself. A
// handler that must block returns a promise; the task's host thread stays
// stopped meanwhile.
import { Errno, E } from '../../host/errno.js';
import type { HostThread } from '../../platform/ptrace-platform.js';
import type { Regs } from '../../platform/ptrace.js';
import type { Kernel } from '../kernel.js';
import { Interrupted } from '../sched.js';
import type { Task } from '../task.js';
import { NR, SYSCALL_NAMES } from './names.js';

/** Let the host execute the call (with changed registers), optionally fixing up its result. */
export class Native {
  /** after: at the call's return, with the thread's registers then (a new program's after execve). */
  constructor(readonly regs: Regs | null = null, readonly after?: (ret: bigint, regs?: Regs) => bigint | number | void) {}
}

export type SysRet = number | bigint | Native;
export type Handler = (k: Kernel, t: Task, a: bigint[]) => SysRet | Promise<SysRet>;
/**
 * How a call interrupted by a signal ends (Linux's -ERESTARTSYS family;
 * 'always' is -ERESTARTNOINTR: restarted even after a handler without SA_RESTART).
 */
export type Restart = 'sys' | 'nohand' | 'never' | 'always';

interface Entry { fn: Handler; restart: Restart }
const table = new Map<number, Entry>();

export function register(name: string, fn: Handler, restart: Restart = 'sys'): void {
  const nr = NR[name];
  if (nr === undefined) throw new Error(`syscall table: unknown syscall ${name}`);
  table.set(nr, { fn, restart });
}

/** Names of the calls the kernel implements (for docs/syscalls.md). */
export function implemented(): Set<string> {
  return new Set([...table.keys()].map((n) => SYSCALL_NAMES[n]));
}

export function dispatchSyscall(k: Kernel, task: Task, th: HostThread): void {
  task.missedSignal = null;   // taken on the host before this call began
  const nr = th.nr();
  const args = th.args();
  const entry = table.get(nr);
  const trace = k.tracer;
  const finish = (r: SysRet) => {
    if (r instanceof Native) {
      if (trace) {
        const after = r.after;
        th.continueNative(r.regs, (ret, regs) => {
          const v = after ? after(ret, regs) : undefined;
          trace.exit(task, nr, args, v === undefined ? ret : BigInt(v));
          return v;
        });
      } else th.continueNative(r.regs, r.after);
      return;
    }
    trace?.exit(task, nr, args, BigInt(r));
    th.complete(r);
  };
  const fail = (e: unknown) => {
    if (e instanceof Errno) { finish(-e.errno); return; }
    if (e instanceof Interrupted) {
      if (k.restartAfter(task, e.sig, entry?.restart ?? 'sys')) {
        trace?.note(task, `${SYSCALL_NAMES[nr]} restarted after signal ${e.sig}`);
        th.restart();
      } else finish(-E.EINTR);
      return;
    }
    console.error(`tuml: kernel bug in ${SYSCALL_NAMES[nr] ?? nr}:`, e);
    finish(-E.EFAULT);
  };
  trace?.enter(task, nr, args);
  if (!entry) { finish(-E.ENOSYS); return; }
  let r: SysRet | Promise<SysRet>;
  try {
    r = entry.fn(k, task, args);
  } catch (e) {
    fail(e);
    return;
  }
  if (r instanceof Promise) r.then(finish, fail);
  else finish(r);
}

// Argument helpers: the registers are unsigned 64-bit words.
export const int = (v: bigint) => Number(BigInt.asIntN(32, v));
export const uint = (v: bigint) => Number(BigInt.asUintN(32, v));
export const long = (v: bigint) => BigInt.asIntN(64, v);
export const size = (v: bigint) => {
  const n = BigInt.asIntN(64, v);
  if (n < 0n) throw new Errno(E.EINVAL);
  return n > 0x7ffff000n ? 0x7ffff000 : Number(n);
};
