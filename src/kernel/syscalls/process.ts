// Process system calls: ids, fork/clone/exec, wait, sessions and groups.
import { Errno, E } from '../../host/errno.js';
import { cloneSyscall } from '../fork.js';
import { execve } from '../exec.js';
import { sleepOn } from '../sched.js';
import type { Kernel } from '../kernel.js';
import type { Task, ThreadGroup } from '../task.js';
import { NR } from './names.js';
import { int, Native, register } from './table.js';
import { W } from '../../platform/ptrace.js';
import { reapUsage, waitUsage } from '../rusage.js';
import { pidfdAt } from '../pidfd.js';

register('getpid', (_k, t) => t.pid);
register('gettid', (_k, t) => t.tid);
register('getppid', (_k, t) => t.group.parent?.pid ?? 0);
register('set_tid_address', (_k, t, a) => {
  t.clearChildTid = a[0];
  return new Native(null, () => t.tid);   // the host keeps the clear-on-exit word
});

register('fork', (k, t) => cloneSyscall(k, t, NR.fork, []));
register('vfork', (k, t) => cloneSyscall(k, t, NR.vfork, []));
register('clone', (k, t, a) => cloneSyscall(k, t, NR.clone, a));
register('clone3', (k, t, a) => cloneSyscall(k, t, NR.clone3, a));

register('execve', (k, t, a) => {
  if (t.group !== k.initGroup || t.group.exe !== '') return execve(k, t, -100, a[0], a[1], a[2], 0);
  // The first program of the machine: a failure is the user's to see, as env(1) reports it.
  const path = t.mem.readCString(a[0]);
  try {
    const n = execve(k, t, -100, a[0], a[1], a[2], 0);
    return new Native(n.regs, (ret) => {
      const r = Number(BigInt.asIntN(64, ret));
      if (r < 0) k.initExecError = { path, errno: -r };
      return n.after?.(ret);
    });
  } catch (e) {
    if (e instanceof Errno) k.initExecError = { path, errno: e.errno };
    throw e;
  }
});
register('execveat', (k, t, a) => execve(k, t, int(a[0]), a[1], a[2], a[3], int(a[4])));

// ---- wait ----

const WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x1000000;
const __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = 0x80000000;

interface Reaped { g: ThreadGroup; status: number; kind: 'exit' | 'stop' | 'cont' }

function selects(t: Task, g: ThreadGroup, which: { type: 'pid' | 'pgid' | 'all'; id: number }): boolean {
  if (which.type === 'all') return true;
  if (which.type === 'pid') return g.pid === which.id;
  return g.pgid === which.id;
}

/** One pass over the children: a report if one is ready, null if some may become ready, ECHILD if none can. */
function findChild(t: Task, which: { type: 'pid' | 'pgid' | 'all'; id: number }, options: number, reap: boolean): Reaped | null {
  let any = false;
  for (const g of t.group.children) {
    if (!selects(t, g, which)) continue;
    // A "clone" child (exit signal other than SIGCHLD) is waited for only with __WCLONE or __WALL.
    if (!(options & __WALL) && ((options & __WCLONE) !== 0) !== (g.exitSignal !== 17)) continue;
    any = true;
    if (g.exitState === 'zombie' && (options & WEXITED)) {
      if (reap) { reapUsage(t.group, g); t.kernel.release(g); }
      return { g, status: g.exitCode, kind: 'exit' };
    }
    if ((options & WUNTRACED) && g.stopped && g.stopReport !== null) {
      const sig = g.stopReport;
      if (reap) g.stopReport = null;
      return { g, status: (sig << 8) | 0x7f, kind: 'stop' };
    }
    if ((options & WCONTINUED) && g.contReport) {
      if (reap) g.contReport = false;
      return { g, status: 0xffff, kind: 'cont' };
    }
  }
  if (!any) throw new Errno(E.ECHILD);
  return null;
}

async function waitLoop(t: Task, which: { type: 'pid' | 'pgid' | 'all'; id: number }, options: number): Promise<Reaped | null> {
  for (;;) {
    const r = findChild(t, which, options, !(options & WNOWAIT));
    if (r || (options & WNOHANG)) return r;
    try {
      await sleepOn(t, [t.group.childWait]);
    } catch (e) {
      // As do_wait(): the children are looked at again before the signal is
      // taken (an auto-reaped child makes it ECHILD, not EINTR).
      const again = findChild(t, which, options, !(options & WNOWAIT));
      if (again) return again;
      throw e;
    }
  }
}

