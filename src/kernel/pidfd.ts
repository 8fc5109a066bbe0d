// pidfds (kernel/pid.c, kernel/fork.c pidfd_fops): a file that refers to a
// process. It stays valid when the pid is reused, polls readable once the
// whole process has exited, and names the process to pidfd_send_signal,
// pidfd_getfd and waitid(P_PIDFD).
import { Errno, E } from '../host/errno.js';
import { anonStat, File, POLL, type Stat } from '../fs/file.js';
import type { Task, ThreadGroup } from './task.js';

/** The open pidfds of each process, woken when it exits (do_notify_pidfd). */
const byGroup = new WeakMap<ThreadGroup, Set<PidFd>>();

export class PidFd extends File {
  private st: Stat = anonStat(0o600, 0xdn);

  constructor(readonly group: ThreadGroup, flags: number) {
    super(flags);
    let set = byGroup.get(group);
    if (!set) { set = new Set(); byGroup.set(group, set); }
    set.add(this);
  }

  describe(): string { return 'anon_inode:[pidfd]'; }
  override stat(): Stat { return this.st; }

  /** pidfd_poll(): readable once the whole thread group has exited (zombie or reaped). */
  override poll(): number { return this.group.exitState !== 'running' ? POLL.IN | POLL.RDNORM : 0; }

  protected override release(): void { byGroup.get(this.group)?.delete(this); }
}

/** The process has exited (its last thread is gone): wake pollers of its pidfds. */
export function notifyPidfds(g: ThreadGroup): void {
  const set = byGroup.get(g);
  if (set) for (const f of set) f.waitq.wake();
}

/** pidfd_pid(): the pidfd at fd, EBADF when fd is not one. */
export function pidfdAt(t: Task, fd: number): PidFd {
  const f = t.files.get(fd);
  if (!(f instanceof PidFd)) throw new Errno(E.EBADF);
  return f;
}
