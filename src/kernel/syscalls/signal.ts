// Signal system calls (kernel/signal.c): dispositions, and sending signals to
// processes and threads named by the kernel's pids. Delivery, masks and
// handlers are the host's; the kernel decides who may signal whom and which
// task a pid names, then sends through Kernel.sendSignal.
import { Errno, E } from '../../host/errno.js';
import { allocRegion, syscall, type HostRegion } from '../../host/libc.js';
import { CAP } from '../cred.js';
import type { Kernel } from '../kernel.js';
import { hostSignalMasks, SIG, SIG_DFL, sigbit } from '../signal.js';
import { SI_TKILL, SI_USER } from '../siginfo.js';
import type { Task, ThreadGroup } from '../task.js';
import { NR } from './names.js';
import { int, Native, register } from './table.js';

const NSIG = 64;
const SIGINFO_SIZE = 128;
const INT_MIN = -0x80000000;

// ---- dispositions ----

register('rt_sigaction', (_k, t, a) => {
  const sig = int(a[0]);
  if (a[3] !== 8n) throw new Errno(E.EINVAL);          // sizeof(sigset_t)
  let act: { handler: bigint; flags: number } | null = null;
  if (a[1] !== 0n) {
    // struct kernel_sigaction: handler, flags, restorer, mask (u64 each).
    const b = t.mem.read(a[1], 32);
    act = { handler: b.readBigUInt64LE(0), flags: b.readUInt32LE(8) };
  }
  if (sig < 1 || sig > NSIG || (act && (sig === SIG.KILL || sig === SIG.STOP))) throw new Errno(E.EINVAL);
  // The kernel keeps its copy (for SA_RESTART, SIGCHLD reaping, job control);
  // the host installs the handler itself.
  if (act) t.sighand.actions[sig] = act;
  return new Native(null);
});

register('rt_sigpending', () => new Native(null));

// ---- who may signal whom ----

/** valid_signal(): 0..64, taken as unsigned. */
const validSignal = (sig: number) => sig >= 0 && sig <= NSIG;

/** check_kill_permission(): EINVAL for a bad signal, EPERM unless the ids or CAP_KILL allow it. */
export function checkKill(t: Task, g: ThreadGroup, sig: number): void {
  if (!validSignal(sig)) throw new Errno(E.EINVAL);
  if (g === t.group) return;
  // A process whose threads are all gone (a zombie) has no credentials left
  // here; signalling it is harmless, so it is allowed.
  const tc = g.leader?.cred;
  if (!tc) return;
  const c = t.cred;
  const byCred = c.euid === tc.suid || c.euid === tc.uid || c.uid === tc.suid || c.uid === tc.uid || c.capable(CAP.KILL);
  if (byCred) return;
  // SIGCONT may always be sent within a session (job control).
  if (sig === SIG.CONT && g.sid === t.group.sid) return;
  throw new Errno(E.EPERM);
}

/**
 * SIGNAL_UNKILLABLE: init (pid 1) takes only the signals it has handlers for;
 * the others, SIGKILL and SIGSTOP included, are dropped when sent from inside.
 * A signal it blocks is kept pending (sig_ignored() never drops a blocked
 * signal): init may take it later with sigwait or a signalfd.
 */
export function droppedByInit(k: Kernel, g: ThreadGroup, sig: number): boolean {
  if (g !== k.initGroup) return false;
  const leader = g.leader;
  const act = leader?.sighand.actions[sig];
  if (act && act.handler !== SIG_DFL) return false;
  if (sig === SIG.KILL || sig === SIG.STOP || !leader) return true;
  const blocked = (leader.tempMask ?? hostSignalMasks(leader.host.tid)?.blocked ?? 0n) | (sigwaiting.get(leader) ?? 0n);
  return (blocked & sigbit(sig)) === 0n;
}

/** The set a thread of init waits for in rt_sigtimedwait (sig_ignored looks at real_blocked too). */
const sigwaiting = new WeakMap<Task, bigint>();

/** The live or zombie process a pid names (any thread's tid names its process, as in Linux). */
function processOf(k: Kernel, pid: number): ThreadGroup | null {
  const g = k.tasks.get(pid)?.group ?? k.groups.get(pid);
  return g && g.exitState !== 'dead' ? g : null;
}

