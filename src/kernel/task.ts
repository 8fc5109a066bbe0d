// Tasks and thread groups (include/linux/sched.h): a Task is one guest thread,
// a ThreadGroup the process it belongs to. Each Task rides on a host thread of
// the platform; pids here are the kernel's own, never the host's.
import type { HostThread } from '../platform/ptrace-platform.js';
import { Cred } from './cred.js';
import { FdTable } from '../fs/fdtable.js';
import type { Location, MntNamespace } from '../fs/mount.js';
import { WaitQueue } from './wait.js';
import { SigHand } from './signal.js';
import { Rlimits } from './rlimit.js';
import { Rusage } from './rusage.js';
import type { Kernel } from './kernel.js';
import type { Tty } from '../drivers/tty/tty_io.js';

/** A clone the kernel let the host perform: told of the new host thread. */
export interface PendingClone {
  onChild(child: HostThread, kind: 'fork' | 'vfork' | 'clone'): void;
}

/** struct fs_struct: root, cwd and umask, shared by CLONE_FS. */
export class FsStruct {
  constructor(public root: Location, public cwd: Location, public umask = 0o022) {}
  clone(): FsStruct { return new FsStruct(this.root, this.cwd, this.umask); }
}

export type ExitState = 'running' | 'zombie' | 'dead';

/** A process: what threads of one thread group share. */
export class ThreadGroup {
  readonly threads = new Set<Task>();
  parent: ThreadGroup | null = null;
  readonly children = new Set<ThreadGroup>();
  exitState: ExitState = 'running';
  /** The wait status a parent's wait4 reports (Linux encoding). */
  exitCode = 0;
  /** Job control: stopped by a signal; the parent is told once (WUNTRACED). */
  stopped = false;
  stopReport: number | null = null;
  contReport = false;
  /** Waiters in wait4/waitid on this group's children. */
  readonly childWait = new WaitQueue();
  pgid: number;
  sid: number;
  /** The controlling terminal (signal->tty), shared by the session's processes that have it. */
  tty: Tty | null = null;
  comm = '';
  exe = '';
  /** The program's location (/proc/PID/exe), null before the first execve. */
  exeLoc: Location | null = null;
  cmdline: string[] = [];
  environ: string[] = [];
  rlimits = new Rlimits();
  /** The signal sent to the parent when this process exits. */
  exitSignal = 17;
  startTime = Date.now();
  /** Has called execve (setpgid on it by the parent is then EACCES). */
  didExec = false;
  /** Set while a vfork child borrows this process's memory. */
  vforkDone: (() => void) | null = null;
  /**
   * The page holding the kernel's machine-code stubs in this process's memory
   * (futex_atomic.ts), 0 until the first needs it. A fork's copy of the memory
   * has it too; execve drops it with the old memory.
   */
  futexStub = 0n;
  /** What the process itself used, as the host measured it when its last thread died. */
  selfUsage: Rusage | null = null;
  /** signal->cutime, cstime, ...: the usage of the children it reaped, and of theirs. */
  readonly childUsage = new Rusage();

  constructor(public pid: number, public hostPid: number) {
    this.pgid = pid;
    this.sid = pid;
  }

  get leader(): Task | undefined {
    for (const t of this.threads) if (t.tid === this.pid) return t;
    return this.threads.values().next().value;
  }
}

export class Task {
  cred: Cred;
  fs: FsStruct;
  /** nsproxy->mnt_ns: the mount tree the task sees. */
  mntns!: MntNamespace;
  files: FdTable;
  sighand: SigHand;
  /** The blocked system call's way out when a signal must interrupt it. */
  interrupt: ((sig: number) => void) | null = null;
  /**
   * A signal that came while this task was in a system call but not asleep
   * (between two sleeps of one call): its next sleep in the call ends at
   * once, as Linux's signal_pending() check before schedule() does.
   */
  missedSignal: number | null = null;
  /** The signal mask of a ppoll/pselect6/epoll_pwait in progress (it replaces the thread's). */
  tempMask: bigint | null = null;
  /** set_tid_address / CLONE_CHILD_CLEARTID pointer. */
  clearChildTid = 0n;
  comm = '';
  kernel!: Kernel;
  pendingClone: PendingClone | null = null;
  /** CLONE_CHILD_SETTID: where the new thread's tid goes before it first runs. */
  pendingChildSettid = 0n;
  /** The argument registers the parent passed to clone, restored in the child. */
  pendingChildArgs: bigint[] | null = null;
  /** set_robust_list: the head of the thread's robust futex list, walked when it exits (robust.ts). */
  robustList = 0n;
  /** The thread has reached its exit (PTRACE_EVENT_EXIT): it no longer owns PI futexes. */
  exiting = false;
  /** A SIGSTOP the kernel sent only to make a native futex wait re-check its word (robust.ts). */
  kickPending = false;
  /** Called at the exec event (true) or when execve failed (false). */
  pendingExec: ((ok: boolean) => void) | null = null;

  constructor(
    public tid: number,
    public group: ThreadGroup,
    public host: HostThread,
    init: { cred: Cred; fs: FsStruct; files: FdTable; sighand: SigHand },
  ) {
    this.cred = init.cred;
    this.fs = init.fs;
    this.files = init.files;
    this.sighand = init.sighand;
    host.task = this;
  }

  get pid(): number { return this.group.pid; }
  get mem() { return this.host.mem; }
}
