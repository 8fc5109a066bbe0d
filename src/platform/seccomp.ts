// The seccomp-bpf filter every guest runs under, installed before its first
// instruction. It lets through only system calls confined to the calling
// process (its own memory, futexes, clocks, signal masks); every other call
// stops in the tracer (SECCOMP_RET_TRACE) and is served by the kernel.
// futex passes except for its PI operations: their futex words hold the
// guest's tids, which the host cannot resolve (see platform.md, "Futexes").
import { NR } from '../kernel/syscalls/names.js';

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_ALU_AND_K = 0x54;
const BPF_JA = 0x05;
const BPF_RET_K = 0x06;

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_TRACE = 0x7ff00000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const MAP_ANONYMOUS = 0x20;
export const FUTEX_CMD_MASK = 0x7f;   // the op without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME

/** futex operations whose word holds an owner's tid: the kernel serves them. */
export const FUTEX_PI_OPS = {
  LOCK_PI: 6, UNLOCK_PI: 7, TRYLOCK_PI: 8, WAIT_REQUEUE_PI: 11, CMP_REQUEUE_PI: 12, LOCK_PI2: 13,
} as const;

/** Calls that touch nothing but the calling process: they run natively. */
export const PASSTHROUGH = [
  // memory of the process itself (mmap only when anonymous: see below)
  'mprotect', 'munmap', 'brk', 'mremap', 'msync', 'mincore', 'madvise',
  'mlock', 'munlock', 'mlockall', 'munlockall', 'mlock2',
  'pkey_mprotect', 'pkey_alloc', 'pkey_free',
  // signal masks, handlers' return, waiting for a signal
  'rt_sigprocmask', 'rt_sigreturn', 'sigaltstack', 'pause', 'rt_sigsuspend',
  // time and sleeping
  'sched_yield', 'nanosleep', 'clock_nanosleep', 'clock_gettime', 'clock_getres', 'gettimeofday', 'time',
  'times',
  // futexes on the process's own memory (futex itself: see below; the
  // robust list is the kernel's, which walks it with guest tids at exit)
  'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue',
  // the thread's own state
  'arch_prctl', 'rseq', 'getrandom', 'membarrier', 'restart_syscall',
  'exit', 'exit_group',
].map((n) => {
  const nr = NR[n];
  if (nr === undefined) throw new Error(`seccomp: unknown syscall ${n}`);
  return nr;
});

interface Insn { code: number; jt: number; jf: number; k: number }

/** Builds the filter program (struct sock_filter[]) as bytes. */
export function buildFilter(): Buffer {
  const prog: Insn[] = [];
  const emit = (code: number, k: number, jt = 0, jf = 0) => prog.push({ code, jt, jf, k });
  // Labels are resolved at the end: the three return instructions close the program.
  const jumps: { at: number; target: 'allow' | 'trace' | 'kill'; onTrue: boolean | 'always' }[] = [];
  const jump = (code: number, k: number, target: 'allow' | 'trace' | 'kill', onTrue = true) => {
    jumps.push({ at: prog.length, target, onTrue });
    emit(code, k);
  };

  emit(BPF_LD_W_ABS, 4);                                   // A = arch
  jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 'kill', false);       // another ABI: kill
  emit(BPF_LD_W_ABS, 0);                                   // A = nr
  jump(BPF_JGE_K, X32_SYSCALL_BIT, 'trace');               // x32: the kernel says ENOSYS
  for (const nr of PASSTHROUGH) jump(BPF_JEQ_K, nr, 'allow');
  // futex passes through but for its PI operations.
  const piOps = Object.values(FUTEX_PI_OPS);
  emit(BPF_JEQ_K, NR.futex, 0, 2 + piOps.length + 1);
  emit(BPF_LD_W_ABS, 16 + 1 * 8);                          // A = op (args[1], low half)
  emit(BPF_ALU_AND_K, FUTEX_CMD_MASK);
  for (const op of piOps) jump(BPF_JEQ_K, op, 'trace');
  jumps.push({ at: prog.length, target: 'allow', onTrue: 'always' });
  emit(BPF_JA, 0);                                         // any other op: allow
  // mmap passes through only for anonymous memory; a file mapping names an fd
  // of the kernel's, so the kernel must serve it.
  emit(BPF_JEQ_K, NR.mmap, 0, 2);
  emit(BPF_LD_W_ABS, 16 + 3 * 8);                          // A = flags (args[3], low half)
  jump(BPF_JSET_K, MAP_ANONYMOUS, 'allow');
  const trace = prog.length; emit(BPF_RET_K, SECCOMP_RET_TRACE);
  const allow = prog.length; emit(BPF_RET_K, SECCOMP_RET_ALLOW);
  const kill = prog.length; emit(BPF_RET_K, SECCOMP_RET_KILL_PROCESS);
  const where = { trace, allow, kill };
  for (const j of jumps) {
    const off = where[j.target] - j.at - 1;
    if (j.onTrue === 'always') { prog[j.at].k = off; continue; }
    if (off > 255) throw new Error('seccomp: filter too long for a short jump');
    if (j.onTrue) prog[j.at].jt = off; else prog[j.at].jf = off;
  }
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((insn, i) => {
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(insn.jt, i * 8 + 2);
    out.writeUInt8(insn.jf, i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}
