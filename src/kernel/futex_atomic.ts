// Atomic changes of a guest's futex word. Guest threads change their futex
// words with locked instructions while the kernel changes them too; the
// tracer cannot make a locked instruction on another process's memory
// (process_vm_writev copies bytes), so the kernel runs `lock cmpxchg` in the
// guest thread it is serving, from a page of code it places in the process.
import { Errno, E } from '../host/errno.js';
import { pokeData } from '../platform/ptrace.js';
import { NR } from './syscalls/names.js';
import type { Task } from './task.js';

const PROT_READ = 1, PROT_EXEC = 4;
const MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
const PAGE = 4096;

/**
 * The stub page's code, one 8-byte word. Assembly (Intel syntax):
 *
 * cmpxchg32:        ; eax = expected, rdi = the word's address, esi = the new value
 *   lock cmpxchg dword ptr [rdi], esi     ; f0 0f b1 37   eax = the old value
 *   int3                                  ; cc            back to the tracer
 *   int3; int3; int3                      ; cc cc cc      (padding)
 */
const STUB_WORD = Buffer.from('f00fb137cccccccc', 'hex').readBigUInt64LE(0);
const CMPXCHG32 = 0n;

/**
 * The process's stub page, mapped by an mmap injected into `t` the first
 * time. It is read-only and executable: ptrace's POKEDATA writes the code
 * (it may write where the guest may not).
 */
async function stubPage(t: Task): Promise<bigint> {
  const g = t.group;
  if (g.futexStub) return g.futexStub;
  const ret = BigInt.asIntN(64, await t.host.inject(NR.mmap, [0, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0]));
  if (ret < 0n && ret > -4096n) throw new Errno(Number(-ret) === E.ENOMEM ? E.ENOMEM : E.EFAULT);
  if (pokeData(t.host.tid, ret, STUB_WORD) < 0) throw new Errno(E.EFAULT);
  // Another thread of the process may have made one meanwhile: either serves.
  if (!g.futexStub) g.futexStub = ret;
  return g.futexStub;
}

/**
 * compare-and-exchange on the 32-bit word at uaddr of t's memory, run by t
 * (stopped at the system call being served): returns the value the word had;
 * it now holds `next` if that was `expected`. EFAULT if the word is not
 * writable.
 */
export async function cmpxchg32(t: Task, uaddr: bigint, expected: number, next: number): Promise<number> {
  const page = await stubPage(t);
  const regs = await t.host.runStub(page + CMPXCHG32, {
    rax: BigInt(expected >>> 0), rdi: uaddr, rsi: BigInt(next >>> 0),
  });
  if (!regs) throw new Errno(E.EFAULT);
  return Number(regs.get('rax') & 0xffffffffn);
}
