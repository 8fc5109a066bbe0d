// Resource usage (struct rusage, kernel/sys.c getrusage and kernel/exit.c
// wait_task_zombie). The host measures what a guest process used, since its
// threads are host threads; but guest processes are host children of tuml,
// not of each other, so the host's "children" usage of a guest is always
// empty. The kernel keeps that part itself: the platform gives it each dead
// process's own usage (the rusage of the host's wait4), and when a parent
// reaps a child with wait, the child's own usage plus its children's is added
// to the parent's, as Linux adds them into signal->cutime, cstime, ...
import { readFileSync } from 'node:fs';
import type { ThreadGroup } from './task.js';

export const RUSAGE_SIZE = 144;
/** Offsets of the longs after ru_utime and ru_stime (struct timeval each). */
const MAXRSS = 32;
const NLONGS = 14;

/** A struct rusage: times in microseconds, then the 14 counters (maxrss in KiB). */
export class Rusage {
  constructor(
    public utime = 0n,
    public stime = 0n,
    readonly longs: bigint[] = new Array<bigint>(NLONGS).fill(0n),
  ) {}

  static decode(b: Buffer): Rusage {
    const tv = (o: number) => b.readBigInt64LE(o) * 1000000n + b.readBigInt64LE(o + 8);
    const longs: bigint[] = [];
    for (let i = 0; i < NLONGS; i++) longs.push(b.readBigInt64LE(MAXRSS + i * 8));
    return new Rusage(tv(0), tv(16), longs);
  }

  encode(): Buffer {
    const b = Buffer.alloc(RUSAGE_SIZE);
    b.writeBigInt64LE(this.utime / 1000000n, 0); b.writeBigInt64LE(this.utime % 1000000n, 8);
    b.writeBigInt64LE(this.stime / 1000000n, 16); b.writeBigInt64LE(this.stime % 1000000n, 24);
    this.longs.forEach((v, i) => b.writeBigInt64LE(v, MAXRSS + i * 8));
    return b;
  }

  get maxrss(): bigint { return this.longs[0]; }
  get minflt(): bigint { return this.longs[4]; }
  get majflt(): bigint { return this.longs[5]; }

  /** this += o, as Linux sums usages: times and counters add, maxrss is the larger. */
  add(o: Rusage): this {
    this.utime += o.utime;
    this.stime += o.stime;
    for (let i = 0; i < NLONGS; i++) {
      this.longs[i] = i === 0 ? (o.longs[i] > this.longs[i] ? o.longs[i] : this.longs[i]) : this.longs[i] + o.longs[i];
    }
    return this;
  }

  clone(): Rusage { return new Rusage(this.utime, this.stime, [...this.longs]); }
}

/**
 * The usage of a process as getrusage(RUSAGE_BOTH) gives it to wait4: its
 * own (measured by the host: at its death, or now from the host's /proc for
 * a stopped or continued child) plus that of the children it reaped.
 */
export function waitUsage(g: ThreadGroup): Rusage {
  const self = g.exitState === 'running' ? liveUsage(g.hostPid) : g.selfUsage;
  return (self?.clone() ?? new Rusage()).add(g.childUsage);
}

/**
 * wait_task_zombie(): the parent reaps child, so the child's usage and that
 * of its own reaped children become the parent's children usage.
 */
export function reapUsage(parent: ThreadGroup, child: ThreadGroup): void {
  parent.childUsage.add(waitUsage(child));
}

const TICK_US = 10000n;   // USER_HZ = 100

/** A live host process's own usage, from its /proc stat (times, faults) and status (VmHWM, context switches). */
function liveUsage(hostPid: number): Rusage | null {
  try {
    const stat = readFileSync(`/proc/${hostPid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): minflt is field 10, majflt 12, utime 14, stime 15.
    const field = (n: number) => BigInt(f[n - 3] ?? '0');
    const r = new Rusage(field(14) * TICK_US, field(15) * TICK_US);
    r.longs[4] = field(10);
    r.longs[5] = field(12);
    const status = readFileSync(`/proc/${hostPid}/status`, 'latin1');
    const num = (k: string) => BigInt(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? '0');
    r.longs[0] = num('VmHWM');
    r.longs[12] = num('voluntary_ctxt_switches');
    r.longs[13] = num('nonvoluntary_ctxt_switches');
    return r;
  } catch {
    return null;
  }
}
