// The kernel: owns the tasks, the pid namespace, the mount tree and the
// console, receives every guest stop from the platform and dispatches system
// calls through the syscall table.
import { Errno, E } from '../host/errno.js';
import { syscall } from '../host/libc.js';
import { HostThread, PtracePlatform, type PlatformHooks } from '../platform/ptrace-platform.js';
import { W } from '../platform/ptrace.js';
import { Cred } from './cred.js';
import { FdTable } from '../fs/fdtable.js';
import { Namei } from '../fs/namei.js';
import type { Location, MntNamespace } from '../fs/mount.js';
import { KERN, KernelLog } from './printk.js';
import { startKernel, defaultBootParams, type BootParams } from '../init/main.js';
import '../fs/overlayfs/super.js';
import { ConsoleFile } from '../drivers/char/console.js';
import { HostConsole, hostIsTty, openHostPts, parseConSpec, type ConChannel } from '../drivers/tty/console.js';
import { ttyOpen } from '../drivers/tty/tty_io.js';
import { exitJobControl } from '../drivers/tty/tty_jobctrl.js';
import '../drivers/tty/tty_aux.js';
import { devpts } from '../fs/devpts/inode.js';
import '../drivers/char/mem.js';
import '../mm/shmem.js';
import '../drivers/base/devtmpfs.js';
import '../fs/sysfs/sysfs.js';
import '../drivers/block/ubd.js';
import '../drivers/block/loop.js';
import { runExitcalls } from '../init/params.js';
import { syncAll } from '../fs/sync.js';
import '../fs/ext2/super.js';
import { FsStruct, Task, ThreadGroup } from './task.js';
import { SigHand, SIG, SIG_IGN, SIG_DFL, SA_NOCLDWAIT, SA_NOCLDSTOP, sigbit, hostSignalMasks, ignoredByDefault, isStopSignal } from './signal.js';
import { Interrupted } from './sched.js';
import { dispatchSyscall, type Restart } from './syscalls/table.js';
import { PiFutexes } from './futex.js';
import { exitRobustList } from './robust.js';
import { Tracer } from './trace.js';
import { SigInfoQueue, childInfo, CLD, type SigInfo } from './siginfo.js';
import { startChild } from './fork.js';
import { Rusage } from './rusage.js';
import { notifyPidfds } from './pidfd.js';
import { signalSent } from '../fs/signalfd.js';
import { applyHostRlimits } from './syscalls/info.js';
import { shmExit } from '../ipc/shm.js';
import { semExit } from '../ipc/sem.js';
import { aioExit } from '../fs/aio.js';

export interface BootOptions {
  /**
   * The program to run as pid 1 (a guest path) with its argv and envp: the
   * run mode (`tuml run -- CMD`), where the kernel also mounts /proc and the
   * other kernel filesystems first. Without it the kernel boots as Linux
   * does: init= or the first of /sbin/init, /etc/init, /bin/init, /bin/sh,
   * or tuml's boot script when the root is the host's /.
   */
  init?: string;
  argv?: string[];
  envp?: string[];
  /** Host directory that is the guest's root (hostfs) unless root= says otherwise; default "/". */
  hostRoot?: string;
  /** The first process's working directory, a guest path (run mode; default "/"). */
  cwd?: string;
  /** The kernel command line, UML style (mem=, root=, init=, ubd0=, quiet, ...). */
  cmdline?: string[];
  /** Print boot messages on the console (stderr) below this log level; default: 7, or 4 with quiet. */
  loglevel?: number;
  /** Write guest changes through to the host's / (the root is plain hostfs, no overlay). */
  rwHost?: boolean;
  /** Host directory that keeps the overlay root's upper layer across runs. */
  upper?: string;
  trace?: boolean;
  hostname?: string;
  /**
   * Let guests run on every host CPU. By default the kernel's tracing thread
   * and all guests share one host CPU, like a uniprocessor UML: a system call
   * then costs about half as much (no cross-CPU wake-up per stop).
   */
  smp?: boolean;
  /**
   * The console's channel as UML's con= gives it: fd:N, fd:N,fd:M, null or
   * pts. By default the console is tuml's stdin/stdout when both are a
   * terminal, and tuml's stdio passed through (not a terminal) otherwise.
   */
  console?: string;
}

