// The files of /proc that describe the machine rather than one process
// (fs/proc/meminfo.c, cpuinfo.c, stat.c, uptime.c, loadavg.c, version.c, ...).
// Figures the kernel keeps itself (boot time, processes, mounts) are its own;
// the hardware's (CPUs, memory) are the host's for now.
import { readFileSync } from 'node:fs';
import { UTS_RELEASE, UTS_VERSION, type Kernel } from '../../kernel/kernel.js';
import { hostCpus, NR_CPUS } from '../../kernel/cpus.js';
import { filesystems } from '../filesystems.js';
import { allBdevs } from '../../block/blkdev.js';
import { devMajor, devMinor } from '../../drivers/registry.js';
import { shmemPages } from '../../mm/shmem.js';
import { loadavgText, nrRunning } from '../../kernel/loadavg.js';

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

/** kB of a "Key: N kB" line of a host /proc file, 0 when absent. */
function kbOf(text: string, key: string): bigint {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
  return m ? BigInt(m[1]) : 0n;
}

/**
 * /proc/meminfo (fs/proc/meminfo.c): the machine's memory is mem= (when the
 * boot parameters give one); what is used is what the guest's processes
 * hold (their anonymous resident pages, from the host) and what tmpfs holds.
 * Without mem=, the host's own figures.
 */
export function showMeminfo(kernel?: Kernel): string {
  const memBytes = (kernel as { params?: { memBytes?: number } } | undefined)?.params?.memBytes;
  if (!kernel || !memBytes) return host('/proc/meminfo');
  const total = BigInt(Math.floor(memBytes / 1024));
  let anon = 0n;
  for (const g of kernel.groups.values()) {
    if (g.exitState !== 'running') continue;
    anon += kbOf(host(`/proc/${g.hostPid}/status`), 'RssAnon');
  }
  const shmem = shmemPages() * 4n;
  const used = anon + shmem > total ? total : anon + shmem;
  const free = total - used;
  const rows: Array<[string, bigint]> = [
    ['MemTotal', total], ['MemFree', free], ['MemAvailable', free], ['Buffers', 0n], ['Cached', shmem],
    ['SwapCached', 0n], ['Active', anon + shmem], ['Inactive', 0n], ['Active(anon)', anon + shmem], ['Inactive(anon)', 0n],
    ['Active(file)', 0n], ['Inactive(file)', 0n], ['Unevictable', 0n], ['Mlocked', 0n], ['SwapTotal', 0n], ['SwapFree', 0n],
    ['Dirty', 0n], ['Writeback', 0n], ['AnonPages', anon], ['Mapped', 0n], ['Shmem', shmem], ['KReclaimable', 0n],
    ['Slab', 0n], ['SReclaimable', 0n], ['SUnreclaim', 0n], ['KernelStack', 0n], ['PageTables', 0n],
    ['NFS_Unstable', 0n], ['Bounce', 0n], ['WritebackTmp', 0n], ['CommitLimit', total / 2n], ['Committed_AS', anon],
    ['VmallocTotal', 34359738367n], ['VmallocUsed', 0n], ['VmallocChunk', 0n], ['Percpu', 0n],
    ['HardwareCorrupted', 0n], ['AnonHugePages', 0n], ['ShmemHugePages', 0n], ['ShmemPmdMapped', 0n],
    ['HugePages_Total', -1n], ['HugePages_Free', -1n], ['HugePages_Rsvd', -1n], ['HugePages_Surp', -1n],
    ['Hugepagesize', 2048n], ['Hugetlb', 0n],
  ];
  // show_val_kb: "%-16s%8lu kB"; the HugePages_ counts have no unit.
  return rows.map(([k, v]) => (v < 0n ? `${`${k}:`.padEnd(16)}${'0'.padStart(8)}\n`
    : `${`${k}:`.padEnd(16)}${String(v).padStart(8)} kB\n`)).join('');
}
export function showVmstat(): string { return host('/proc/vmstat'); }

/** The host's cpuinfo blocks, one per processor, by host CPU number. */
function hostCpuinfo(): Map<number, string> {
  const out = new Map<number, string>();
  for (const block of host('/proc/cpuinfo').split(/\n\n+/)) {
    const m = /^processor\s*:\s*(\d+)/m.exec(block);
    if (m) out.set(Number(m[1]), block);
  }
  return out;
}

/**
 * /proc/cpuinfo: the host's description of the CPUs the guest has (guest CPU
 * i is host CPU hostCpus[i]), numbered as the guest numbers them, each a core
 * of its own in one package as /sys/devices/system/cpu says.
 */
