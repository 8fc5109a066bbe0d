// Job control on terminals (drivers/tty/tty_jobctrl.c, kernel/exit.c): a
// background process group that reads its controlling terminal gets SIGTTIN,
// one that writes it with TOSTOP or changes its settings gets SIGTTOU; an
// orphaned group gets EIO instead. A session leader's exit hangs up its
// terminal; a group orphaned with stopped members gets SIGHUP and SIGCONT.
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import { Interrupted } from '../../kernel/sched.js';
import { hostSignalMasks, sigbit, SIG, SIG_IGN } from '../../kernel/signal.js';
import type { Task, ThreadGroup } from '../../kernel/task.js';
import { L } from './termios.js';
import type { Tty } from './tty_io.js';

const SI_KERNEL = 0x80;

/** kill_pgrp from the kernel (a ^C, a hangup). */
export function signalPgrp(k: Kernel, pgid: number, sig: number): void {
  for (const g of [...k.groups.values()]) {
    if (g.pgid === pgid && g.exitState === 'running') k.sendSignalToGroup(g, sig, { code: SI_KERNEL });
  }
}

function isIgnored(task: Task, sig: number): boolean {
  const blocked = task.tempMask ?? hostSignalMasks(task.host.tid)?.blocked ?? 0n;
  return (blocked & sigbit(sig)) !== 0n || task.sighand.actions[sig].handler === SIG_IGN;
}

/**
 * will_become_orphaned_pgrp: no member has a parent in another group of the
 * same session (ignoring the process `ignore`, which is exiting).
 */
export function isOrphanedPgrp(k: Kernel, pgid: number, ignore: ThreadGroup | null = null): boolean {
  for (const g of k.groups.values()) {
    if (g.pgid !== pgid || g === ignore || g.exitState !== 'running') continue;
    const p = g.parent;
    if (!p || p === k.initGroup) continue;
    if (p.pgid !== pgid && p.sid === g.sid) return false;
  }
  return true;
}

/**
 * __tty_check_change: a process of a background group touching its
 * controlling terminal. The group is sent sig and the call restarts once the
 * process continues; an ignored/blocked sig lets the call go on (SIGTTIN: EIO);
 * an orphaned group gets EIO.
 */
export function ttyCheckChange(task: Task, tty: Tty, sig: number): void {
  const g = task.group;
  if (g.tty !== tty || tty.pgrp === null || tty.pgrp === g.pgid) return;
  if (isIgnored(task, sig)) {
    if (sig === SIG.TTIN) throw new Errno(E.EIO);
    return;
  }
  if (isOrphanedPgrp(task.kernel, g.pgid)) throw new Errno(E.EIO);
  signalPgrp(task.kernel, g.pgid, sig);
  // -ERESTARTSYS: the call is made again after the stop.
  throw new Interrupted(sig);
}

/** job_control() of n_tty_read. */
export function jobControlRead(task: Task, tty: Tty): void {
  if (!tty.isMaster) ttyCheckChange(task, tty, SIG.TTIN);
}

/** n_tty_write: with TOSTOP, background writers get SIGTTOU. */
export function jobControlWrite(task: Task, tty: Tty): void {
  if (!tty.isMaster && (tty.termios.lflag & L.TOSTOP)) ttyCheckChange(task, tty, SIG.TTOU);
}

/** session_clear_tty: no process of the session has a controlling terminal any more. */
export function sessionClearTty(k: Kernel, sid: number): void {
  for (const g of k.groups.values()) if (g.sid === sid) g.tty = null;
}

/**
 * disassociate_ctty: the session leader gives up its terminal (TIOCNOTTY,
 * or its exit). The foreground group gets SIGHUP (and SIGCONT when not
 * exiting); on exit a terminal that is not a pty is hung up.
 */
export function disassociateCtty(k: Kernel, g: ThreadGroup, onExit: boolean): void {
  const tty = g.tty;
  if (!tty) return;
  if (onExit && !tty.jobTty.link) tty.hangup();
  else if (tty.pgrp !== null) {
    signalPgrp(k, tty.pgrp, SIG.HUP);
    if (!onExit) signalPgrp(k, tty.pgrp, SIG.CONT);
  }
  tty.session = null;
  tty.pgrp = null;
  sessionClearTty(k, g.sid);
}

/**
 * At a process's exit (exit_notify, kill_orphaned_pgrp): a group it leaves
 * orphaned that has stopped members gets SIGHUP then SIGCONT. Both its own
 * group and its children's groups are looked at.
 */
export function exitJobControl(k: Kernel, g: ThreadGroup): void {
  if (g.sid === g.pid && g.tty) disassociateCtty(k, g, true);
  const check = (pgid: number, sid: number, parent: ThreadGroup) => {
    if (parent.pgid === pgid || parent.sid !== sid) return;
    if (!isOrphanedPgrp(k, pgid, g)) return;
    const stopped = [...k.groups.values()].some((x) => x.pgid === pgid && x.exitState === 'running' && x.stopped);
    if (!stopped) return;
    signalPgrp(k, pgid, SIG.HUP);
    signalPgrp(k, pgid, SIG.CONT);
  };
  if (g.parent) check(g.pgid, g.sid, g.parent);
  for (const c of g.children) if (c.exitState === 'running') check(c.pgid, c.sid, g);
}