/** group_send_sig_info(): checks, then sends sig (0 only probes). */
function sendToProcess(k: Kernel, t: Task, g: ThreadGroup, sig: number): void {
  checkKill(t, g, sig);
  if (sig && !droppedByInit(k, g, sig)) k.sendSignalToGroup(g, sig, { code: SI_USER, pid: t.pid, uid: t.cred.uid });
}

/** The result of group_send_sig_info() as an errno value (0 on success). */
function trySend(k: Kernel, t: Task, g: ThreadGroup, sig: number): number {
  try {
    sendToProcess(k, t, g, sig);
    return 0;
  } catch (e) {
    if (e instanceof Errno) return e.errno;
    throw e;
  }
}

// ---- kill ----

/** kill(-1): every process but init and the caller; EPERM counts only if nothing else failed. */
function killAll(k: Kernel, t: Task, sig: number): number {
  let count = 0, err = 0;
  for (const g of [...k.groups.values()]) {
    if (g.pid <= 1 || g === t.group || g.exitState === 'dead') continue;
    count++;
    const e = trySend(k, t, g, sig);
    if (e !== E.EPERM) err = e;
  }
  if (!count) throw new Errno(E.ESRCH);
  if (err) throw new Errno(err);
  return 0;
}

/** __kill_pgrp_info(): success if any member got it, else the last error. */
function killPgrp(k: Kernel, t: Task, pgid: number, sig: number): number {
  let success = false;
  let err: number = E.ESRCH;
  for (const g of [...k.groups.values()]) {
    if (g.pgid !== pgid || g.exitState === 'dead') continue;
    err = trySend(k, t, g, sig);
    if (!err) success = true;
  }
  if (!success) throw new Errno(err);
  return 0;
}

register('kill', (k, t, a) => {
  const pid = int(a[0]), sig = int(a[1]);
  if (pid > 0) {
    const g = processOf(k, pid);
    if (!g) throw new Errno(E.ESRCH);
    sendToProcess(k, t, g, sig);
    return 0;
  }
  if (pid === INT_MIN) throw new Errno(E.ESRCH);
  if (pid === -1) return killAll(k, t, sig);
  return killPgrp(k, t, pid === 0 ? t.group.pgid : -pid, sig);
});

// ---- tkill, tgkill ----

/**
 * do_send_specific(): the thread tid (of process tgid when tgid > 0). A
 * leader that exited before its other threads still holds its pid in Linux:
 * signals to it are accepted and lost. Returns the target, or null for such a leader.
 */
function specificTarget(k: Kernel, t: Task, tgid: number, tid: number, sig: number): Task | null {
  const p = k.tasks.get(tid);
  if (p && (tgid <= 0 || p.group.pid === tgid)) {
    checkKill(t, p.group, sig);
    return p;
  }
  const g = k.groups.get(tid);
  if (!p && g && g.exitState !== 'dead' && (tgid <= 0 || tgid === tid)) {
    checkKill(t, g, sig);
    return null;
  }
  throw new Errno(E.ESRCH);
}

function tkill(k: Kernel, t: Task, tgid: number, tid: number, sig: number): number {
  const p = specificTarget(k, t, tgid, tid, sig);
  if (p && sig && !droppedByInit(k, p.group, sig)) k.sendSignal(p, sig, true, { code: SI_TKILL, pid: t.pid, uid: t.cred.uid });
  return 0;
}

register('tkill', (k, t, a) => {
  const tid = int(a[0]);
  if (tid <= 0) throw new Errno(E.EINVAL);
  return tkill(k, t, 0, tid, int(a[1]));
});

register('tgkill', (k, t, a) => {
  const tgid = int(a[0]), tid = int(a[1]);
  if (tid <= 0 || tgid <= 0) throw new Errno(E.EINVAL);
  return tkill(k, t, tgid, tid, int(a[2]));
});

// ---- signals with a siginfo of the sender's making ----

let region: HostRegion | null = null;