register('wait4', async (_k, t, a) => {
  const pid = int(a[0]);
  const options = int(a[2]);
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) throw new Errno(E.EINVAL);
  const which = pid > 0 ? { type: 'pid' as const, id: pid } : pid === -1 ? { type: 'all' as const, id: 0 } :
    { type: 'pgid' as const, id: pid === 0 ? t.group.pgid : -pid };
  const r = await waitLoop(t, which, options | WEXITED);
  if (!r) return 0;
  if (a[1] !== 0n) t.mem.writeI32(a[1], r.status);
  if (a[3] !== 0n) t.mem.write(a[3], waitUsage(r.g).encode());
  return r.g.pid;
});

register('waitid', async (_k, t, a) => {
  const idtype = int(a[0]), id = int(a[1]), options = int(a[3]);
  if (!(options & (WEXITED | WUNTRACED | WCONTINUED))) throw new Errno(E.EINVAL);
  if (idtype === 3 && id < 0) throw new Errno(E.EINVAL);
  const pidfd = idtype === 3 ? pidfdAt(t, id) : null;   // P_PIDFD
  const which = idtype === 0 ? { type: 'all' as const, id: 0 } : idtype === 1 ? { type: 'pid' as const, id } :
    idtype === 2 ? { type: 'pgid' as const, id: id === 0 ? t.group.pgid : id } :
    pidfd ? { type: 'pid' as const, id: pidfd.group.pid } : null;
  if (!which) throw new Errno(E.EINVAL);
  // A nonblocking pidfd makes the wait WNOHANG, and nothing to report EAGAIN.
  const r = await waitLoop(t, which, pidfd?.nonblock ? options | WNOHANG : options);
  if (!r && pidfd?.nonblock && !(options & WNOHANG)) throw new Errno(E.EAGAIN);
  if (r && a[4] !== 0n) t.mem.write(a[4], waitUsage(r.g).encode());
  if (a[2] !== 0n) {
    const si = Buffer.alloc(128);
    if (r) {
      si.writeInt32LE(17, 0);
      let code: number, status: number;
      if (r.kind === 'exit') {
        if (W.exited(r.status)) { code = 1; status = W.exitStatus(r.status); }
        else { code = W.coreDumped(r.status) ? 3 : 2; status = W.termSig(r.status); }
      } else if (r.kind === 'stop') { code = 5; status = r.status >> 8; } else { code = 6; status = 18; }
      si.writeInt32LE(code, 8);
      si.writeInt32LE(r.g.pid, 16);
      si.writeInt32LE(r.g.leader?.cred.uid ?? 0, 20);
      si.writeInt32LE(status, 24);
    }
    t.mem.write(a[2], si);
  }
  return 0;
});

// ---- sessions and process groups ----

function groupByPid(k: Kernel, pid: number): ThreadGroup {
  const g = k.groups.get(pid);
  if (!g || g.exitState === 'dead') throw new Errno(E.ESRCH);
  return g;
}

register('getpgrp', (_k, t) => t.group.pgid);
register('getpgid', (k, t, a) => (int(a[0]) === 0 ? t.group : groupByPid(k, int(a[0]))).pgid);
register('getsid', (k, t, a) => (int(a[0]) === 0 ? t.group : groupByPid(k, int(a[0]))).sid);
register('setsid', (k, t) => {
  const g = t.group;
  for (const o of k.groups.values()) if (o.pgid === g.pid && o !== g) throw new Errno(E.EPERM);
  if (g.pgid === g.pid) throw new Errno(E.EPERM);
  g.sid = g.pid; g.pgid = g.pid;
  g.tty = null;   // proc_clear_tty: a new session has no controlling terminal
  return g.pid;
});
register('setpgid', (k, t, a) => {
  const pid = int(a[0]) || t.pid;
  let pgid = int(a[1]);
  if (pgid < 0) throw new Errno(E.EINVAL);
  const g = groupByPid(k, pid);
  if (g !== t.group && g.parent !== t.group) throw new Errno(E.ESRCH);
  if (g !== t.group && g.didExec) throw new Errno(E.EACCES);
  if (g.sid === g.pid) throw new Errno(E.EPERM);
  if (g.sid !== t.group.sid) throw new Errno(E.EPERM);
  if (pgid === 0) pgid = g.pid;
  if (pgid !== g.pid) {
    const ok = [...k.groups.values()].some((o) => o.pgid === pgid && o.sid === t.group.sid && o.exitState !== 'dead');
    if (!ok) throw new Errno(E.EPERM);
  }
  g.pgid = pgid;
  return 0;
});