export function showCpuinfo(): string {
  const blocks = hostCpuinfo();
  const out: string[] = [];
  hostCpus.forEach((h, i) => {
    const b = blocks.get(h);
    if (b === undefined) return;
    const set = (text: string, key: string, v: string | number) =>
      text.replace(new RegExp(`^(${key}\\s*:).*$`, 'm'), `$1 ${v}`);
    let t = set(b, 'processor', i);
    t = set(t, 'physical id', 0); t = set(t, 'siblings', NR_CPUS); t = set(t, 'core id', i);
    t = set(t, 'cpu cores', NR_CPUS); t = set(t, 'apicid', i); t = set(t, 'initial apicid', i);
    out.push(t.replace(/\n+$/, ''));
  });
  return out.map((b) => b + '\n\n').join('');
}

/**
 * /proc/stat: the host's counters of the guest's CPUs (renumbered, and
 * summed on the "cpu" line), the guest's processes and boot time.
 */
export function showStat(kernel: Kernel): string {
  // Tasks waiting in the kernel sleep interruptibly: neither running nor blocked.
  let running = 0;
  for (const t of kernel.tasks.values()) if (!t.group.stopped && !t.interrupt) running++;
  const lines = host('/proc/stat').split('\n').filter((l) => l !== '');
  const perCpu = new Map<number, number[]>();
  for (const l of lines) {
    const m = /^cpu(\d+) (.*)$/.exec(l);
    if (m) perCpu.set(Number(m[1]), m[2].trim().split(/\s+/).map(Number));
  }
  const mine = hostCpus.map((h) => perCpu.get(h) ?? Array(10).fill(0));
  const total = mine.reduce((acc, v) => acc.map((x, i) => x + (v[i] ?? 0)), Array(10).fill(0));
  const out: string[] = [`cpu  ${total.join(' ')}`, ...mine.map((v, i) => `cpu${i} ${v.join(' ')}`)];
  for (const l of lines) {
    if (/^cpu/.test(l)) continue;
    if (l.startsWith('btime ')) out.push(`btime ${Math.floor(kernel.bootTime / 1000)}`);
    else if (l.startsWith('processes ')) out.push(`processes ${kernel.forks}`);
    else if (l.startsWith('procs_running ')) out.push(`procs_running ${Math.max(1, running)}`);
    else if (l.startsWith('procs_blocked ')) out.push('procs_blocked 0');
    else out.push(l);
  }
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

/** /proc/loadavg: the 1, 5 and 15-minute loads, runnable/total tasks, the last pid (fs/proc/loadavg.c). */
export function showLoadavg(kernel: Kernel): string {
  return `${loadavgText(kernel)} ${nrRunning(kernel)}/${kernel.tasks.size} ${lastPid(kernel)}\n`;
}

/** linux_proc_banner */
export function showVersion(): string {
  return `Linux version ${UTS_RELEASE} (tuml@tuml) (node ${process.version}) ${UTS_VERSION}\n`;
}

/** The filesystem types the kernel has, "nodev" for those that need no device. */
export function showFilesystems(): string {
  return filesystems().map((t) => `${t.requiresDev ? '' : 'nodev'}\t${t.name}\n`).join('');
}

/** /proc/partitions: the block devices, sizes in 1 KiB blocks (show_partition). */
export function showPartitions(): string {
  const rows = allBdevs().map((b) =>
    `${String(devMajor(b.rdev)).padStart(4)}  ${String(devMinor(b.rdev)).padStart(7)} ${String(b.size() / 1024n).padStart(10)} ${b.name}\n`);
  return 'major minor  #blocks  name\n\n' + rows.join('');
}

/** /proc/diskstats: the block devices; I/O is not counted (all zeros). */
export function showDiskstats(): string {
  return allBdevs().map((b) =>
    `${String(devMajor(b.rdev)).padStart(4)} ${String(devMinor(b.rdev)).padStart(7)} ${b.name} ${Array(17).fill(0).join(' ')}\n`).join('');
}

export function showSwaps(): string { return 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n'; }
/** The kernel command line (saved_command_line). */
export function showCmdline(kernel: Kernel): string { return `${kernel.cmdline}\n`; }

/** /proc/devices: the majors of the kernel's drivers. */
export function showDevices(): string {
  return 'Character devices:\n  1 mem\n  4 /dev/vc/0\n  4 tty\n  5 /dev/tty\n  5 /dev/console\n' +
    '  5 /dev/ptmx\n  7 vcs\n 10 misc\n136 pts\n\nBlock devices:\n  7 loop\n 98 ubd\n';
}
