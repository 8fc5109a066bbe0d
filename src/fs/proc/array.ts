// /proc/PID/stat, status and statm (fs/proc/array.c). What the kernel knows
// (ids, names, credentials, process tree, thread counts, start time, limits)
// is its own; what only the host knows about a guest thread (memory use, CPU
// times, faults, signal masks, CPU affinity) is taken from the host's
// /proc of that thread, whose numbers are the guest's own.
import type { Task } from '../../kernel/task.js';
import { RLIMIT, RLIM_INFINITY } from '../../kernel/rlimit.js';
import type { PidRef } from './pid.js';

/** Clock ticks per second of times in /proc (USER_HZ). */
export const USER_HZ = 100;
const US_PER_TICK = BigInt(1000000 / USER_HZ);

const STATE_NAMES: Record<string, string> = {
  R: 'R (running)', S: 'S (sleeping)', D: 'D (disk sleep)', T: 'T (stopped)',
  t: 't (tracing stop)', X: 'X (dead)', Z: 'Z (zombie)', P: 'P (parked)', I: 'I (idle)',
};

/** The thread's command name (the leader's for a process), as task->comm. */
export function commOf(ref: PidRef): string {
  return ref.task()?.comm || ref.group.comm;
}

/** The fields after "(comm)" of the host's stat line, indexed from 3 as in proc(5). */
function hostStatFields(ref: PidRef): string[] | null {
  const s = ref.hostText('stat');
  if (!s) return null;
  const close = s.lastIndexOf(')');
  if (close < 0) return null;
  return s.slice(close + 2).trim().split(' ');
}

/**
 * The guest's state letter. The host sees a thread the kernel is serving as
 * in a tracing stop ('t'); to the guest that thread is inside a system call:
 * running if it is the one reading, sleeping otherwise.
 */
export function stateLetter(ref: PidRef, reader: Task | null, hostState?: string): string {
  const g = ref.group;
  if (g.exitState !== 'running') return 'Z';
  if (g.stopped) return 'T';
  const t = ref.task();
  if (t && t === reader) return 'R';
  const h = hostState ?? hostStatFields(ref)?.[0] ?? 'S';
  if (h === 't' || h === 'T') return 'S';
  return h;
}

/** starttime: clock ticks after boot. */
function startTicks(ref: PidRef): number {
  return Math.max(0, Math.floor((ref.group.startTime - ref.kernel.bootTime) * USER_HZ / 1000));
}

/** The controlling terminal as tty_nr and its foreground group. */
function ttyOf(ref: PidRef): { ttyNr: number; tpgid: number } {
  const tty = ref.group.tty;
  // new_encode_dev of the device number: what our rdevs already are.
  if (tty) return { ttyNr: Number(tty.rdev & 0xffffffffn), tpgid: tty.pgrp ?? -1 };
  return { ttyNr: 0, tpgid: -1 };
}

const rlimStr = (v: bigint) => (v === RLIM_INFINITY ? '18446744073709551615' : v.toString());

/** /proc/PID/stat and /proc/PID/task/TID/stat: the 52 fields of do_task_stat(). */
export function showStat(ref: PidRef, reader: Task): string {
  const g = ref.group;
  const host = hostStatFields(ref);
  const f: string[] = new Array(53).fill('0');
  // Copy what the host has (fields 3..52); ours overwrite below.
  if (host) for (let i = 0; i < host.length && i + 3 <= 52; i++) f[i + 3] = host[i];
  const tty = ttyOf(ref);
  const zombie = g.exitState !== 'running';
  f[1] = String(ref.thread ? ref.thread.tid : g.pid);
  f[2] = `(${commOf(ref)})`;
  f[3] = stateLetter(ref, reader, host?.[0]);
  f[4] = String(g.parent?.pid ?? 0);
  f[5] = String(g.pgid);
  f[6] = String(g.sid);
  f[7] = String(tty.ttyNr);
  f[8] = String(tty.tpgid);
  f[20] = String(Math.max(1, g.threads.size));
  f[21] = '0';
  f[22] = String(startTicks(ref));
  f[25] = rlimStr(g.rlimits.cur[RLIMIT.RSS]);
  const leader = ref.thread === null || ref.thread.tid === g.pid;
  f[38] = leader ? String(g.exitSignal) : '-1';
  f[52] = zombie ? String(g.exitCode) : '0';
  // The children's part is the kernel's (the host's is empty: guest
  // processes are not each other's host children); cutime and cstime in ticks.
  const cu = g.childUsage;
  f[11] = String(cu.minflt); f[13] = String(cu.majflt);
  f[16] = String(cu.utime / US_PER_TICK); f[17] = String(cu.stime / US_PER_TICK);
  if (!host && g.selfUsage) {
    // A zombie's own usage, as the host reported it at its death.
    const su = g.selfUsage;
    f[10] = String(su.minflt); f[12] = String(su.majflt);
    f[14] = String(su.utime / US_PER_TICK); f[15] = String(su.stime / US_PER_TICK);
  }
  if (!host) {
    // No host thread any more (a zombie): no memory, as Linux shows without an mm.
    f[18] = '20'; f[19] = '0'; f[26] = f[27] = f[28] = '0';
  }
  return f.slice(1).join(' ') + '\n';
}