export const UTS_RELEASE = '6.1.0-tuml';
export const UTS_VERSION = '#1 SMP PREEMPT_DYNAMIC tuml';

export class Kernel implements PlatformHooks {
  readonly platform: PtracePlatform;
  /** The initial mount namespace (init_mnt_ns), made at boot. */
  mntns!: MntNamespace;
  readonly namei = new Namei(() => this.mntns.root.rootLocation());
  /** The kernel log (dmesg). */
  readonly log = new KernelLog();
  /** The kernel command line as /proc/cmdline shows it. */
  cmdline = '';
  /** What the command line set (init/main.ts). */
  params: BootParams = defaultBootParams();
  readonly tasks = new Map<number, Task>();          // by guest tid
  readonly groups = new Map<number, ThreadGroup>();  // by guest pid
  private nextPid = 1;
  readonly bootTime = Date.now();
  /** Who sent the signals the kernel has queued on the host, to fix their siginfo. */
  readonly sigInfos = new SigInfoQueue();
  hostname = 'tuml';
  domainname = '(none)';
  /** The console on the host terminal, when tuml's stdin and stdout are one (drivers/tty/console.ts). */
  console: HostConsole | null = null;
  /** con= from the command line (BootOptions.console wins). */
  consoleSpec: string | null = null;
  tracer: Tracer | null = null;
  /** The PI futexes that have waiters (futex.ts). */
  readonly futexes = new PiFutexes(this);
  initGroup: ThreadGroup | null = null;
  /** Why the first program could not be started, if it could not. */
  initExecError: { path: string; errno: number } | null = null;
  private exitResolve!: (status: number) => void;
  /** Resolves with pid 1's wait status when it exits. */
  readonly finished: Promise<number>;

  constructor() {
    this.platform = new PtracePlatform(this);
    this.finished = new Promise((r) => { this.exitResolve = r; });
  }

  /** Processes and threads created since boot (/proc/stat "processes"). */
  forks = 0;

  allocPid(): number {
    this.forks++;
    while (this.groups.has(this.nextPid) || this.tasks.has(this.nextPid)) this.nextPid++;
    return this.nextPid++;
  }

  boot(opts: BootOptions): void {
    process.umask(0);  // the guest's umask is applied by the kernel
    if (opts.trace) this.tracer = new Tracer(this);
    if (opts.hostname) this.hostname = opts.hostname;
    const init = startKernel(this, opts);

    const th = this.platform.spawn({ path: init.path, argv: init.argv, envp: init.envp });
    if (!opts.smp) this.platform.pinTogether(th);
    const pid = this.allocPid();
    const group = new ThreadGroup(pid, th.tgid);
    const task = new Task(pid, group, th, {
      cred: new Cred(), fs: new FsStruct(init.root, init.cwd), files: new FdTable(), sighand: new SigHand(),
    });
    task.kernel = this;
    task.mntns = this.mntns;
    this.openConsole(task, opts.console ?? this.consoleSpec);
    group.threads.add(task);
    group.comm = 'init';
    this.groups.set(pid, group);
    this.tasks.set(pid, task);
    this.initGroup = group;
    applyHostRlimits(group);
    this.platform.start(th);
  }

