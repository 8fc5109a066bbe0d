// System information and per-process knobs (kernel/sys.c, kernel/sched/core.c,
// block/ioprio.c): uname and hostnames, sysinfo, umask, resource limits,
// rusage, prctl, personality, scheduling policy, nice, CPU affinity and I/O
// priority.
//
// Where a setting has a real effect on how the host runs the guest (nice,
// scheduling policy, affinity, I/O priority, CPU and memory limits) it is
// also applied to the guest's host thread or process, as far as an
// unprivileged host user may; the guest always sees the value it set.
import { freemem, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { hostCpus, NR_CPUS } from '../cpus.js';
import { Errno, E } from '../../host/errno.js';
import { allocRegion, syscall, type HostRegion } from '../../host/libc.js';
import { CAP, CAP_LAST_CAP, type Cred } from '../cred.js';
import { UTS_RELEASE, UTS_VERSION, type Kernel } from '../kernel.js';
import { RLIM_NLIMITS, RLIMIT } from '../rlimit.js';
import type { Task, ThreadGroup } from '../task.js';
import { NR } from './names.js';
import { int, Native, register, uint } from './table.js';

// ---- state Linux keeps in task_struct, signal_struct and mm that Task lacks ----

interface TaskExtra {
  pdeathSig: number;          // prctl(PR_SET_PDEATHSIG)
  noNewPrivs: boolean;        // prctl(PR_SET_NO_NEW_PRIVS)
  ioFlusher: boolean;         // prctl(PR_SET_IO_FLUSHER)
  nice: number | null;        // null: the host thread's own value is the truth
  policy: number | null;      // sched_setscheduler; null as for nice
  rtPriority: number;
  resetOnFork: boolean;
  ioprio: number | null;      // ioprio_set; null as for nice
}

interface GroupExtra {
  dumpable: number;           // mm's MMF_DUMPABLE (prctl PR_SET_DUMPABLE)
  childSubreaper: boolean;    // signal_struct's is_child_subreaper
}

const taskExtras = new WeakMap<Task, TaskExtra>();
const groupExtras = new WeakMap<ThreadGroup, GroupExtra>();

function taskExtra(t: Task): TaskExtra {
  let x = taskExtras.get(t);
  if (!x) {
    x = { pdeathSig: 0, noNewPrivs: false, ioFlusher: false, nice: null, policy: null, rtPriority: 0, resetOnFork: false, ioprio: null };
    taskExtras.set(t, x);
  }
  return x;
}

function groupExtra(g: ThreadGroup): GroupExtra {
  let x = groupExtras.get(g);
  if (!x) { x = { dumpable: 1, childSubreaper: false }; groupExtras.set(g, x); }
  return x;
}

/** The signal a task asked to get when its parent dies (0: none); for the exit path. */
export const pdeathSignal = (t: Task) => taskExtras.get(t)?.pdeathSig ?? 0;
/** prctl(PR_SET_CHILD_SUBREAPER): orphans below this process are reparented to it. */
export const isChildSubreaper = (g: ThreadGroup) => groupExtras.get(g)?.childSubreaper ?? false;
export const noNewPrivs = (t: Task) => taskExtras.get(t)?.noNewPrivs ?? false;
export const dumpable = (g: ThreadGroup) => groupExtras.get(g)?.dumpable ?? 1;

/** fork/clone: what the child inherits (copy_process, sched_fork). */
export function forkInfo(parent: Task, child: Task): void {
  const p = taskExtras.get(parent);
  if (p) {
    const c = { ...p, pdeathSig: 0 };
    // SCHED_RESET_ON_FORK: the child starts as SCHED_OTHER with a non-negative nice.
    if (p.resetOnFork) {
      c.resetOnFork = false;
      if (c.policy === SCHED.FIFO || c.policy === SCHED.RR) { c.policy = SCHED.OTHER; c.rtPriority = 0; }
      if (c.nice !== null && c.nice < 0) c.nice = 0;
    }
    taskExtras.set(child, c);
  }
  if (child.group !== parent.group) {
    groupExtras.set(child.group, { dumpable: dumpable(parent.group), childSubreaper: false });
  }
}

/** execve: a set-id exec is not dumpable (suid_dumpable is 0), any other is. */
export function execInfo(t: Task, setid: boolean): void {
  groupExtra(t.group).dumpable = setid ? 0 : 1;
}

/** commit_creds() side effects: changed ids make the process undumpable and drop the parent-death signal. */
export function credsChanged(t: Task, old: Cred, c: Cred): void {
  const changed = old.euid !== c.euid || old.egid !== c.egid || old.fsuid !== c.fsuid || old.fsgid !== c.fsgid ||
    (c.capPermitted & ~old.capPermitted) !== 0n;
  if (!changed) return;
  groupExtra(t.group).dumpable = 0;
  const x = taskExtras.get(t);
  if (x) x.pdeathSig = 0;
}

// ---- host calls ----

let region: HostRegion | null = null;
/** A page of host memory for the arguments of host calls made here. */
function hostBuf(): HostRegion {
  region ??= allocRegion(4096);
  return region;
}

/** find_task_by_vpid(), with 0 meaning the caller. */
function findTask(k: Kernel, t: Task, pid: number): Task {
  const p = pid === 0 ? t : k.tasks.get(pid);
  if (!p) throw new Errno(E.ESRCH);
  return p;
}

// ---- uname, hostnames ----

const NEW_UTS_LEN = 64;
const PER_LINUX32 = 0x0008, UNAME26 = 0x0020000, PER_MASK = 0xff;

/** The caller's personality, which the host keeps (personality(2) runs natively). */
function personalityOf(t: Task): number {
  try {
    return parseInt(readFileSync(`/proc/${t.group.hostPid}/task/${t.host.tid}/personality`, 'latin1'), 16) || 0;
  } catch {
    return 0;
  }
}

/** override_release(): UNAME26 makes 6.x look like 2.6.(60+x) to old programs. */
function release(pers: number): string {
  if (!(pers & UNAME26)) return UTS_RELEASE;
  const m = /^(\d+)\.(\d+)(?:\.\d+)?(.*)$/.exec(UTS_RELEASE);
  return m ? `2.6.${Number(m[2]) + 60}${m[3]}` : UTS_RELEASE;
}

register('uname', (k, t, a) => {
  const pers = personalityOf(t);
  const machine = (pers & PER_MASK) === PER_LINUX32 ? 'i686' : 'x86_64';
  const fields = ['Linux', k.hostname, release(pers), UTS_VERSION, machine, k.domainname];
  const b = Buffer.alloc(fields.length * (NEW_UTS_LEN + 1));
  fields.forEach((s, i) => b.write(s.slice(0, NEW_UTS_LEN), i * (NEW_UTS_LEN + 1), 'latin1'));
  t.mem.write(a[0], b);
  return 0;
});

/** The bytes of a sethostname/setdomainname argument (not NUL-terminated). */
function utsName(t: Task, a: bigint[]): string {
  if (!t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  const len = int(a[1]);
  if (len < 0 || len > NEW_UTS_LEN) throw new Errno(E.EINVAL);
  return len ? t.mem.read(a[0], len).toString('latin1') : '';
}
register('sethostname', (k, t, a) => { k.hostname = utsName(t, a); return 0; });
register('setdomainname', (k, t, a) => { k.domainname = utsName(t, a); return 0; });

// ---- sysinfo ----

register('sysinfo', (k, t, a) => {
  // struct sysinfo (x86-64): uptime, loads[3], totalram, freeram, sharedram,
  // bufferram, totalswap, freeswap, u16 procs, totalhigh, freehigh, u32 mem_unit.
  const b = Buffer.alloc(112);
  const upMs = Date.now() - k.bootTime;
  b.writeBigInt64LE(BigInt(Math.ceil(upMs / 1000)), 0);   // Linux rounds a partial second up
  b.writeBigUInt64LE(BigInt(totalmem()), 32);
  b.writeBigUInt64LE(BigInt(freemem()), 40);
  b.writeUInt16LE(Math.min(k.tasks.size, 0xffff), 80);   // nr_threads
  b.writeUInt32LE(1, 104);
  t.mem.write(a[0], b);
  return 0;
});

// ---- umask ----

register('umask', (_k, t, a) => {
  const old = t.fs.umask;
  t.fs.umask = uint(a[0]) & 0o777;
  return old;
});

// ---- resource limits (do_prlimit) ----

const NR_OPEN = 1048576n;   // fs.nr_open

interface Rlim { cur: bigint; max: bigint }

function readRlim(t: Task, addr: bigint): Rlim {
  const b = t.mem.read(addr, 16);
  return { cur: b.readBigUInt64LE(0), max: b.readBigUInt64LE(8) };
}

function writeRlim(t: Task, addr: bigint, r: Rlim): void {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(r.cur, 0);
  b.writeBigUInt64LE(r.max, 8);
  t.mem.write(addr, b);
}

/** do_prlimit(): reads and/or sets one limit of target's process; `caller` is who asks. */
function doPrlimit(caller: Task, target: Task, resource: number, next: Rlim | null): Rlim {
  if (resource >= RLIM_NLIMITS) throw new Errno(E.EINVAL);
  if (next) {
    if (next.cur > next.max) throw new Errno(E.EINVAL);
    if (resource === RLIMIT.NOFILE && next.max > NR_OPEN) throw new Errno(E.EPERM);
  }
  const lim = target.group.rlimits;
  const old = { cur: lim.cur[resource], max: lim.max[resource] };
  if (!next) return old;
  if (next.max > old.max && !caller.cred.capable(CAP.SYS_RESOURCE)) throw new Errno(E.EPERM);
  lim.cur[resource] = next.cur;
  lim.max[resource] = next.max;
  mirrorRlimit(target.group, resource, next);
  return old;
}

/** Limits the host enforces on what the guest runs natively: CPU time and its own memory. */
const HOST_ENFORCED = new Set<number>([RLIMIT.CPU, RLIMIT.DATA, RLIMIT.STACK, RLIMIT.AS, RLIMIT.MEMLOCK, RLIMIT.RTTIME]);

/** For a new machine's first process: the host enforces the guest's limits from the start. */
export function applyHostRlimits(g: ThreadGroup): void {
  for (const r of HOST_ENFORCED) mirrorRlimit(g, r, { cur: g.rlimits.cur[r], max: g.rlimits.max[r] });
}

function mirrorRlimit(g: ThreadGroup, resource: number, r: Rlim): void {
  if (!HOST_ENFORCED.has(resource)) return;
  const { buf, addr } = hostBuf();
  const set = (cur: bigint, max: bigint) => {
    buf.writeBigUInt64LE(cur, 0);
    buf.writeBigUInt64LE(max, 8);
    return syscall(NR.prlimit64, g.hostPid, resource, addr, 0);
  };
  if (set(r.cur, r.max) >= 0) return;
  // The host refused to raise its hard limit: keep the host's, the soft one under it.
  if (syscall(NR.prlimit64, g.hostPid, resource, 0, addr + 16n) < 0) return;
  const max = buf.readBigUInt64LE(24);
  set(r.cur < max ? r.cur : max, max);
}

register('getrlimit', (_k, t, a) => {
  const r = doPrlimit(t, t, uint(a[0]), null);
  writeRlim(t, a[1], r);
  return 0;
});

register('setrlimit', (_k, t, a) => {
  const next = readRlim(t, a[1]);
  doPrlimit(t, t, uint(a[0]), next);
  return 0;
});

/** check_prlimit_permission(): another task's limits need all its ids to be ours, or CAP_SYS_RESOURCE. */
function mayPrlimit(t: Task, target: Task): boolean {
  if (target === t) return true;
  const c = t.cred, tc = target.cred;
  const idMatch = c.uid === tc.euid && c.uid === tc.suid && c.uid === tc.uid &&
    c.gid === tc.egid && c.gid === tc.sgid && c.gid === tc.gid;
  return idMatch || c.capable(CAP.SYS_RESOURCE);
}

register('prlimit64', (k, t, a) => {
  const next = a[2] !== 0n ? readRlim(t, a[2]) : null;
  const target = findTask(k, t, int(a[0]));
  if (!mayPrlimit(t, target)) throw new Errno(E.EPERM);
  const old = doPrlimit(t, target, uint(a[1]), next);
  if (a[3] !== 0n) writeRlim(t, a[3], old);
  return 0;
});

// ---- getrusage ----

const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;

register('getrusage', (_k, t, a) => {
  const who = int(a[0]);
  // The host's accounting of the caller itself is the truth.
  if (who === RUSAGE_SELF || who === RUSAGE_THREAD) return new Native(null);
  if (who !== RUSAGE_CHILDREN) throw new Errno(E.EINVAL);
  // Guest children are not host children of the guest: the kernel accounts
  // for them as it reaps them (rusage.ts).
  t.mem.write(a[1], t.group.childUsage.encode());
  return 0;
});

// ---- prctl ----

const PR = {
  SET_PDEATHSIG: 1, GET_PDEATHSIG: 2, GET_DUMPABLE: 3, SET_DUMPABLE: 4, GET_KEEPCAPS: 7, SET_KEEPCAPS: 8,
  GET_TIMING: 13, SET_TIMING: 14, SET_NAME: 15, GET_NAME: 16, GET_SECCOMP: 21, SET_SECCOMP: 22,
  CAPBSET_READ: 23, CAPBSET_DROP: 24, GET_TSC: 25, SET_TSC: 26, GET_SECUREBITS: 27, SET_SECUREBITS: 28,
  SET_TIMERSLACK: 29, GET_TIMERSLACK: 30, TASK_PERF_EVENTS_DISABLE: 31, TASK_PERF_EVENTS_ENABLE: 32,
  MCE_KILL: 33, MCE_KILL_GET: 34, SET_MM: 35, SET_CHILD_SUBREAPER: 36, GET_CHILD_SUBREAPER: 37,
  SET_NO_NEW_PRIVS: 38, GET_NO_NEW_PRIVS: 39, GET_TID_ADDRESS: 40, SET_THP_DISABLE: 41, GET_THP_DISABLE: 42,
  CAP_AMBIENT: 47, GET_SPECULATION_CTRL: 52, SET_SPECULATION_CTRL: 53, SET_IO_FLUSHER: 57, GET_IO_FLUSHER: 58,
  SET_SYSCALL_USER_DISPATCH: 59, SET_MDWE: 65, GET_MDWE: 66,
  SET_VMA: 0x53564d41, GET_AUXV: 0x41555856,
} as const;

/** Options confined to the calling thread or its own memory: the host serves them. */
const PRCTL_NATIVE = new Set<number>([
  PR.GET_TSC, PR.SET_TSC, PR.SET_TIMERSLACK, PR.GET_TIMERSLACK, PR.MCE_KILL, PR.MCE_KILL_GET,
  PR.SET_THP_DISABLE, PR.GET_THP_DISABLE, PR.GET_SPECULATION_CTRL, PR.SET_SPECULATION_CTRL,
  PR.SET_SYSCALL_USER_DISPATCH, PR.SET_MDWE, PR.GET_MDWE, PR.SET_VMA, PR.GET_AUXV,
]);

const TASK_COMM_LEN = 16;
const SECBIT_KEEP_CAPS = 0x10;
const SECURE_ALL_BITS = 0x55, SECURE_ALL_LOCKS = 0xaa;
const PR_CAP_AMBIENT = { IS_SET: 1n, RAISE: 2n, LOWER: 3n, CLEAR_ALL: 4n };

type PrctlHandler = (k: Kernel, t: Task, a: bigint[]) => number | Native;

/** A cap number as prctl takes it (unsigned long), checked by cap_valid(). */
function capArg(v: bigint): bigint {
  if (v > BigInt(CAP_LAST_CAP)) throw new Errno(E.EINVAL);
  return 1n << v;
}

function setCred(t: Task, change: (c: Cred) => void): number {
  const c = t.cred.clone();
  change(c);
  t.cred = c;
  return 0;
}

/** strncpy_from_user() of at most 15 bytes: the new comm. */
function readComm(t: Task, addr: bigint): string {
  const b = t.mem.readPartial(addr, TASK_COMM_LEN - 1);
  const z = b.indexOf(0);
  if (z < 0 && b.length < TASK_COMM_LEN - 1) throw new Errno(E.EFAULT);
  return b.subarray(0, z < 0 ? b.length : z).toString('latin1');
}

function prctlAmbient(t: Task, a: bigint[]): number {
  const [op, cap, x4, x5] = a.slice(1, 5);
  if (op === PR_CAP_AMBIENT.CLEAR_ALL) {
    if (cap | x4 | x5) throw new Errno(E.EINVAL);
    return setCred(t, (c) => { c.capAmbient = 0n; });
  }
  if (x4 | x5) throw new Errno(E.EINVAL);
  const b = capArg(cap);
  const c = t.cred;
  if (op === PR_CAP_AMBIENT.IS_SET) return (c.capAmbient & b) ? 1 : 0;
  if (op === PR_CAP_AMBIENT.RAISE) {
    if (!(c.capPermitted & b) || !(c.capInheritable & b)) throw new Errno(E.EPERM);
    return setCred(t, (n) => { n.capAmbient |= b; });
  }
  if (op === PR_CAP_AMBIENT.LOWER) return setCred(t, (n) => { n.capAmbient &= ~b; });
  throw new Errno(E.EINVAL);
}

const prctls = new Map<number, PrctlHandler>([
  [PR.SET_PDEATHSIG, (_k, t, a) => {
    if (a[1] > 64n) throw new Errno(E.EINVAL);
    taskExtra(t).pdeathSig = Number(a[1]);
    return 0;
  }],
  [PR.GET_PDEATHSIG, (_k, t, a) => { t.mem.writeI32(a[1], pdeathSignal(t)); return 0; }],
  [PR.GET_DUMPABLE, (_k, t) => dumpable(t.group)],
  [PR.SET_DUMPABLE, (_k, t, a) => {
    if (a[1] !== 0n && a[1] !== 1n) throw new Errno(E.EINVAL);
    groupExtra(t.group).dumpable = Number(a[1]);
    return 0;
  }],
  [PR.GET_KEEPCAPS, (_k, t) => (t.cred.keepCaps ? 1 : 0)],
  [PR.SET_KEEPCAPS, (_k, t, a) => {
    if (a[1] > 1n) throw new Errno(E.EINVAL);
    return setCred(t, (c) => { c.keepCaps = a[1] === 1n; });
  }],
  [PR.GET_SECUREBITS, (_k, t) => (t.cred.keepCaps ? SECBIT_KEEP_CAPS : 0)],
  [PR.SET_SECUREBITS, (_k, t, a) => {
    if ((a[1] & ~BigInt(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) || !t.cred.capable(CAP.SETPCAP)) throw new Errno(E.EPERM);
    // Only SECBIT_KEEP_CAPS is kept so far (Cred has no securebits word).
    if (a[1] & ~BigInt(SECBIT_KEEP_CAPS)) throw new Errno(E.EINVAL);
    return setCred(t, (c) => { c.keepCaps = a[1] !== 0n; });
  }],
  [PR.GET_TIMING, () => 0],
  [PR.SET_TIMING, (_k, _t, a) => { if (a[1] !== 0n) throw new Errno(E.EINVAL); return 0; }],
  [PR.SET_NAME, (_k, t, a) => {
    t.comm = readComm(t, a[1]);
    if (t.tid === t.group.pid) t.group.comm = t.comm;
    return 0;
  }],
  [PR.GET_NAME, (_k, t, a) => {
    const b = Buffer.alloc(TASK_COMM_LEN);
    b.write(t.comm.slice(0, TASK_COMM_LEN - 1), 'latin1');
    t.mem.write(a[1], b);
    return 0;
  }],
  // The guest's own seccomp state, not the filter tuml runs it under.
  [PR.GET_SECCOMP, () => 0],
  [PR.SET_SECCOMP, () => { throw new Errno(E.EINVAL); }],
  [PR.CAPBSET_READ, (_k, t, a) => ((t.cred.capBounding & capArg(a[1])) ? 1 : 0)],
  [PR.CAPBSET_DROP, (_k, t, a) => {
    if (!t.cred.capable(CAP.SETPCAP)) throw new Errno(E.EPERM);
    const b = capArg(a[1]);
    return setCred(t, (c) => { c.capBounding &= ~b; });
  }],
  [PR.CAP_AMBIENT, (_k, t, a) => prctlAmbient(t, a)],
  [PR.TASK_PERF_EVENTS_DISABLE, () => 0],
  [PR.TASK_PERF_EVENTS_ENABLE, () => 0],
  // PR_SET_MM rewrites the host's view of the memory map: only the host may say yes.
  [PR.SET_MM, (_k, t) => {
    if (!t.cred.capable(CAP.SYS_RESOURCE)) throw new Errno(E.EPERM);
    return new Native(null);
  }],
  [PR.SET_CHILD_SUBREAPER, (_k, t, a) => { groupExtra(t.group).childSubreaper = a[1] !== 0n; return 0; }],
  [PR.GET_CHILD_SUBREAPER, (_k, t, a) => { t.mem.writeI32(a[1], isChildSubreaper(t.group) ? 1 : 0); return 0; }],
  [PR.SET_NO_NEW_PRIVS, (_k, t, a) => {
    if (a[1] !== 1n || a[2] || a[3] || a[4]) throw new Errno(E.EINVAL);
    taskExtra(t).noNewPrivs = true;
    return 0;
  }],
  [PR.GET_NO_NEW_PRIVS, (_k, t, a) => {
    if (a[1] || a[2] || a[3] || a[4]) throw new Errno(E.EINVAL);
    return noNewPrivs(t) ? 1 : 0;
  }],
  [PR.GET_TID_ADDRESS, (_k, t, a) => { t.mem.writeU64(a[1], t.clearChildTid); return 0; }],
  [PR.SET_IO_FLUSHER, (_k, t, a) => {
    if (!t.cred.capable(CAP.SYS_RESOURCE)) throw new Errno(E.EPERM);
    if (a[2] || a[3] || a[4] || a[1] > 1n) throw new Errno(E.EINVAL);
    taskExtra(t).ioFlusher = a[1] === 1n;
    return 0;
  }],
  [PR.GET_IO_FLUSHER, (_k, t, a) => {
    if (!t.cred.capable(CAP.SYS_RESOURCE)) throw new Errno(E.EPERM);
    if (a[1] || a[2] || a[3] || a[4]) throw new Errno(E.EINVAL);
    return taskExtras.get(t)?.ioFlusher ? 1 : 0;
  }],
]);

register('prctl', (k, t, a) => {
  const option = int(a[0]);
  if (PRCTL_NATIVE.has(option)) return new Native(null);
  const h = prctls.get(option);
  if (!h) throw new Errno(E.EINVAL);
  return h(k, t, a);
});

// personality(2) only changes the calling thread (and what its execs inherit):
// the host keeps it, and uname() above reads it back.
register('personality', () => new Native(null));

// ---- CPUs: the guest sees CPUs 0..n-1, the host CPUs tuml may run on ----

const HOST_MASK_BYTES = 128;   // room for 1024 host CPUs

const CPUMASK_SIZE = Math.ceil(NR_CPUS / 64) * 8;
const ALL_CPUS = (1n << BigInt(NR_CPUS)) - 1n;

/** The guest CPU mask of a task, from its host thread's affinity (inherited over fork by the host). */
function affinityOf(t: Task): bigint {
  const { buf, addr } = hostBuf();
  buf.fill(0, 0, HOST_MASK_BYTES);
  if (syscall(NR.sched_getaffinity, t.host.tid, HOST_MASK_BYTES, addr) < 0) return ALL_CPUS;
  let mask = 0n;
  hostCpus.forEach((h, i) => { if (buf[h >> 3] & (1 << (h & 7))) mask |= 1n << BigInt(i); });
  return mask || ALL_CPUS;
}

function setHostAffinity(t: Task, mask: bigint): void {
  const { buf, addr } = hostBuf();
  buf.fill(0, 0, HOST_MASK_BYTES);
  hostCpus.forEach((h, i) => { if (mask & (1n << BigInt(i))) buf[h >> 3] |= 1 << (h & 7); });
  syscall(NR.sched_setaffinity, t.host.tid, HOST_MASK_BYTES, addr);
}

/** check_same_owner(): may the caller change target's scheduling without CAP_SYS_NICE? */
const sameOwner = (t: Task, p: Task) => t.cred.euid === p.cred.euid || t.cred.euid === p.cred.uid;

register('sched_getaffinity', (k, t, a) => {
  const len = uint(a[1]);
  if (len * 8 < NR_CPUS || (len & 7)) throw new Errno(E.EINVAL);
  const mask = affinityOf(findTask(k, t, int(a[0])));
  const n = Math.min(len, CPUMASK_SIZE);
  const b = Buffer.alloc(n);
  for (let i = 0; i < NR_CPUS; i++) if (mask & (1n << BigInt(i))) b[i >> 3] |= 1 << (i & 7);
  t.mem.write(a[2], b);
  return n;
});

register('sched_setaffinity', (k, t, a) => {
  const len = Math.min(uint(a[1]), CPUMASK_SIZE);
  const b = Buffer.alloc(CPUMASK_SIZE);
  if (len) t.mem.read(a[2], len).copy(b);
  const p = findTask(k, t, int(a[0]));
  if (!sameOwner(t, p) && !t.cred.capable(CAP.SYS_NICE)) throw new Errno(E.EPERM);
  let mask = 0n;
  for (let i = 0; i < NR_CPUS; i++) if (b[i >> 3] & (1 << (i & 7))) mask |= 1n << BigInt(i);
  if (!(mask & ALL_CPUS)) throw new Errno(E.EINVAL);
  setHostAffinity(p, mask & ALL_CPUS);
  return 0;
});

/** getcpu runs natively; the host CPU number is turned into the guest's. */
register('getcpu', (_k, t, a) => new Native(null, (ret) => {
  if (ret !== 0n) return;
  try {
    if (a[0] !== 0n) {
      const host = t.mem.readU32(a[0]);
      const i = hostCpus.indexOf(host);
      t.mem.writeU32(a[0], i >= 0 ? i : host % NR_CPUS);
    }
    if (a[1] !== 0n) t.mem.writeU32(a[1], 0);   // one NUMA node
  } catch { /* the host already wrote there; nothing to fix */ }
}));

// ---- scheduling policy ----

const SCHED = { OTHER: 0, FIFO: 1, RR: 2, BATCH: 3, IDLE: 5, DEADLINE: 6 } as const;
const SCHED_RESET_ON_FORK = 0x40000000;
const MAX_RT_PRIO = 100;
const VALID_POLICIES = new Set<number>(Object.values(SCHED));
const isRt = (p: number) => p === SCHED.FIFO || p === SCHED.RR;

function policyOf(t: Task): number {
  const x = taskExtras.get(t);
  if (x?.policy != null) return x.policy;
  const r = syscall(NR.sched_getscheduler, t.host.tid);
  return r >= 0 ? r & ~SCHED_RESET_ON_FORK : SCHED.OTHER;
}

register('sched_getscheduler', (k, t, a) => {
  const pid = int(a[0]);
  if (pid < 0) throw new Errno(E.EINVAL);
  const p = findTask(k, t, pid);
  return policyOf(p) | (taskExtras.get(p)?.resetOnFork ? SCHED_RESET_ON_FORK : 0);
});

register('sched_getparam', (k, t, a) => {
  const pid = int(a[0]);
  if (a[1] === 0n || pid < 0) throw new Errno(E.EINVAL);
  const p = findTask(k, t, pid);
  t.mem.writeI32(a[1], isRt(policyOf(p)) ? taskExtra(p).rtPriority : 0);
  return 0;
});

/** RLIMIT_NICE allows a nice value of 20 - rlim (can_nice()). */
const canNice = (p: Task, nice: number, t: Task) =>
  BigInt(20 - nice) <= p.group.rlimits.cur[RLIMIT.NICE] || t.cred.capable(CAP.SYS_NICE);

/** The unprivileged checks of __sched_setscheduler(). */
function checkSchedPermission(t: Task, p: Task, policy: number, prio: number, resetOnFork: boolean): void {
  if (t.cred.capable(CAP.SYS_NICE)) return;
  const old = policyOf(p);
  const x = taskExtra(p);
  if (isRt(policy)) {
    const rlim = p.group.rlimits.cur[RLIMIT.RTPRIO];
    if (policy !== old && rlim === 0n) throw new Errno(E.EPERM);
    if (prio > x.rtPriority && BigInt(prio) > rlim) throw new Errno(E.EPERM);
  }
  if (policy === SCHED.DEADLINE) throw new Errno(E.EPERM);
  if (old === SCHED.IDLE && policy !== SCHED.IDLE && !canNice(p, niceOf(p), t)) throw new Errno(E.EPERM);
  if (!sameOwner(t, p)) throw new Errno(E.EPERM);
  if (x.resetOnFork && !resetOnFork) throw new Errno(E.EPERM);
}

/** do_sched_setscheduler(); policy -1 keeps the current policy (sched_setparam). */
function setScheduler(k: Kernel, t: Task, pidArg: bigint, policyArg: number, param: bigint): number {
  const pid = int(pidArg);
  if (param === 0n || pid < 0) throw new Errno(E.EINVAL);
  const prio = t.mem.readI32(param);
  const p = findTask(k, t, pid);
  const x = taskExtra(p);
  let policy = policyArg, resetOnFork = x.resetOnFork;
  if (policy >= 0) {
    resetOnFork = (policy & SCHED_RESET_ON_FORK) !== 0;
    policy &= ~SCHED_RESET_ON_FORK;
    if (!VALID_POLICIES.has(policy)) throw new Errno(E.EINVAL);
  } else {
    policy = policyOf(p);
  }
  // Real-time policies take priorities 1..99, the others 0; SCHED_DEADLINE needs sched_setattr.
  if (prio < 0 || prio > MAX_RT_PRIO - 1 || policy === SCHED.DEADLINE || isRt(policy) !== (prio !== 0)) {
    throw new Errno(E.EINVAL);
  }
  checkSchedPermission(t, p, policy, prio, resetOnFork);
  Object.assign(x, { policy, rtPriority: prio, resetOnFork });
  // The host takes the non-real-time policies from an unprivileged user.
  if (!isRt(policy)) {
    const { buf, addr } = hostBuf();
    buf.writeInt32LE(0, 0);
    syscall(NR.sched_setscheduler, p.host.tid, policy | (resetOnFork ? SCHED_RESET_ON_FORK : 0), addr);
  }
  return 0;
}

const RR_TIMESLICE_NS = 100_000_000n;   // sched_rr_timeslice: 100ms

/** The round-robin quantum: none for FIFO, the RR slice, or what the host's fair scheduler gives the thread. */
register('sched_rr_get_interval', (k, t, a) => {
  const pid = int(a[0]);
  if (pid < 0) throw new Errno(E.EINVAL);
  const p = findTask(k, t, pid);
  const policy = policyOf(p);
  const b = Buffer.alloc(16);
  if (policy === SCHED.RR) b.writeBigInt64LE(RR_TIMESLICE_NS, 8);
  else if (policy !== SCHED.FIFO) {
    const { buf, addr } = hostBuf();
    if (syscall(NR.sched_rr_get_interval, p.host.tid, addr) >= 0) buf.copy(b, 0, 0, 16);
  }
  t.mem.write(a[1], b);
  return 0;
});

register('sched_setscheduler', (k, t, a) => {
  const policy = int(a[1]);
  if (policy < 0) throw new Errno(E.EINVAL);
  return setScheduler(k, t, a[0], policy, a[2]);
});
register('sched_setparam', (k, t, a) => setScheduler(k, t, a[0], -1, a[1]));

function priorityRange(policy: number): [number, number] {
  if (isRt(policy)) return [1, MAX_RT_PRIO - 1];
  if (policy === SCHED.OTHER || policy === SCHED.BATCH || policy === SCHED.IDLE || policy === SCHED.DEADLINE) return [0, 0];
  throw new Errno(E.EINVAL);
}
register('sched_get_priority_max', (_k, _t, a) => priorityRange(int(a[0]))[1]);
register('sched_get_priority_min', (_k, _t, a) => priorityRange(int(a[0]))[0]);

// ---- nice: getpriority / setpriority ----

const PRIO = { PROCESS: 0, PGRP: 1, USER: 2 } as const;
const MIN_NICE = -20, MAX_NICE = 19;

function niceOf(t: Task): number {
  const x = taskExtras.get(t);
  if (x?.nice != null) return x.nice;
  const r = syscall(NR.getpriority, PRIO.PROCESS, t.host.tid);   // the raw call returns 20 - nice
  return r > 0 ? 20 - r : 0;
}

/** The tasks a (which, who) pair names, as getpriority/setpriority walk them. */
function prioTargets(k: Kernel, t: Task, which: number, who: number): Task[] {
  if (which === PRIO.PROCESS) {
    const p = who ? k.tasks.get(who) : t;
    return p ? [p] : [];
  }
  const all = [...k.tasks.values()];
  if (which === PRIO.PGRP) {
    const pgid = who || t.group.pgid;
    return all.filter((p) => p.group.pgid === pgid);
  }
  if (which === PRIO.USER) {
    const uid = who || t.cred.uid;
    return all.filter((p) => p.cred.uid === uid);
  }
  throw new Errno(E.EINVAL);
}

register('getpriority', (k, t, a) => {
  const targets = prioTargets(k, t, int(a[0]), int(a[1]));
  if (!targets.length) throw new Errno(E.ESRCH);
  return Math.max(...targets.map((p) => 20 - niceOf(p)));
});

/**
 * set_one_prio(): a failure replaces the running error; a success turns only
 * the initial ESRCH into 0 (so the last failure wins, as in Linux).
 */
function setOnePrio(t: Task, p: Task, nice: number, error: number): number {
  if (p.cred.uid !== t.cred.euid && p.cred.euid !== t.cred.euid && !t.cred.capable(CAP.SYS_NICE)) return -E.EPERM;
  if (nice < niceOf(p) && !canNice(p, nice, t)) return -E.EACCES;
  taskExtra(p).nice = nice;
  syscall(NR.setpriority, PRIO.PROCESS, p.host.tid, nice);   // best effort: the host may refuse to raise it
  return error === -E.ESRCH ? 0 : error;
}

register('setpriority', (k, t, a) => {
  const nice = Math.min(MAX_NICE, Math.max(MIN_NICE, int(a[2])));
  let error = -E.ESRCH;
  for (const p of prioTargets(k, t, int(a[0]), int(a[1]))) error = setOnePrio(t, p, nice, error);
  if (error < 0) throw new Errno(-error);
  return 0;
});

// ---- I/O priority (block/ioprio.c) ----

const IOPRIO_CLASS = { NONE: 0, RT: 1, BE: 2, IDLE: 3 } as const;
const IOPRIO_WHO = { PROCESS: 1, PGRP: 2, USER: 3 } as const;
const IOPRIO_BE_NORM = 4;
const ioprioClass = (v: number) => (v >> 13) & 0x7;

function checkIoprio(t: Task, v: number): void {
  const cls = ioprioClass(v), data = v & 0x1fff;
  switch (cls) {
    case IOPRIO_CLASS.RT:
      if (!t.cred.capable(CAP.SYS_NICE) && !t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
      if (data >= 8) throw new Errno(E.EINVAL);
      return;
    case IOPRIO_CLASS.BE: if (data >= 8) throw new Errno(E.EINVAL); return;
    case IOPRIO_CLASS.IDLE: return;
    case IOPRIO_CLASS.NONE: if (data) throw new Errno(E.EINVAL); return;
    default: throw new Errno(E.EINVAL);
  }
}

function ioprioOf(t: Task): number {
  const x = taskExtras.get(t);
  if (x?.ioprio != null) return x.ioprio;
  const r = syscall(NR.ioprio_get, IOPRIO_WHO.PROCESS, t.host.tid);
  return r >= 0 ? r : 0;
}

function ioprioTargets(k: Kernel, t: Task, which: number, who: number): Task[] {
  const prio = [0, PRIO.PROCESS, PRIO.PGRP, PRIO.USER][which];
  if (which < IOPRIO_WHO.PROCESS || which > IOPRIO_WHO.USER) throw new Errno(E.EINVAL);
  return prioTargets(k, t, prio, who);
}

register('ioprio_set', (k, t, a) => {
  const v = int(a[2]);
  checkIoprio(t, v);
  const targets = ioprioTargets(k, t, int(a[0]), int(a[1]));
  if (!targets.length) throw new Errno(E.ESRCH);
  for (const p of targets) {
    if (p.cred.uid !== t.cred.euid && p.cred.uid !== t.cred.uid && !t.cred.capable(CAP.SYS_NICE)) throw new Errno(E.EPERM);
    taskExtra(p).ioprio = v;
    syscall(NR.ioprio_set, IOPRIO_WHO.PROCESS, p.host.tid, v);   // best effort (RT needs host privilege)
  }
  return 0;
});

/** ioprio_best(): the higher priority of two, "none" counting as best-effort normal. */
function ioprioBest(x: number, y: number): number {
  const norm = (v: number) => (ioprioClass(v) === IOPRIO_CLASS.NONE ? (IOPRIO_CLASS.BE << 13) | IOPRIO_BE_NORM : v);
  return Math.min(norm(x), norm(y));
}

register('ioprio_get', (k, t, a) => {
  const which = int(a[0]);
  const targets = ioprioTargets(k, t, which, int(a[1]));
  if (!targets.length) throw new Errno(E.ESRCH);
  if (which === IOPRIO_WHO.PROCESS) return ioprioOf(targets[0]);
  return targets.map(ioprioOf).reduce(ioprioBest);
});
