// ptrace(2) primitives for the tracer. Every call here must be made from the
// thread that traces the guests (Node's main thread, see platform.md).
import { syscall, scratch } from '../host/libc.js';

export const PTRACE = {
  PEEKDATA: 2, POKEDATA: 5, CONT: 7, KILL: 8, SINGLESTEP: 9, GETREGS: 12, SETREGS: 13,
  SYSCALL: 24, SETOPTIONS: 0x4200, GETEVENTMSG: 0x4201, GETSIGINFO: 0x4202, SETSIGINFO: 0x4203,
} as const;

export const PTRACE_O = {
  TRACESYSGOOD: 1, TRACEFORK: 2, TRACEVFORK: 4, TRACECLONE: 8, TRACEEXEC: 0x10,
  TRACEVFORKDONE: 0x20, TRACEEXIT: 0x40, TRACESECCOMP: 0x80, EXITKILL: 0x100000,
} as const;

export const PTRACE_EVENT = { FORK: 1, VFORK: 2, CLONE: 3, EXEC: 4, VFORK_DONE: 5, EXIT: 6, SECCOMP: 7 } as const;

const SYS_ptrace = 101;
const SYS_wait4 = 61;

// Scratch layout (offsets into the host scratch region) used by the tracer.
const REGS_OFF = 4096;        // struct user_regs_struct, 216 bytes
const WORD_OFF = 4096 + 512;  // one word for GETEVENTMSG / status
const SIGINFO_OFF = 4096 + 1024;
const RUSAGE_OFF = 4096 + 1536;  // struct rusage, 144 bytes

/** struct user_regs_struct offsets (arch/x86/include/asm/user_64.h). */
export const REG = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136,
  eflags: 144, rsp: 152, ss: 160, fs_base: 168, gs_base: 176,
} as const;
export const REGS_SIZE = 216;
/** The registers of system call arguments 1 to 6. */
export const ARG_REGS = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'] as const;

/** A thread's registers, copied out of the kernel at a stop. */
export class Regs {
  constructor(readonly buf: Buffer = Buffer.alloc(REGS_SIZE)) {}
  get(r: keyof typeof REG): bigint { return this.buf.readBigUInt64LE(REG[r]); }
  set(r: keyof typeof REG, v: bigint | number): void {
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), REG[r]);
  }
  /** System call arguments in the x86-64 order. */
  args(): bigint[] { return ARG_REGS.map((r) => this.get(r)); }
  setArgs(args: (number | bigint)[]): void { args.forEach((a, i) => this.set(ARG_REGS[i], BigInt(a))); }
  clone(): Regs { return new Regs(Buffer.from(this.buf)); }
}

export function ptrace(req: number, tid: number, addr: number | bigint = 0, data: number | bigint = 0): number {
  return syscall(SYS_ptrace, req, tid, addr, data);
}

export function getRegs(tid: number): Regs {
  const r = ptrace(PTRACE.GETREGS, tid, 0, scratch.addr + BigInt(REGS_OFF));
  if (r < 0) throw new Error(`ptrace GETREGS ${tid}: ${r}`);
  return new Regs(Buffer.from(scratch.buf.subarray(REGS_OFF, REGS_OFF + REGS_SIZE)));
}

export function setRegs(tid: number, regs: Regs): number {
  regs.buf.copy(scratch.buf, REGS_OFF);
  return ptrace(PTRACE.SETREGS, tid, 0, scratch.addr + BigInt(REGS_OFF));
}

export function getEventMsg(tid: number): number {
  ptrace(PTRACE.GETEVENTMSG, tid, 0, scratch.addr + BigInt(WORD_OFF));
  return Number(scratch.buf.readBigUInt64LE(WORD_OFF));
}

/** siginfo_t of the signal that stopped the thread (128 bytes). */
export function getSigInfo(tid: number): Buffer | null {
  const r = ptrace(PTRACE.GETSIGINFO, tid, 0, scratch.addr + BigInt(SIGINFO_OFF));
  if (r < 0) return null;
  return Buffer.from(scratch.buf.subarray(SIGINFO_OFF, SIGINFO_OFF + 128));
}

export function setSigInfo(tid: number, si: Buffer): number {
  si.copy(scratch.buf, SIGINFO_OFF, 0, 128);
  return ptrace(PTRACE.SETSIGINFO, tid, 0, scratch.addr + BigInt(SIGINFO_OFF));
}

export function peekData(tid: number, addr: bigint): bigint {
  // The raw syscall stores the word at *data (unlike glibc's wrapper).
  const r = ptrace(PTRACE.PEEKDATA, tid, addr, scratch.addr + BigInt(WORD_OFF));
  if (r < 0) throw new Error(`ptrace PEEKDATA: ${r}`);
  return scratch.buf.readBigUInt64LE(WORD_OFF);
}

export function pokeData(tid: number, addr: bigint, word: bigint): number {
  return ptrace(PTRACE.POKEDATA, tid, addr, BigInt.asUintN(64, word));
}

/** rusage: for a thread that is gone (not a stop), what the host says its process used (struct rusage). */
export interface WaitResult { tid: number; status: number; rusage?: Buffer }

const WNOHANG = 1, __WALL = 0x40000000;

/** wait4(pid, WNOHANG|__WALL): null when nothing is ready. */
export function waitAny(pid = -1): WaitResult | null {
  const r = syscall(SYS_wait4, pid, scratch.addr + BigInt(WORD_OFF), WNOHANG | __WALL, scratch.addr + BigInt(RUSAGE_OFF));
  if (r <= 0) return null;
  const status = scratch.buf.readInt32LE(WORD_OFF);
  // Guests are tuml's host children, not each other's: the kernel keeps
  // their children's usage itself and needs each dead process's own.
  const rusage = W.stopped(status) ? undefined : Buffer.from(scratch.buf.subarray(RUSAGE_OFF, RUSAGE_OFF + 144));
  return { tid: r, status, rusage };
}

export const W = {
  exited: (s: number) => (s & 0x7f) === 0,
  exitStatus: (s: number) => (s >> 8) & 0xff,
  signaled: (s: number) => (s & 0x7f) !== 0 && (s & 0x7f) !== 0x7f,
  termSig: (s: number) => s & 0x7f,
  coreDumped: (s: number) => (s & 0x80) !== 0,
  stopped: (s: number) => (s & 0xff) === 0x7f,
  stopSig: (s: number) => (s >> 8) & 0xff,
  event: (s: number) => (s >> 16) & 0xff,
};