  /**
   * fds 0, 1, 2 of init. With a host terminal they are the console, which is
   * init's controlling terminal (as if init had done TIOCSCTTY, so that
   * `tuml run -- bash -i` has job control); otherwise tuml's stdio passed through.
   */
  private openConsole(task: Task, spec: string | null): void {
    const files = task.files;
    let chan: ConChannel | null = null;
    if (spec !== null) {
      const c = parseConSpec(spec);
      chan = c === 'pts' ? openHostPts() : c;
    } else if (hostIsTty(0) && hostIsTty(1)) chan = { inFd: 0, outFd: 1 };
    if (chan) {
      this.console = new HostConsole(this, chan);
      let loc: Location | null = null;
      try { loc = this.namei.lookupCanonical('/dev/console'); } catch { /* no node: the file has no path */ }
      for (let fd = 0; fd < 3; fd++) {
        if (fd === 2 && spec === null && !hostIsTty(2)) { files.installAt(2, new ConsoleFile(2, 1, 'pipe:[stderr]'), false); continue; }
        const f = ttyOpen(task, this.console.tty, 2, true, true);   // init's fds are /dev/console's
        f.location = loc;
        files.installAt(fd, f, false);
      }
      const tty = this.console.tty;
      tty.session = task.group.sid; tty.pgrp = task.group.pgid; task.group.tty = tty;
      this.console.start();
      return;
    }
    const con = [new ConsoleFile(0, 0, 'pipe:[stdin]'), new ConsoleFile(1, 1, 'pipe:[stdout]'), new ConsoleFile(2, 1, 'pipe:[stderr]')];
    con.forEach((f, i) => files.installAt(i, f, false));
  }

  /**
   * machine_halt / machine_power_off (kernel/reboot.c after reboot(2)): the
   * machine stops as if init had exited with status 0; run() then kills the
   * guests and shuts down the devices. Nothing is synced here, as in Linux:
   * that is the caller's (busybox halt and init sync first).
   */
  halt(message: string): void {
    this.log.printk(KERN.EMERG, message);
    this.exitResolve(0);
  }

  shutdown(): void {
    this.console?.stop();
    this.platform.shutdown();
    // emergency_sync: what the guests left in the filesystems' caches reaches the images.
    syncAll();
    runExitcalls();
  }

  // ---- platform hooks ----

  syscall(th: HostThread): void {
    const task = th.task as Task | null;
    if (!task) { th.complete(-E.ENOSYS); return; }
    dispatchSyscall(this, task, th);
  }

  newThread(parent: HostThread, child: HostThread, kind: 'fork' | 'vfork' | 'clone'): void {
    const ptask = parent.task as Task;
    const pending = ptask?.pendingClone;
    if (!ptask || !pending) {
      // Not a clone the kernel asked for: should not happen; kill it.
      syscall(62, child.tgid, SIG.KILL);
      return;
    }
    pending.onChild(child, kind);
  }

  threadReady(th: HostThread): void {
    if (!th.task) { syscall(62, th.tgid, SIG.KILL); return; }
    startChild(this, th);
  }

  exec(th: HostThread, replaced: HostThread | null): void {
    const task = th.task as Task;
    if (!task) return;
    if (replaced) {
      const leader = replaced.task as Task | null;
      if (leader && leader !== task) {
        this.tasks.delete(leader.tid);
        task.group.threads.delete(leader);
        this.tasks.delete(task.tid);
        task.tid = task.group.pid;
        this.tasks.set(task.tid, task);
      }
    }
    task.pendingExec?.(true);
    task.pendingExec = null;
    // The old memory is gone, with the stub page and the robust list.
    task.group.futexStub = 0n;
    task.robustList = 0n;
  }

  exiting(th: HostThread, _status: number): void {
    const task = th.task as Task | null;
    if (!task) return;
    // futex_exit_release: its robust locks are marked FUTEX_OWNER_DIED and
    // the PI futexes it owned go to their waiters.
    task.exiting = true;
    exitRobustList(this, task);
    this.futexes.ownerDied(task.tid);
  }

  exited(th: HostThread, status: number, rusage?: Buffer): void {
    const task = th.task as Task | null;
    if (!task) return;
    // Each reap reports the whole process so far: the last is its total.
    if (rusage) task.group.selfUsage = Rusage.decode(rusage);
    this.taskExit(task, status);
  }

  signal(th: HostThread, sig: number): number {
    const task = th.task as Task | null;
    if (task && this.tracer) {
      const info = th.faultInfo();
      this.tracer.note(task, `signal ${sig}${info ? ` code ${info.code} addr 0x${info.addr.toString(16)} rip 0x${info.rip.toString(16)}` : ''}`);
    }
    if (task && sig === SIG.STOP && task.kickPending) {
      // A SIGSTOP the kernel sent to restart a native futex wait (robust.ts):
      // not delivered, unless a job-control stop sent meanwhile merged with it.
      task.kickPending = false;
      if (!task.group.stopped) return 0;
    }
    if (task) this.sigInfos.fixDelivery(task, th, sig);
    if (task && isStopSignal(sig)) return this.stopGroup(task, sig);
    return sig;
  }