/** Queues sig with info on the host process (or one of its threads); false if it is gone. */
function hostQueue(g: ThreadGroup, thread: Task | null, sig: number, info: Buffer): boolean {
  region ??= allocRegion(4096);
  info.copy(region.buf, 0, 0, SIGINFO_SIZE);
  const r = thread
    ? syscall(NR.rt_tgsigqueueinfo, g.hostPid, thread.host.tid, sig, region.addr)
    : syscall(NR.rt_sigqueueinfo, g.hostPid, sig, region.addr);
  return r >= 0;
}

/**
 * Sends sig with a siginfo the kernel or the sender made (si_code < 0 other
 * than SI_TKILL: the host lets tuml queue those to another process). SIGKILL
 * and SIGCONT also stop or continue the process, which Kernel.sendSignal does:
 * their payload is of no use, so they go that way.
 */
export function sendSignalInfo(k: Kernel, g: ThreadGroup, thread: Task | null, sig: number, info: Buffer): void {
  if (g.exitState !== 'running') return;
  if (sig === SIG.KILL || sig === SIG.CONT) {
    if (thread) k.sendSignal(thread, sig, true); else k.sendSignalToGroup(g, sig);
    return;
  }
  if (hostQueue(g, thread, sig, info)) k.interruptSleeper(g, thread, sig);
}

/** rt_sigqueueinfo forbids impersonating kill() or the kernel except towards oneself. */
function checkQueueCode(t: Task, info: Buffer, targetId: number): void {
  const code = info.readInt32LE(8);
  if ((code >= 0 || code === SI_TKILL) && t.tid !== targetId) throw new Errno(E.EPERM);
}

/**
 * A signal the caller queues to its own process or thread: the host runs the
 * call with host ids, so that any si_code is allowed as Linux allows it to
 * oneself; blocked sibling threads are interrupted afterwards.
 */
function queueToSelf(t: Task, hostIds: bigint[], thread: Task | null, sig: number): Native {
  const regs = t.host.regs.clone();
  regs.set('rdi', hostIds[0]);
  if (hostIds.length > 1) regs.set('rsi', hostIds[1]);
  return new Native(regs, (ret) => { if (ret === 0n) t.kernel.interruptSleeper(t.group, thread, sig); });
}

register('rt_sigqueueinfo', (k, t, a) => {
  const pid = int(a[0]), sig = int(a[1]);
  const info = t.mem.read(a[2], SIGINFO_SIZE);
  checkQueueCode(t, info, pid);
  const g = pid > 0 ? processOf(k, pid) : null;
  if (!g) throw new Errno(E.ESRCH);
  checkKill(t, g, sig);
  if (!sig || droppedByInit(k, g, sig)) return 0;
  if (g === t.group) return queueToSelf(t, [BigInt(g.hostPid)], null, sig);
  sendSignalInfo(k, g, null, sig, info);
  return 0;
});

register('rt_tgsigqueueinfo', (k, t, a) => {
  const tgid = int(a[0]), tid = int(a[1]), sig = int(a[2]);
  const info = t.mem.read(a[3], SIGINFO_SIZE);
  if (tid <= 0 || tgid <= 0) throw new Errno(E.EINVAL);
  checkQueueCode(t, info, tid);
  const p = specificTarget(k, t, tgid, tid, sig);
  if (!p || !sig || droppedByInit(k, p.group, sig)) return 0;
  if (p.group === t.group) return queueToSelf(t, [BigInt(p.group.hostPid), BigInt(p.host.tid)], p, sig);
  sendSignalInfo(k, p.group, p, sig, info);
  return 0;
});

// sigtimedwait and sigwaitinfo dequeue natively (the host holds the pending
// signals); the siginfo of a signal the kernel sent is then made the guest's.
register('rt_sigtimedwait', (k, t, a) => {
  // The host unblocks the waited signals for the wait (keeping the old mask
  // in real_blocked); they still count as blocked for init's rule.
  if (t.group === k.initGroup) sigwaiting.set(t, t.mem.read(a[0], 8).readBigUInt64LE(0));
  return new Native(null, (ret) => {
    sigwaiting.delete(t);
    const sig = Number(BigInt.asIntN(64, ret));
    if (sig > 0) k.sigInfos.fixDequeued(t, sig, a[1]);
  });
}, 'never');
