// The guest's CPUs (include/linux/cpumask.h, reduced): guest CPUs 0..n-1 are
// the host CPUs tuml was started on, in order. sched_*affinity, getcpu,
// /proc/cpuinfo, /proc/stat and /sys/devices/system/cpu all number them so.
import { readFileSync } from 'node:fs';

/** Parses a CPU list as Linux prints one ("0-3,8,10-11"). */
export function parseCpuList(s: string): number[] {
  const cpus: number[] = [];
  for (const part of s.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map(Number);
    for (let c = lo; c <= (hi ?? lo); c++) cpus.push(c);
  }
  return cpus;
}

/** The host CPUs tuml was started on; guest CPU i is hostCpus[i]. */
export const hostCpus: number[] = (() => {
  const m = /^Cpus_allowed_list:\s*(.*)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
  const cpus = parseCpuList(m?.[1] ?? '0');
  return cpus.length ? cpus : [0];
})();

export const NR_CPUS = hostCpus.length;

/** The guest's CPU list in Linux's format ("0-3"). */
export function cpuListString(n = NR_CPUS): string { return n === 1 ? '0' : `0-${n - 1}`; }
