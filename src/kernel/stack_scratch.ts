// Scratch memory in a stopped guest thread for arguments of calls the kernel
// makes it run (injected or rewritten ones): below its stack pointer, past
// the 128-byte red zone, where the guest keeps nothing it relies on (a signal
// handler frame could land there at any time).
import type { Task } from './task.js';

const GAP = 1024n;

/** The 16-byte-aligned address of len bytes below t's stack. */
export function belowStack(t: Task, len: number): bigint {
  return (t.host.regs.get('rsp') - GAP - BigInt(len)) & ~15n;
}

/** Writes data below t's stack and returns where. */
export function putBelowStack(t: Task, data: Buffer): bigint {
  const at = belowStack(t, data.length);
  t.mem.write(at, data);
  return at;
}
