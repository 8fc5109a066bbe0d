// The load average (kernel/sched/loadavg.c): every 5 seconds the number of
// the guest's runnable tasks is folded into three exponentially decaying
// averages (1, 5 and 15 minutes), with Linux's fixed-point constants. A
// guest thread is runnable when its host thread is (state R); a thread the
// kernel is serving sits in a tracing stop and counts as sleeping, as a
// task blocked in a system call does.
import { readFileSync } from 'node:fs';
import type { Kernel } from './kernel.js';

const FSHIFT = 11, FIXED_1 = 1 << FSHIFT;
const EXP = [1884, 2014, 2037];       // EXP_1, EXP_5, EXP_15
const LOAD_FREQ_MS = 5000;

interface Load { avenrun: number[]; timer: NodeJS.Timeout }
const loads = new WeakMap<Kernel, Load>();

function runnable(kernel: Kernel): number {
  let n = 0;
  for (const t of kernel.tasks.values()) {
    try {
      const s = readFileSync(`/proc/${t.group.hostPid}/task/${t.host.tid}/stat`, 'latin1');
      if (s[s.lastIndexOf(')') + 2] === 'R') n++;
    } catch { /* gone */ }
  }
  return n;
}

/** calc_load: load = load * exp + active * (1 - exp), in fixed point, rounding up when rising. */
function calcLoad(load: number, exp: number, active: number): number {
  let newload = load * exp + active * (FIXED_1 - exp);
  if (active >= load) newload += FIXED_1 - 1;
  return Math.floor(newload / FIXED_1);
}

/** Starts sampling for kernel (once); the timer never keeps the kernel's process alive. */
export function startLoadavg(kernel: Kernel): void {
  if (loads.has(kernel)) return;
  const l: Load = { avenrun: [0, 0, 0], timer: setInterval(() => {
    const active = runnable(kernel) * FIXED_1;
    l.avenrun = l.avenrun.map((v, i) => calcLoad(v, EXP[i], active));
  }, LOAD_FREQ_MS) };
  l.timer.unref();
  loads.set(kernel, l);
}

/** LOAD_INT.LOAD_FRAC of the three averages, as /proc/loadavg prints them. */
export function loadavgText(kernel: Kernel): string {
  const a = loads.get(kernel)?.avenrun ?? [0, 0, 0];
  return a.map((x) => {
    const v = x + FIXED_1 / 200;
    return `${v >> FSHIFT}.${String(((v & (FIXED_1 - 1)) * 100) >> FSHIFT).padStart(2, '0')}`;
  }).join(' ');
}

/** Runnable tasks right now (the "1/N" of /proc/loadavg). */
export function nrRunning(kernel: Kernel): number { return Math.max(1, runnable(kernel)); }
