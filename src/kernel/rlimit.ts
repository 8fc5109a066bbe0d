// Resource limits (include/uapi/asm-generic/resource.h), kept per process.
export const RLIM_INFINITY = 0xffffffffffffffffn;

export const RLIMIT = {
  CPU: 0, FSIZE: 1, DATA: 2, STACK: 3, CORE: 4, RSS: 5, NPROC: 6, NOFILE: 7, MEMLOCK: 8,
  AS: 9, LOCKS: 10, SIGPENDING: 11, MSGQUEUE: 12, NICE: 13, RTPRIO: 14, RTTIME: 15,
} as const;
export const RLIM_NLIMITS = 16;

export class Rlimits {
  readonly cur: bigint[] = [];
  readonly max: bigint[] = [];

  constructor() {
    for (let i = 0; i < RLIM_NLIMITS; i++) { this.cur[i] = RLIM_INFINITY; this.max[i] = RLIM_INFINITY; }
    this.cur[RLIMIT.STACK] = 8n << 20n;
    this.cur[RLIMIT.CORE] = 0n;
    this.cur[RLIMIT.NOFILE] = 1024n; this.max[RLIMIT.NOFILE] = 1048576n;
    this.cur[RLIMIT.NPROC] = this.max[RLIMIT.NPROC] = 63459n;
    this.cur[RLIMIT.SIGPENDING] = this.max[RLIMIT.SIGPENDING] = 63459n;
    this.cur[RLIMIT.MEMLOCK] = this.max[RLIMIT.MEMLOCK] = 8n << 20n;
    this.cur[RLIMIT.MSGQUEUE] = this.max[RLIMIT.MSGQUEUE] = 819200n;
    this.cur[RLIMIT.NICE] = this.max[RLIMIT.NICE] = 0n;
    this.cur[RLIMIT.RTPRIO] = this.max[RLIMIT.RTPRIO] = 0n;
  }

  clone(): Rlimits {
    const r = new Rlimits();
    for (let i = 0; i < RLIM_NLIMITS; i++) { r.cur[i] = this.cur[i]; r.max[i] = this.max[i]; }
    return r;
  }

  nofile(): number {
    const n = this.cur[RLIMIT.NOFILE];
    return n > 1048576n ? 1048576 : Number(n);
  }
}
