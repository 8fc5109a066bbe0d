// pidfd_open, pidfd_send_signal, pidfd_getfd (kernel/pid.c, kernel/signal.c).
// The PidFd file is in ../pidfd.ts; waitid(P_PIDFD) is in process.ts.
import { Errno, E } from '../../host/errno.js';
import { O } from '../../fs/file.js';
import { CAP } from '../cred.js';
import type { Kernel } from '../kernel.js';
import { PidFd, pidfdAt } from '../pidfd.js';
import { SI_TKILL, SI_USER } from '../siginfo.js';
import type { Task, ThreadGroup } from '../task.js';
import { dumpable } from './info.js';
import { NR } from './names.js';
import { checkKill, droppedByInit, sendSignalInfo } from './signal.js';
import { int, register, uint } from './table.js';

const PIDFD_NONBLOCK = O.NONBLOCK;
/** pidfd_send_signal(): whom to signal instead of the pidfd's process (Linux 6.9). */
const PIDFD_SIGNAL_THREAD = 1, PIDFD_SIGNAL_THREAD_GROUP = 2, PIDFD_SIGNAL_PROCESS_GROUP = 4;
const SIGINFO_SIZE = 128;

register('pidfd_open', (k, t, a) => {
  const pid = int(a[0]), flags = uint(a[1]);
  if (flags & ~PIDFD_NONBLOCK) throw new Errno(E.EINVAL);
  if (pid <= 0) throw new Errno(E.EINVAL);
  const thread = k.tasks.get(pid);
  const g = thread?.group ?? k.groups.get(pid);
  if (!g || g.exitState === 'dead') throw new Errno(E.ESRCH);
  // The tid of a thread that is not its process's leader: ENOENT (Linux 6.9
  // on; before, EINVAL). PIDFD_THREAD pidfds for single threads are not made.
  if (g.pid !== pid) throw new Errno(E.ENOENT);
  // A pidfd is always close-on-exec.
  return t.files.install(new PidFd(g, O.RDWR | (flags & PIDFD_NONBLOCK)), true, t.group.rlimits.nofile());
});

/** The process a pidfd names, ESRCH once it has been reaped (its pid has no task left). */
function liveGroup(f: PidFd): ThreadGroup {
  if (f.group.exitState === 'dead') throw new Errno(E.ESRCH);
  return f.group;
}

register('pidfd_send_signal', async (k, t, a) => {
  const sig = int(a[1]), flags = uint(a[3]);
  const scope = flags & (PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP);
  if (flags !== scope || (scope & (scope - 1))) throw new Errno(E.EINVAL);
  const f = pidfdAt(t, int(a[0]));
  let info: Buffer | null = null;
  const self = f.group === t.group && t.tid === t.group.pid && scope !== PIDFD_SIGNAL_PROCESS_GROUP;
  if (a[2] !== 0n) {
    info = t.mem.read(a[2], SIGINFO_SIZE);
    if (info.readInt32LE(0) !== sig) throw new Errno(E.EINVAL);
    // Only to oneself may one send a siginfo that impersonates kill() or the kernel.
    const code = info.readInt32LE(8);
    if (!self && (code >= 0 || code === SI_TKILL)) throw new Errno(E.EPERM);
  }
  const g = liveGroup(f);
  if (scope === PIDFD_SIGNAL_PROCESS_GROUP) return killPgrp(k, t, g.pgid, sig, info);
  checkKill(t, g, sig);
  if (!sig || droppedByInit(k, g, sig)) return 0;
  // PIDFD_SIGNAL_THREAD: the thread the pid names, the leader (gone: the signal is lost, as Linux's zombie leader).
  const thread = scope === PIDFD_SIGNAL_THREAD ? [...g.threads].find((x) => x.tid === g.pid) ?? null : null;
  if (scope === PIDFD_SIGNAL_THREAD && !thread) return 0;
  if (!info) {
    const si = { code: thread ? SI_TKILL : SI_USER, pid: t.pid, uid: t.cred.uid };
    if (thread) k.sendSignal(thread, sig, true, si); else k.sendSignalToGroup(g, sig, si);
    return 0;
  }
  if (self) {
    // The host lets a process queue any siginfo to itself: do it from the caller.
    const r = BigInt.asIntN(64, thread
      ? await t.host.inject(NR.rt_tgsigqueueinfo, [g.hostPid, thread.host.tid, sig, a[2]])
      : await t.host.inject(NR.rt_sigqueueinfo, [g.hostPid, sig, a[2]]));
    if (r < 0n) throw new Errno(Number(-r));
    return 0;
  }
  sendSignalInfo(k, g, thread, sig, info);
  return 0;
});

/** PIDFD_SIGNAL_PROCESS_GROUP: as kill(-pgid), success if any member got it. */
function killPgrp(k: Kernel, t: Task, pgid: number, sig: number, info: Buffer | null): number {
  let err: number = E.ESRCH, success = false;
  for (const g of [...k.groups.values()]) {
    if (g.pgid !== pgid || g.exitState === 'dead') continue;
    try {
      checkKill(t, g, sig);
      if (sig && !droppedByInit(k, g, sig)) {
        if (info) sendSignalInfo(k, g, null, sig, info);
        else k.sendSignalToGroup(g, sig, { code: SI_USER, pid: t.pid, uid: t.cred.uid });
      }
      success = true;
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
      err = e.errno;
    }
  }
  if (!success) throw new Errno(err);
  return 0;
}

/** ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS): same process, same real ids and dumpable, or CAP_SYS_PTRACE. */
function mayAttach(t: Task, target: Task): boolean {
  if (target.group === t.group) return true;
  const c = t.cred, tc = target.cred;
  const ids = c.uid === tc.euid && c.uid === tc.suid && c.uid === tc.uid &&
    c.gid === tc.egid && c.gid === tc.sgid && c.gid === tc.gid;
  const cap = c.capable(CAP.SYS_PTRACE);
  return (ids || cap) && (dumpable(target.group) === 1 || cap);
}

register('pidfd_getfd', (_k, t, a) => {
  const targetFd = int(a[1]), flags = uint(a[2]);
  if (flags) throw new Errno(E.EINVAL);
  const g = pidfdAt(t, int(a[0])).group;
  // The task the pid names is the leader; once it is exiting its files are gone.
  const leader = g.exitState === 'running' ? [...g.threads].find((x) => x.tid === g.pid) : undefined;
  if (!leader) throw new Errno(E.ESRCH);
  if (!mayAttach(t, leader)) throw new Errno(E.EPERM);
  const file = leader.files.get(targetFd);
  return t.files.install(file.get(), true, t.group.rlimits.nofile());
});
