// fork, vfork, clone and clone3 (kernel/fork.c). The host creates the new
// process or thread natively; the kernel decides what it shares, gives it its
// pid, and rewrites what the host told the guest (the returned tid and the
// CLONE_*_SETTID words) into the kernel's pids. New processes are created with
// CLONE_PARENT so that every guest process is a host child of tuml and only
// the kernel does wait() bookkeeping.
import { Errno, E } from '../host/errno.js';
import type { HostThread } from '../platform/ptrace-platform.js';
import { NR } from './syscalls/names.js';
import { Native } from './syscalls/table.js';
import { forkInfo } from './syscalls/info.js';
import { PidFd } from './pidfd.js';
import { O } from '../fs/file.js';
import type { Kernel } from './kernel.js';
import { FsStruct, Task, ThreadGroup } from './task.js';
import { copyMntNs } from '../fs/namespace.js';
import { CAP } from './cred.js';
import { shmFork } from '../ipc/shm.js';

export const CLONE = {
  VM: 0x100, FS: 0x200, FILES: 0x400, SIGHAND: 0x800, PIDFD: 0x1000, PTRACE: 0x2000,
  VFORK: 0x4000, PARENT: 0x8000, THREAD: 0x10000, NEWNS: 0x20000, SYSVSEM: 0x40000,
  SETTLS: 0x80000, PARENT_SETTID: 0x100000, CHILD_CLEARTID: 0x200000, DETACHED: 0x400000,
  UNTRACED: 0x800000, CHILD_SETTID: 0x1000000, NEWCGROUP: 0x2000000, NEWUTS: 0x4000000,
  NEWIPC: 0x8000000, NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000, IO: 0x80000000,
} as const;
const NAMESPACES = CLONE.NEWNS | CLONE.NEWCGROUP | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWUSER |
  CLONE.NEWPID | CLONE.NEWNET;
const SIGCHLD = 17;

export interface CloneRequest {
  flags: number;
  exitSignal: number;
  parentTid: bigint;
  childTid: bigint;
  /** CLONE_PIDFD: where the parent's pidfd of the child goes (clone's parent_tid, clone3's pidfd). */
  pidfd: bigint;
}

function validate(req: CloneRequest): void {
  const f = req.flags;
  if ((f & CLONE.THREAD) && !(f & CLONE.SIGHAND)) throw new Errno(E.EINVAL);
  if ((f & CLONE.SIGHAND) && !(f & CLONE.VM)) throw new Errno(E.EINVAL);
  if ((f & CLONE.FS) && (f & CLONE.NEWNS)) throw new Errno(E.EINVAL);
  if (f & NAMESPACES & ~CLONE.NEWNS) throw new Errno(E.EPERM, 'namespaces other than mount namespaces are not supported yet');
  if (f & CLONE.PIDFD) {
    // Linux 6.1: no pidfds of single threads; CLONE_DETACHED is kept for later use.
    if (f & (CLONE.DETACHED | CLONE.THREAD)) throw new Errno(E.EINVAL);
    if ((f & CLONE.PARENT_SETTID) && req.pidfd === req.parentTid) throw new Errno(E.EINVAL);
  }
}

/**
 * CLONE_PIDFD is the kernel's to do: the host's pidfd would be a host fd in
 * the guest. Its fd is taken before the host clones (EMFILE fails the clone).
 */
function reservePidfd(parent: Task, req: CloneRequest): void {
  if (!(req.flags & CLONE.PIDFD)) return;
  const limit = parent.group.rlimits.nofile();
  let fd = 0;
  while (parent.files.fds.has(fd)) fd++;
  if (fd >= limit) throw new Errno(E.EMFILE);
}

/** Gives the parent its pidfd of the new child (before the child first runs, as copy_process does). */
function installPidfd(parent: Task, child: Task, req: CloneRequest): void {
  try {
    const fd = parent.files.install(new PidFd(child.group, O.RDWR), true, parent.group.rlimits.nofile());
    parent.mem.writeI32(req.pidfd, fd);
  } catch { /* the fd was taken meanwhile, or the pointer is bad: the child still exists */ }
}

