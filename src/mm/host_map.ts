// Mapping a host file of the kernel's into a guest process: the guest opens
// it through /proc/<tuml>/fd/N (a path the kernel writes below its stack),
// maps it with the given arguments, and closes it again, all as calls the
// kernel injects into the stopped guest thread.
import { Errno } from '../host/errno.js';
import { O } from '../fs/file.js';
import type { Task } from '../kernel/task.js';
import { NR } from '../kernel/syscalls/names.js';
import { putBelowStack } from '../kernel/stack_scratch.js';

/** A raw return value as an errno (negative) or null when it is a result. */
export function injectedError(r: bigint): number | null {
  const v = BigInt.asIntN(64, r);
  return v < 0n && v > -4096n ? Number(v) : null;
}

/** mmap(addr, len, prot, flags, <hostFd opened with mode>, off) in t; the raw result. */
export async function mapHostFd(t: Task, hostFd: number, mode: number, addr: bigint, len: bigint, prot: number, flags: number, off: bigint): Promise<bigint> {
  const path = putBelowStack(t, Buffer.from(`/proc/${process.pid}/fd/${hostFd}\0`, 'latin1'));
  const gfd = await t.host.inject(NR.openat, [-100, path, mode | O.CLOEXEC, 0]);
  const e = injectedError(gfd);
  if (e !== null) throw new Errno(-e);
  const r = await t.host.inject(NR.mmap, [addr, len, prot, flags, gfd, off]);
  await t.host.inject(NR.close, [gfd]);
  return r;
}