/** /proc/PID/statm: the host's page counts (a zombie has none). */
export function showStatm(ref: PidRef): string {
  return ref.hostText('statm') ?? '0 0 0 0 0 0 0\n';
}

/** Like proc_task_name(escape = true): a newline or backslash in comm is escaped. */
function escapeComm(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** fdt->max_fds: 64, then multiples of 128 rounded to a power of two (fs/file.c). */
export function fdSize(task: Task | undefined): number {
  if (!task) return 0;
  let max = -1;
  for (const fd of task.files.fds.keys()) if (fd > max) max = fd;
  if (max < 64) return 64;
  let n = Math.floor(max / 128) + 1;
  let p = 1;
  while (p < n) p <<= 1;
  return p * 128;
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

/** Lines of the host's status copied as they are (fs/proc/array.c task_mem() and friends). */
const HOST_MEM_KEYS = ['VmPeak', 'VmSize', 'VmLck', 'VmPin', 'VmHWM', 'VmRSS', 'RssAnon', 'RssFile',
  'RssShmem', 'VmData', 'VmStk', 'VmExe', 'VmLib', 'VmPTE', 'VmSwap', 'HugetlbPages', 'CoreDumping', 'THP_enabled'];
const HOST_TAIL_KEYS = ['Speculation_Store_Bypass', 'SpeculationIndirectBranch', 'Cpus_allowed',
  'Cpus_allowed_list', 'Mems_allowed', 'Mems_allowed_list', 'voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches'];

function parseStatus(s: string | null): Map<string, string> {
  const m = new Map<string, string>();
  if (!s) return m;
  for (const line of s.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).replace(/^\t/, ''));
  }
  return m;
}

function pendingCount(host: Map<string, string>): number {
  let bits = BigInt('0x' + (host.get('SigPnd') ?? '0')) | BigInt('0x' + (host.get('ShdPnd') ?? '0'));
  let n = 0;
  for (; bits; bits &= bits - 1n) n++;
  return n;
}

/** /proc/PID/status in the order and format of Linux 6.1's proc_pid_status(). */
export function showStatus(ref: PidRef, reader: Task): string {
  const g = ref.group;
  const t = ref.task();
  const host = parseStatus(ref.hostText('status'));
  const hostState = host.get('State')?.[0];
  const out: string[] = [];
  const line = (k: string, v: string | number) => out.push(`${k}:\t${v}`);

  line('Name', escapeComm(commOf(ref)));
  if (t && g.exitState === 'running') line('Umask', t.fs.umask.toString(8).padStart(4, '0'));
  line('State', STATE_NAMES[stateLetter(ref, reader, hostState)] ?? 'S (sleeping)');
  const tid = ref.thread ? ref.thread.tid : g.pid;
  line('Tgid', g.pid);
  line('Ngid', 0);
  line('Pid', tid);
  line('PPid', g.exitState === 'dead' ? 0 : g.parent?.pid ?? 0);
  line('TracerPid', 0);
  const c = t?.cred;
  line('Uid', [c?.uid ?? 0, c?.euid ?? 0, c?.suid ?? 0, c?.fsuid ?? 0].join('\t'));
  line('Gid', [c?.gid ?? 0, c?.egid ?? 0, c?.sgid ?? 0, c?.fsgid ?? 0].join('\t'));
  line('FDSize', fdSize(g.exitState === 'running' ? t : undefined));
  // Linux leaves a space after the last group ("Trailing space shouldn't have been added").
  line('Groups', (c?.groups ?? []).join(' ') + ' ');
  line('NStgid', g.pid);
  line('NSpid', tid);
  line('NSpgid', g.pgid);
  line('NSsid', g.sid);
  if (host.has('VmSize')) for (const k of HOST_MEM_KEYS) { const v = host.get(k); if (v !== undefined) line(k, v); }
  line('Threads', Math.max(1, g.threads.size));
  // The host's SigQ counts every signal queued to the host user; the guest's
  // are at most the ones pending on this thread and process.
  line('SigQ', `${pendingCount(host)}/${g.rlimits.cur[RLIMIT.SIGPENDING]}`);
  for (const k of ['SigPnd', 'ShdPnd', 'SigBlk', 'SigIgn', 'SigCgt']) line(k, host.get(k) ?? hex16(0n));
  line('CapInh', hex16(c?.capInheritable ?? 0n));
  line('CapPrm', hex16(c?.capPermitted ?? 0n));
  line('CapEff', hex16(c?.capEffective ?? 0n));
  line('CapBnd', hex16(c?.capBounding ?? 0n));
  line('CapAmb', hex16(c?.capAmbient ?? 0n));
  // The host's NoNewPrivs and Seccomp describe the kernel's own filter, not the guest.
  line('NoNewPrivs', 0);
  line('Seccomp', 0);
  line('Seccomp_filters', 0);
  for (const k of HOST_TAIL_KEYS) { const v = host.get(k); if (v !== undefined) line(k, v); }
  return out.join('\n') + '\n';
}
