// RLIMIT_FSIZE: how large a process may make a file (mm/filemap.c
// generic_write_check_limits, fs/attr.c inode_newsize_ok). The kernel writes
// guest files from its own process, which the guest's limit does not bind on
// the host, so every filesystem's write and truncate asks here.
import { Errno, E } from '../host/errno.js';
import { RLIMIT, RLIM_INFINITY } from '../kernel/rlimit.js';
import { SIG } from '../kernel/signal.js';
import { SI_USER } from '../kernel/siginfo.js';
import type { Task } from '../kernel/task.js';

/** send_sig(SIGXFSZ, current, 0): to the writing thread, as sent by its own process. */
function sendXfsz(task: Task): void {
  task.kernel.sendSignal(task, SIG.XFSZ, true, { code: SI_USER, pid: task.pid, uid: task.cred.uid });
}

/**
 * How many of len bytes may be written at the position pos() gives (null: not
 * a regular file, which has no limit). At or past the limit nothing may:
 * SIGXFSZ and EFBIG; across it the write is cut short at the limit, with no
 * signal. pos() is only asked when a limit is set.
 */
export function writeLimit(task: Task, len: number, pos: () => bigint | null): number {
  // The kernel's own writes at boot (kernelTask) belong to no process: no limit.
  const limit = task.group?.rlimits.cur[RLIMIT.FSIZE] ?? RLIM_INFINITY;
  if (limit === RLIM_INFINITY || len === 0) return len;
  const at = pos();
  if (at === null) return len;
  if (at >= limit) {
    sendXfsz(task);
    throw new Errno(E.EFBIG);
  }
  return at + BigInt(len) > limit ? Number(limit - at) : len;
}

/** truncate/ftruncate: growing a file past the limit is SIGXFSZ and EFBIG (shrinking is always allowed). */
export function truncateLimit(task: Task, newSize: bigint, oldSize: () => bigint): void {
  const limit = task.group.rlimits.cur[RLIMIT.FSIZE];
  if (limit === RLIM_INFINITY || newSize <= limit || newSize <= oldSize()) return;
  sendXfsz(task);
  throw new Errno(E.EFBIG);
}
