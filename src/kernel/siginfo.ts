// The siginfo of signals the kernel sends. The host delivers them, but as
// sent by the tuml process (si_pid would be tuml's host pid). The kernel
// remembers who really sent each one and, when the signal is delivered (the
// signal-delivery-stop) or dequeued (sigtimedwait), rewrites the siginfo to
// the guest's view: the sender's pid and uid, SIGCHLD's child and status.
import type { HostThread } from '../platform/ptrace-platform.js';
import type { Task, ThreadGroup } from './task.js';

export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_TKILL = -6;
export const CLD = { EXITED: 1, KILLED: 2, DUMPED: 3, TRAPPED: 4, STOPPED: 5, CONTINUED: 6 } as const;
const SIGCHLD = 17;

export interface SigInfo { code: number; pid?: number; uid?: number; status?: number }

/** The SIGCHLD info of a child whose wait status is status. */
export function childInfo(g: ThreadGroup, status: number): SigInfo {
  const uid = g.leader?.cred.uid ?? 0;
  if ((status & 0x7f) === 0) return { code: CLD.EXITED, pid: g.pid, uid, status: (status >> 8) & 0xff };
  return { code: status & 0x80 ? CLD.DUMPED : CLD.KILLED, pid: g.pid, uid, status: status & 0x7f };
}

export function encodeSigInfo(sig: number, info: SigInfo): Buffer {
  const b = Buffer.alloc(128);
  b.writeInt32LE(sig, 0);
  b.writeInt32LE(info.code, 8);
  b.writeInt32LE(info.pid ?? 0, 16);
  b.writeUInt32LE(info.uid ?? 0, 20);
  if (sig === SIGCHLD || info.status !== undefined) b.writeInt32LE(info.status ?? 0, 24);
  return b;
}

export class SigInfoQueue {
  private pending = new Map<Task | ThreadGroup, { sig: number; info: SigInfo }[]>();

  queue(target: Task | ThreadGroup, sig: number, info: SigInfo): void {
    let q = this.pending.get(target);
    if (!q) { q = []; this.pending.set(target, q); }
    // Standard signals do not queue: one pending instance keeps the first info.
    if (sig < 32 && q.some((e) => e.sig === sig)) return;
    q.push({ sig, info });
  }

  take(task: Task, sig: number): SigInfo | null {
    for (const target of [task, task.group] as (Task | ThreadGroup)[]) {
      const q = this.pending.get(target);
      const i = q ? q.findIndex((e) => e.sig === sig) : -1;
      if (q && i >= 0) {
        const [e] = q.splice(i, 1);
        if (q.length === 0) this.pending.delete(target);
        return e.info;
      }
    }
    return null;
  }

  /** Is this siginfo one that the tuml process itself caused (kill/tgkill from the kernel)? */
  private static fromKernel(si: Buffer): boolean {
    const code = si.readInt32LE(8);
    return (code === SI_USER || code === SI_TKILL) && si.readInt32LE(16) === process.pid;
  }

  /** At the signal-delivery-stop: give the handler the guest's siginfo. */
  fixDelivery(task: Task, th: HostThread, sig: number): void {
    const si = th.sigInfo();
    if (!si || !SigInfoQueue.fromKernel(si)) return;
    const info = this.take(task, sig) ?? { code: SI_KERNEL };
    th.setSigInfo(encodeSigInfo(sig, info));
  }

  /** After a native sigtimedwait/sigwaitinfo dequeued sig into guest memory at addr. */
  fixDequeued(task: Task, sig: number, addr: bigint): void {
    if (addr === 0n) return;
    let si: Buffer;
    try { si = task.mem.read(addr, 128); } catch { return; }
    if (!SigInfoQueue.fromKernel(si)) return;
    const info = this.take(task, sig) ?? { code: SI_KERNEL };
    task.mem.write(addr, encodeSigInfo(sig, info));
  }

  /** A process is gone: forget what was queued for it. */
  forget(g: ThreadGroup): void {
    this.pending.delete(g);
    for (const t of g.threads) this.pending.delete(t);
  }
}