  // ---- exit and wait ----

  private taskExit(task: Task, status: number): void {
    const g = task.group;
    task.interrupt = null;
    this.tasks.delete(task.tid);
    g.threads.delete(task);
    this.futexes.taskGone(task);
    if (task.clearChildTid) this.futexWakeAfterExit(task);
    if (g.threads.size > 0) {
      if (task.tid === g.pid) g.exitCode = status;
      return;
    }
    // The last thread: the process becomes a zombie for its parent.
    g.exitCode = task.tid === g.pid || !W.exited(g.exitCode) ? status : g.exitCode;
    if (task.tid !== g.pid && g.exitCode === 0) g.exitCode = status;
    task.files.closeAll();
    shmExit(this, g);
    semExit(this, g);
    aioExit(g);
    exitJobControl(this, g);
    g.exitState = 'zombie';
    notifyPidfds(g);
    g.vforkDone?.();
    this.reparentChildren(g);
    const parent = g.parent;
    if (g === this.initGroup) {
      this.exitResolve(g.exitCode);
      return;
    }
    if (!parent) { this.release(g); return; }
    const act = parentSigHand(parent)?.actions[SIG.CHLD];
    // SIG_IGN or SA_NOCLDWAIT: no zombie; only SIG_IGN also means no signal.
    const autoreap = !!act && (act.handler === SIG_IGN || (act.flags & SA_NOCLDWAIT) !== 0);
    if (autoreap) this.release(g);
    if (g.exitSignal && !(act && act.handler === SIG_IGN && g.exitSignal === SIG.CHLD)) {
      this.sendSignalToGroup(parent, g.exitSignal, childInfo(g, g.exitCode));
    }
    parent.childWait.wake();
  }

  private futexWakeAfterExit(_task: Task): void {
    // CLONE_CHILD_CLEARTID: the host kernel clears the word and wakes the futex itself.
  }

  /** Orphans go to init (pid 1), which reaps them. */
  private reparentChildren(g: ThreadGroup): void {
    const init = this.initGroup;
    for (const c of g.children) {
      c.parent = init && init !== g ? init : null;
      if (c.parent) {
        c.parent.children.add(c);
        if (c.exitState === 'zombie') c.parent.childWait.wake();
      } else if (c.exitState === 'zombie') this.release(c);
    }
    g.children.clear();
  }

  /** The zombie is reaped: its pid becomes free. */
  release(g: ThreadGroup): void {
    g.exitState = 'dead';
    g.parent?.children.delete(g);
    this.groups.delete(g.pid);
  }

  // ---- signals ----

  /** Job control: a stop signal is delivered; the process stops until SIGCONT. */
  private stopGroup(task: Task, sig: number): number {
    const act = task.sighand.actions[sig];
    if (act.handler !== SIG_DFL) return sig;
    // The kernel marked the process stopped when it sent the signal; if it is
    // not stopped now, a SIGCONT came since and cancels this stop (as Linux's
    // JOBCTL_STOP_DEQUEUED is cleared by SIGCONT).
    if (task.group.stopped) task.host.holdStopped = true;
    return 0;
  }

  /**
   * The process stops (do_signal_stop): the parent is told at once, even if
   * some threads are asleep in the kernel; each thread is held in its ptrace
   * stop when the host delivers it the stop signal.
   */
  private markStopped(g: ThreadGroup, sig: number): void {
    if (g.stopped) return;
    g.stopped = true;
    g.stopReport = sig;
    g.contReport = false;
    for (const t of g.threads) if (!t.host.holdStopped) this.platform.tgkill(g.hostPid, t.host.tid, SIG.STOP);
    const parent = g.parent;
    if (parent) {
      const pact = parentSigHand(parent)?.actions[SIG.CHLD];
      if (!(pact && (pact.flags & SA_NOCLDSTOP))) this.sendSignalToGroup(parent, SIG.CHLD, { code: CLD.STOPPED, pid: g.pid, uid: g.leader?.cred.uid ?? 0, status: sig });
      parent.childWait.wake();
    }
  }

