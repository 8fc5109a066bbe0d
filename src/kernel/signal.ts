// Signals (kernel/signal.c). Delivery itself is the host's: a guest's handlers,
// masks and sigreturn run natively, and the kernel sends a signal by a host
// tgkill to the target's host thread. The kernel keeps what it must decide on
// itself: the dispositions (for SIGCHLD reaping and SA_RESTART of calls that
// block in the kernel) and the interruption of those calls.
import { readFileSync } from 'node:fs';

export const SIG = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29,
  PWR: 30, SYS: 31,
} as const;

export const SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_RESTORER = 0x04000000,
  SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;

export const SIG_DFL = 0n, SIG_IGN = 1n;

export interface SigAction { handler: bigint; flags: number }

/** struct sighand_struct: the dispositions, shared by CLONE_SIGHAND. */
export class SigHand {
  readonly actions: SigAction[] = [];
  constructor() {
    for (let i = 0; i <= 64; i++) this.actions.push({ handler: SIG_DFL, flags: 0 });
  }
  clone(): SigHand {
    const s = new SigHand();
    this.actions.forEach((a, i) => { s.actions[i] = { ...a }; });
    return s;
  }
  /** execve: handlers go back to the default, ignored signals stay ignored. */
  resetOnExec(): void {
    for (const a of this.actions) if (a.handler !== SIG_IGN) { a.handler = SIG_DFL; a.flags = 0; }
  }
}

const STOP_SIGNALS = new Set<number>([SIG.STOP, SIG.TSTP, SIG.TTIN, SIG.TTOU]);
const IGNORE_BY_DEFAULT = new Set<number>([SIG.CHLD, SIG.CONT, SIG.URG, SIG.WINCH]);
const CORE_BY_DEFAULT = new Set<number>([SIG.QUIT, SIG.ILL, SIG.TRAP, SIG.ABRT, SIG.BUS, SIG.FPE, SIG.SEGV, SIG.XCPU, SIG.XFSZ, SIG.SYS]);

export const isStopSignal = (sig: number) => STOP_SIGNALS.has(sig);
export const ignoredByDefault = (sig: number) => IGNORE_BY_DEFAULT.has(sig);
export const dumpsCore = (sig: number) => CORE_BY_DEFAULT.has(sig);

/** The host's view of a thread's signal masks, from /proc/TID/status. */
export function hostSignalMasks(hostTid: number): { pending: bigint; blocked: bigint } | null {
  try {
    const s = readFileSync(`/proc/${hostTid}/status`, 'latin1');
    const field = (name: string) => {
      const m = new RegExp(`^${name}:\\s*([0-9a-f]+)`, 'm').exec(s);
      return m ? BigInt('0x' + m[1]) : 0n;
    };
    return { pending: field('SigPnd') | field('ShdPnd'), blocked: field('SigBlk') };
  } catch {
    return null;
  }
}

export const sigbit = (sig: number) => 1n << BigInt(sig - 1);