/** Builds the kernel side of a clone and returns the Native action that lets the host do it. */
export function doClone(k: Kernel, parent: Task, req: CloneRequest, regs: Native['regs']): Native {
  validate(req);
  // The kernel makes the new mount namespace; the host never sees CLONE_NEWNS.
  if ((req.flags & CLONE.NEWNS) && !parent.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  reservePidfd(parent, req);
  const f = req.flags;
  const isThread = (f & CLONE.THREAD) !== 0;
  let child: Task | null = null;

  parent.pendingClone = {
    onChild(host: HostThread) {
      parent.pendingClone = null;
      child = makeChild(k, parent, host, req);
      // The host wrote its tid there before this fork event, and the child
      // has not run yet: a thread that exits at once clears the word
      // (CLONE_CHILD_CLEARTID) only after this.
      if (f & CLONE.PARENT_SETTID) {
        try { parent.mem.writeI32(req.parentTid, child.tid); } catch { /* as Linux: ignored */ }
      }
      if (f & CLONE.PIDFD) installPidfd(parent, child, req);
    },
  };
  return new Native(regs, (ret) => {
    parent.pendingClone = null;
    const r = BigInt.asIntN(64, ret);
    if (r < 0n) return r;
    if (!child) return -E.EAGAIN;
    return child.tid;
  });
}

function makeChild(k: Kernel, parent: Task, host: HostThread, req: CloneRequest): Task {
  const f = req.flags;
  const isThread = (f & CLONE.THREAD) !== 0;
  const tid = k.allocPid();
  let group: ThreadGroup;
  if (isThread) {
    group = parent.group;
    host.tgid = group.hostPid;
  } else {
    host.tgid = host.tid;
    group = new ThreadGroup(tid, host.tid);
    const pg = parent.group;
    group.parent = (f & CLONE.PARENT) && pg.parent ? pg.parent : pg;
    group.parent.children.add(group);
    group.pgid = pg.pgid;
    group.sid = pg.sid;
    group.tty = pg.tty;
    group.comm = pg.comm;
    group.exe = pg.exe;
    group.exeLoc = pg.exeLoc;
    group.cmdline = pg.cmdline;
    group.environ = pg.environ;
    group.rlimits = pg.rlimits.clone();
    group.exitSignal = req.exitSignal;
    group.futexStub = pg.futexStub;   // the memory is copied (or shared: CLONE_VM)
    k.groups.set(tid, group);
    if (!(f & CLONE.VM)) shmFork(pg, group);
    if (f & CLONE.VFORK) {
      // The parent is held by the host until the child execs or exits.
      group.vforkDone = () => { group.vforkDone = null; };
    }
  }
  const task = new Task(tid, group, host, {
    cred: parent.cred.clone(),
    fs: (f & CLONE.FS) ? parent.fs : parent.fs.clone(),
    files: (f & CLONE.FILES) ? parent.files : parent.files.clone(),
    sighand: (f & CLONE.SIGHAND) ? parent.sighand : parent.sighand.clone(),
  });
  task.kernel = k;
  task.mntns = (f & CLONE.NEWNS) ? copyMntNs(parent, task.fs) : parent.mntns;
  task.comm = parent.comm;
  if (f & CLONE.CHILD_CLEARTID) task.clearChildTid = req.childTid;
  group.threads.add(task);
  k.tasks.set(tid, task);
  task.pendingChildSettid = (f & CLONE.CHILD_SETTID) ? req.childTid : 0n;
  task.pendingChildArgs = parent.host.regs.args();
  forkInfo(parent, task);
  return task;
}

/** The new thread's first stop: fix its view of its own tid, then let it run. */
export function startChild(k: Kernel, host: HostThread): void {
  const task = host.task as Task | null;
  if (!task) return;
  if (task.pendingChildArgs) {
    // The child returns from the clone with the registers the host ran it
    // with: give it back the arguments its parent passed, as the parent gets.
    host.setArgs(task.pendingChildArgs);
    task.pendingChildArgs = null;
  }
  if (task.pendingChildSettid) {
    try { task.mem.writeI32(task.pendingChildSettid, task.tid); } catch { /* ignored, as Linux */ }
    task.pendingChildSettid = 0n;
  }
  k.platform.start(host);
}

/** Rewrites fork/vfork/clone/clone3 registers so new processes get CLONE_PARENT. */
export function cloneSyscall(k: Kernel, t: Task, nr: number, a: bigint[]): Native {
  const regs = t.host.regs.clone();
  let req: CloneRequest;
  if (nr === NR.fork || nr === NR.vfork) {
    const flags = nr === NR.vfork ? CLONE.VM | CLONE.VFORK : 0;
    req = { flags, exitSignal: SIGCHLD, parentTid: 0n, childTid: 0n, pidfd: 0n };
    regs.set('orig_rax', NR.clone);
    regs.set('rdi', BigInt(flags | CLONE.PARENT | SIGCHLD));
    regs.set('rsi', 0n); regs.set('rdx', 0n); regs.set('r10', 0n); regs.set('r8', 0n);
  } else if (nr === NR.clone) {
    // clone(flags, stack, parent_tid, child_tid, tls) on x86-64
    const raw = Number(BigInt.asUintN(32, a[0]));
    req = { flags: raw & ~0xff, exitSignal: raw & 0xff, parentTid: a[2], childTid: a[3], pidfd: a[2] };
    if (!(raw & CLONE.THREAD)) regs.set('rdi', BigInt(((raw | CLONE.PARENT) & ~(CLONE.PIDFD | CLONE.NEWNS)) >>> 0));
  } else {
    // clone3(struct clone_args *, size)
    const size = Number(a[1]);
    if (size < 64) throw new Errno(E.EINVAL);
    const args = t.mem.read(a[0], 64);
    const flags = Number(BigInt.asUintN(32, args.readBigUInt64LE(0)));
    req = {
      flags, exitSignal: Number(args.readBigUInt64LE(32)), childTid: args.readBigUInt64LE(16),
      parentTid: args.readBigUInt64LE(24), pidfd: args.readBigUInt64LE(8),
    };
    if (!(flags & CLONE.THREAD)) {
      // clone3 refuses CLONE_PARENT with an exit signal: the child inherits
      // tuml's (SIGCHLD) anyway, and the kernel keeps the one asked for.
      validate(req);
      const patched = Buffer.from(args);
      patched.writeBigUInt64LE(BigInt(((flags | CLONE.PARENT) & ~(CLONE.PIDFD | CLONE.NEWNS)) >>> 0), 0);
      patched.writeBigUInt64LE(0n, 32);
      t.mem.write(a[0], patched);
      const native = doClone(k, t, req, regs);
      return new Native(regs, (ret) => {
        try { t.mem.write(a[0], args); } catch { /* guest unmapped it */ }
        return native.after!(ret);
      });
    }
  }
  return doClone(k, t, req, regs);
}

export { FsStruct };