  private continueGroup(g: ThreadGroup): void {
    if (!g.stopped) return;
    g.stopped = false;
    g.stopReport = null;
    g.contReport = true;
    for (const t of g.threads) t.host.releaseStop();
    const parent = g.parent;
    if (parent) {
      const pact = parentSigHand(parent)?.actions[SIG.CHLD];
      if (!(pact && (pact.flags & SA_NOCLDSTOP))) this.sendSignalToGroup(parent, SIG.CHLD, { code: CLD.CONTINUED, pid: g.pid, uid: g.leader?.cred.uid ?? 0, status: SIG.CONT });
      parent.childWait.wake();
    }
  }

  /** Sends sig to a thread (thread = true) or to its whole process; info says who sent it. */
  sendSignal(task: Task, sig: number, thread = false, info?: SigInfo): void {
    if (thread) this.deliver(task.group, task, sig, info);
    else this.deliver(task.group, null, sig, info);
  }

  sendSignalToGroup(g: ThreadGroup, sig: number, info?: SigInfo): void { this.deliver(g, null, sig, info); }

  private deliver(g: ThreadGroup, thread: Task | null, sig: number, info?: SigInfo): void {
    if (sig === 0 || g.exitState !== 'running') return;
    if (sig === SIG.CONT || sig === SIG.KILL) this.continueGroup(g);
    const target = thread ?? g.leader;
    if (!target) return;
    if (info) this.sigInfos.queue(thread ?? g, sig, info);
    if (thread) this.platform.tgkill(g.hostPid, thread.host.tid, sig);
    else syscall(62, g.hostPid, sig);
    signalSent();   // signalfd readers and pollers re-check
    if (isStopSignal(sig) && target.sighand.actions[sig].handler === SIG_DFL) this.markStopped(g, sig);
    this.interruptSleeper(g, thread, sig);
  }

  /**
   * After sig was queued on the host: a thread blocked in the kernel must
   * leave its call to take it. The first one (the target thread, or any of
   * the process) that neither ignores nor blocks sig is interrupted.
   */
  interruptSleeper(g: ThreadGroup, thread: Task | null, sig: number): void {
    const target = thread ?? g.leader;
    if (!target) return;
    const act = target.sighand.actions[sig];
    const ignored = act.handler === SIG_IGN || (act.handler === SIG_DFL && (ignoredByDefault(sig) || isStopSignal(sig)));
    if (ignored && sig !== SIG.KILL) return;
    const candidates = thread ? [thread] : [...g.threads];
    let awake: Task | null = null;
    for (const t of candidates) {
      if (!t.interrupt && awake) continue;
      const blocked = t.tempMask ?? hostSignalMasks(t.host.tid)?.blocked ?? 0n;
      if ((blocked & sigbit(sig)) && sig !== SIG.KILL) continue;
      if (!t.interrupt) { awake = t; continue; }
      t.interrupt(sig);
      return;
    }
    // Nobody asleep takes it: a thread between two sleeps of a call must not sleep again.
    if (awake && awake.missedSignal === null) awake.missedSignal = sig;
  }

  /** How a call interrupted by sig ends: restarted (SA_RESTART) or -EINTR. */
  restartAfter(task: Task, sig: number, restartable: Restart): boolean {
    if (restartable === 'always') return true;
    const act = task.sighand.actions[sig];
    if (act.handler === SIG_DFL || act.handler === SIG_IGN) return restartable !== 'never';
    return restartable === 'sys' && (act.flags & 0x10000000) !== 0;
  }

  static isInterrupted(e: unknown): e is Interrupted { return e instanceof Interrupted; }
}

function parentSigHand(g: ThreadGroup): SigHand | null {
  return g.leader?.sighand ?? null;
}

export { Errno };
