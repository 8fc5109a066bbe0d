// The files of /proc that describe the machine rather than one process
// (fs/proc/meminfo.c, cpuinfo.c, stat.c, uptime.c, loadavg.c, version.c, ...).
// Figures the kernel keeps itself (boot time, processes, mounts) are its own;
// the hardware's (CPUs, memory) are the host's for now.
import { readFileSync } from 'node:fs';
import type { Kernel } from '../../kernel/kernel.js';

function host(path: string): string {
  try { return readFileSync(path, 'latin1'); } catch { return ''; }
}

/** Seconds since the guest booted. */
function uptimeSeconds(kernel: Kernel): number {
  return Math.max(0, (Date.now() - kernel.bootTime) / 1000);
}

/** The last pid handed out, as far as it can be seen from the live tasks. */
export function lastPid(kernel: Kernel): number {
  let last = 0;
  for (const pid of kernel.groups.keys()) if (pid > last) last = pid;
  for (const tid of kernel.tasks.keys()) if (tid > last) last = tid;
  return last;
}

export function showMeminfo(): string { return host('/proc/meminfo'); }
export function showCpuinfo(): string { return host('/proc/cpuinfo'); }
export function showVmstat(): string { return host('/proc/vmstat'); }

/** /proc/stat: the host's CPU and interrupt counters, the guest's processes and boot time. */
export function showStat(kernel: Kernel): string {
  // Tasks waiting in the kernel sleep interruptibly: neither running nor blocked.
  let running = 0;
  for (const t of kernel.tasks.values()) if (!t.group.stopped && !t.interrupt) running++;
  const lines = host('/proc/stat').split('\n').filter((l) => l !== '');
  const out = lines.map((l) => {
    if (l.startsWith('btime ')) return `btime ${Math.floor(kernel.bootTime / 1000)}`;
    if (l.startsWith('processes ')) return `processes ${lastPid(kernel)}`;
    if (l.startsWith('procs_running ')) return `procs_running ${Math.max(1, running)}`;
    if (l.startsWith('procs_blocked ')) return 'procs_blocked 0';
    return l;
  });
  return out.join('\n') + '\n';
}

/** "%lu.%02lu": Linux truncates to hundredths. */
function hundredths(x: number): string {
  const c = Math.floor(x * 100);
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}

/** /proc/uptime: seconds since boot, and idle CPU seconds in the host's proportion. */
export function showUptime(kernel: Kernel): string {
  const up = uptimeSeconds(kernel);
  const [hostUp, hostIdle] = host('/proc/uptime').split(' ').map(Number);
  const ratio = hostUp > 0 && Number.isFinite(hostIdle) ? hostIdle / hostUp : 0;
  return `${hundredths(up)} ${hundredths(up * ratio)}\n`;
}

/** /proc/loadavg: "1 5 15-minute loads, runnable/total tasks, last pid". */
export function showLoadavg(kernel: Kernel): string {
  return `0.00 0.00 0.00 1/${kernel.tasks.size} ${lastPid(kernel)}\n`;
}

export function showVersion(): string {
  return 'Linux version 6.1.0-tuml (tuml@tuml) (node) #1 SMP PREEMPT_DYNAMIC tuml\n';
}

/** The filesystem types the kernel has (FS_REQUIRES_DEV ones without "nodev"). */
const FILESYSTEMS: Array<[string, boolean]> = [
  ['sysfs', false], ['tmpfs', false], ['proc', false], ['devtmpfs', false], ['devpts', false],
  ['hostfs', false], ['ext2', true],
];

export function showFilesystems(): string {
  return FILESYSTEMS.map(([name, dev]) => `${dev ? '' : 'nodev'}\t${name}\n`).join('');
}

export function showPartitions(): string { return 'major minor  #blocks  name\n\n'; }
export function showSwaps(): string { return 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n'; }
export function showCmdline(): string { return 'tuml\n'; }

/** /proc/devices: the majors of the kernel's drivers. */
export function showDevices(): string {
  return 'Character devices:\n  1 mem\n  4 /dev/vc/0\n  4 tty\n  5 /dev/tty\n  5 /dev/console\n' +
    '  5 /dev/ptmx\n  7 vcs\n 10 misc\n136 pts\n\nBlock devices:\n  7 loop\n 98 ubd\n';
}
