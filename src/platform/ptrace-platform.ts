// The ptrace platform: guest threads run natively under the seccomp filter;
// calls the filter traps stop in a SECCOMP_RET_TRACE stop, where the tracer
// (Node's main thread) reads the registers and hands the call to the kernel.
//
// Stops are learned without blocking Node's event loop: every ptrace stop
// sends SIGCHLD to the tracer process, libuv turns it into an event, and the
// handler drains all stops with waitpid(WNOHANG|__WALL). Guests are children
// of the tuml process (forks are made with CLONE_PARENT), so nothing else
// waits for them. See docs/internals/platform.md.
import { scratch, spawnStubRaw, syscall } from '../host/libc.js';
import { E, Errno } from '../host/errno.js';
import {
  getEventMsg, getRegs, getSigInfo, setSigInfo, ptrace, PTRACE, PTRACE_EVENT, PTRACE_O, REG, Regs, setRegs, W, waitAny,
} from './ptrace.js';
import { buildFilter } from './seccomp.js';
import { GuestMemory } from './memory.js';

const SIGTRAP = 5, SIGSTOP = 19, SIGKILL = 9, SIGBUS = 7, SIGSEGV = 11;
/** A stub the kernel runs in a guest thread lives in one page. */
const STUB_PAGE = 4096n;
const SYSCALL_STOP = SIGTRAP | 0x80;
/** How long drain() keeps polling for the next stop before going back to the event loop. */
const SPIN_NS = BigInt(Number(process.env.TUML_SPIN_US ?? 30) * 1000);

export type ThreadStop =
  | { kind: 'seccomp' }
  | { kind: 'syscall' }                 // syscall-entry or syscall-exit stop
  | { kind: 'event'; event: number; msg: number }
  | { kind: 'signal'; sig: number }
  | { kind: 'exited'; status: number };

/** What the kernel is told by the platform. */
export interface PlatformHooks {
  /** A thread stopped at a system call that the kernel must serve. */
  syscall(th: HostThread): void;
  /** A new host thread or process appeared (fork, vfork or clone of `parent`); it has not run yet. */
  newThread(parent: HostThread, child: HostThread, kind: 'fork' | 'vfork' | 'clone'): void;
  /** The new thread reached its first stop: the kernel starts it (platform.start) when ready. */
  threadReady(th: HostThread): void;
  /**
   * `th` completed an execve. When a thread other than the leader called it,
   * it now has the leader's tid and `replaced` is the leader, which is gone.
   */
  exec(th: HostThread, replaced: HostThread | null): void;
  /**
   * The thread is about to exit (PTRACE_EVENT_EXIT): it runs no more user
   * code, but its memory is still there (read it through th.mem). `status`
   * is the wait status it exits with. The platform lets it go on afterwards.
   */
  exiting(th: HostThread, status: number): void;
  /**
   * The host thread is gone; `status` is its host wait status, `rusage` the
   * struct rusage the host reported with it (its whole process's usage so far).
   */
  exited(th: HostThread, status: number, rusage?: Buffer): void;
  /** A signal is about to be delivered to `th`; return the signal to deliver (0 to drop it). */
  signal(th: HostThread, sig: number): number;
}

/** One guest thread as the platform sees it: a host thread under ptrace. */
export class HostThread {
  /** Registers saved at the system-call stop being served. */
  regs!: Regs;
  /** Where the thread is: at the seccomp stop, or at a syscall-exit stop after injections. */
  private at: 'seccomp' | 'exit' | 'running' = 'running';
  private waiter: ((s: ThreadStop) => void) | null = null;
  private deferredSignals: number[] = [];
  /** Opaque slot for the kernel's task. */
  task: unknown = null;
  started = false;
  private execed = false;
  /** Kept in its stop (job control) until releaseStop(). */
  holdStopped = false;

  releaseStop(): void {
    if (!this.holdStopped) return;
    this.holdStopped = false;
    this.resume(PTRACE.CONT, 0);
  }

  constructor(readonly platform: PtracePlatform, public tid: number, public tgid: number) {}

  /** Running guest code or a host system call: not held in a stop by the tracer. */
  runningNatively(): boolean {
    return this.started && this.at === 'running' && this.waiter === null && !this.holdStopped;
  }

  // By the thread's own tid: the leader may be gone (pthread_exit) while the others run.
  get mem(): GuestMemory { return this.platform.memory(this.tid); }

  /** Arguments of the trapped system call. */
  nr(): number { return Number(BigInt.asIntN(64, this.regs.get('orig_rax'))); }
  args(): bigint[] { return this.regs.args(); }

  /** Finishes the trapped call with `value` as its result and lets the thread run. */
  complete(value: number | bigint): void {
    const r = this.regs.clone();
    r.set('orig_rax', -1n);
    r.set('rax', BigInt(value));
    this.resumeWith(r, PTRACE.CONT);
  }

  /** The siginfo of the signal being delivered (signal-delivery-stop), or null. */
  sigInfo(): Buffer | null { return getSigInfo(this.tid); }

  /** Replaces the siginfo the signal will be delivered with. */
  setSigInfo(si: Buffer): void { setSigInfo(this.tid, si); }

  /** For a thread in a signal-delivery-stop: the siginfo code, fault address and rip. */
  faultInfo(): { code: number; addr: bigint; rip: bigint } | null {
    const si = getSigInfo(this.tid);
    if (!si) return null;
    return { code: si.readInt32LE(8), addr: si.readBigUInt64LE(16), rip: getRegs(this.tid).get('rip') };
  }

  /** Sets the argument registers of a thread stopped outside a system call. */
  setArgs(args: bigint[]): void {
    const regs = getRegs(this.tid);
    regs.setArgs(args);
    setRegs(this.tid, regs);
  }

  /** Makes the thread re-execute its system call (after a signal handler, if one runs). */
  restart(): void {
    const r = this.regs.clone();
    r.set('rip', this.regs.get('rip') - 2n);
    r.set('rax', this.regs.get('orig_rax'));
    r.set('orig_rax', -1n);
    this.resumeWith(r, PTRACE.CONT);
  }

  /**
   * Lets the host execute the trapped call natively, with the registers
   * optionally changed first. With `after`, the thread stops again when the
   * call returns and `after(result, registers)` may replace the result.
   */
  continueNative(regs: Regs | null, after?: (ret: bigint, regs: Regs) => bigint | number | void): void {
    if (this.at !== 'seccomp') throw new Error('continueNative: not at the seccomp stop');
    if (regs) setRegs(this.tid, regs);
    this.at = 'running';
    if (!after && !regs) { this.resume(PTRACE.CONT, this.takeSignal()); return; }
    const orig = this.regs;
    this.execed = false;
    this.waitFor(PTRACE.SYSCALL, (regs2) => {
      let dirty = false;
      if (regs && !this.execed) {
        // A system call preserves every register but rax, rcx and r11: give
        // the guest back the arguments it passed (glibc's vfork keeps its
        // return address in rdi across the call).
        regs2.setArgs(orig.args());
        dirty = true;
      }
      const v = after?.(regs2.get('rax'), regs2);
      if (v !== undefined) { regs2.set('rax', BigInt(v)); dirty = true; }
      if (dirty) setRegs(this.tid, regs2);
      this.resume(PTRACE.CONT, this.takeSignal());
    });
  }

  /** Runs the guest's rest of the syscall path until its syscall-exit stop. */
  private waitFor(req: number, done: (r: Regs) => void): void {
    this.waiter = (s) => {
      if (s.kind === 'syscall') { this.waiter = null; done(getRegs(this.tid)); return; }
      if (s.kind === 'exited') { this.waiter = null; return; }
      if (s.kind === 'signal') this.deferredSignals.push(s.sig);
      if (s.kind === 'event') {
        // After a successful execve the registers are the new program's.
        if (s.event === PTRACE_EVENT.EXEC) this.execed = true;
        else this.platform.handleEvent(this, s.event, s.msg);
      }
      this.resume(req, 0);
    };
    this.resume(req, 0);
  }

  /**
   * Executes a system call inside the stopped thread (to map files into its
   * address space, give it host fds, ...) and returns the raw result. The
   * thread re-enters its `syscall` instruction with new registers; the
   * original call is completed later by complete().
   */
  inject(nr: number, args: (number | bigint)[]): Promise<bigint> {
    return new Promise((resolve) => {
      const go = () => {
        const r = this.regs.clone();
        r.set('rip', this.regs.get('rip') - 2n);
        r.set('rax', nr);
        r.set('orig_rax', -1n);
        r.setArgs(args);
        setRegs(this.tid, r);
        // entry stop of the injected call, then (after a possible seccomp stop) its exit stop
        this.waitFor(PTRACE.SYSCALL, () => this.waitFor(PTRACE.SYSCALL, (after) => {
          this.at = 'exit';
          resolve(after.get('rax'));
        }));
      };
      if (this.at === 'exit') { go(); return; }
      // Skip the trapped call first: its exit stop is where injections start.
      const r = this.regs.clone();
      r.set('orig_rax', -1n);
      setRegs(this.tid, r);
      this.waitFor(PTRACE.SYSCALL, () => { this.at = 'exit'; go(); });
    });
  }

  /**
   * Runs a machine-code stub the kernel placed in the guest's memory (ending
   * in int3) in this thread, stopped at the system call being served, with
   * the given registers, and resolves with the registers at the int3. Like
   * inject(), it first skips the trapped call (here by jumping to the stub
   * straight from its seccomp stop); complete() or restart() end the call
   * afterwards, and injections may follow. A fault inside the stub (the
   * address the kernel passed is not writable) resolves with null.
   */
  runStub(addr: bigint, set: Partial<Record<keyof typeof REG, bigint>>): Promise<Regs | null> {
    if (this.at !== 'seccomp' && this.at !== 'exit') throw new Error('runStub: not stopped at a system call');
    return new Promise((resolve, reject) => {
      const r = this.regs.clone();
      r.set('orig_rax', -1n);   // at the seccomp stop: the trapped call is skipped
      r.set('rip', addr);
      for (const [name, v] of Object.entries(set)) r.set(name as keyof typeof REG, v as bigint);
      // Where the call's completion (or an injection) starts from: with the
      // thread's own registers, ready to return from the skipped call.
      const rest = this.regs.clone();
      rest.set('orig_rax', -1n);
      const inStub = (rip: bigint) => rip >= addr && rip <= addr + STUB_PAGE;
      this.waiter = (s) => {
        if (s.kind === 'exited') { this.waiter = null; reject(new Errno(E.ESRCH, 'the thread is gone')); return; }
        if (s.kind === 'event') { this.platform.handleEvent(this, s.event, s.msg); this.resume(PTRACE.CONT, 0); return; }
        if (s.kind !== 'signal') { this.resume(PTRACE.CONT, 0); return; }
        const now = getRegs(this.tid);
        const done = s.sig === SIGTRAP && inStub(now.get('rip'));
        const fault = (s.sig === SIGSEGV || s.sig === SIGBUS) && inStub(now.get('rip'));
        if (!done && !fault) {
          // Another signal came meanwhile: it is delivered when the call ends.
          this.deferredSignals.push(s.sig);
          this.resume(PTRACE.CONT, 0);
          return;
        }
        this.waiter = null;
        // The thread stays in this signal-delivery-stop (the trap or fault is
        // discarded when it is resumed with no signal).
        setRegs(this.tid, rest);
        this.at = 'exit';
        resolve(done ? now : null);
      };
      setRegs(this.tid, r);
      this.at = 'running';
      this.resume(PTRACE.CONT, 0);
    });
  }

  private resumeWith(r: Regs, req: number): void {
    setRegs(this.tid, r);
    this.at = 'running';
    this.resume(req, this.takeSignal());
  }

  private takeSignal(): number {
    const sig = this.deferredSignals.shift() ?? 0;
    for (const s of this.deferredSignals.splice(0)) this.platform.tgkill(this.tgid, this.tid, s);
    return sig;
  }

  resume(req: number, sig: number): void {
    ptrace(req, this.tid, 0, sig);
  }

  /** Called by the platform with each stop of this thread. */
  onStop(s: ThreadStop): boolean {
    if (this.waiter) { this.waiter(s); return true; }
    if (s.kind === 'seccomp') { this.regs = getRegs(this.tid); this.at = 'seccomp'; }
    return false;
  }
}

export interface SpawnSpec { path: string; argv: string[]; envp: string[] }

export class PtracePlatform {
  readonly threads = new Map<number, HostThread>();
  private newborns = new Map<number, number>();   // tid -> status of an unclaimed first stop
  private filter = buildFilter();
  private onChld = () => this.drain();

  constructor(readonly hooks: PlatformHooks) {
    process.on('SIGCHLD', this.onChld);
  }

  shutdown(): void {
    for (const t of this.threads.values()) syscall(62 /* kill */, t.tgid, SIGKILL);
    process.off('SIGCHLD', this.onChld);
  }

  memory(tgid: number): GuestMemory {
    return new GuestMemory(tgid);
  }

  tgkill(tgid: number, tid: number, sig: number): number {
    return syscall(234, tgid, tid, sig);
  }

  /**
   * Starts the first guest process: a host child made by the spawn stub,
   * stopped for us before the filter and its execve (which the kernel serves).
   */
  spawn(spec: SpawnSpec): HostThread {
    const block = this.layoutSpawnBlock(spec);
    const pid = spawnStubRaw(block);
    if (pid < 0) throw new Error(`tuml: cannot create the first guest process (errno ${-pid})`);
    // Wait (synchronously: it is immediate) for its SIGSTOP, then set the options.
    let w = null;
    for (let i = 0; !w && i < 1_000_000; i++) w = waitAny(pid);
    if (!w || !W.stopped(w.status)) throw new Error('tuml: the first guest process did not stop');
    const opts = PTRACE_O.TRACESYSGOOD | PTRACE_O.TRACEFORK | PTRACE_O.TRACEVFORK | PTRACE_O.TRACECLONE |
      PTRACE_O.TRACEEXEC | PTRACE_O.TRACESECCOMP | PTRACE_O.TRACEEXIT | PTRACE_O.EXITKILL;
    if (ptrace(PTRACE.SETOPTIONS, pid, 0, opts) < 0) throw new Error('tuml: PTRACE_SETOPTIONS failed');
    const th = new HostThread(this, pid, pid);
    th.started = true;
    this.threads.set(pid, th);
    return th;
  }

  /**
   * Puts the tracing thread and the first guest (whose children inherit it)
   * on one host CPU: the one the tracer runs on now. Each stop is then a
   * same-CPU switch instead of a cross-CPU wake-up (see platform.md).
   */
  pinTogether(first: HostThread): void {
    const SYS_getcpu = 309, SYS_sched_setaffinity = 203;
    scratch.buf.writeUInt32LE(0, 4096 + 2048);
    if (syscall(SYS_getcpu, scratch.addr + 4096n + 2048n, 0, 0) < 0) return;
    const cpu = scratch.buf.readUInt32LE(4096 + 2048);
    const mask = Buffer.alloc(128);
    mask[cpu >> 3] |= 1 << (cpu & 7);
    mask.copy(scratch.buf, 4096 + 2048);
    const at = scratch.addr + 4096n + 2048n;
    syscall(SYS_sched_setaffinity, 0, 128, at);          // this (the tracing) thread only
    syscall(SYS_sched_setaffinity, first.tid, 128, at);
  }

  /** Lets a stopped new thread run (after the kernel has set it up). */
  start(th: HostThread): void {
    th.resume(PTRACE.CONT, 0);
  }

  private layoutSpawnBlock(spec: SpawnSpec): bigint {
    // Spawn block at scratch+64K: [path, argv, envp, fprog, 32 zero bytes], then the data.
    const base = 65536;
    const buf = scratch.buf;
    let off = base + 128;
    const put = (b: Buffer) => { const at = off; b.copy(buf, off); off += b.length; off = (off + 7) & ~7; return scratch.addr + BigInt(at); };
    const str = (s: string) => put(Buffer.from(s + '\0'));
    const arr = (xs: string[]) => {
      const ptrs = xs.map(str);
      const b = Buffer.alloc((ptrs.length + 1) * 8);
      ptrs.forEach((p, i) => b.writeBigUInt64LE(p, i * 8));
      return put(b);
    };
    const path = str(spec.path);
    const argv = arr(spec.argv);
    const envp = arr(spec.envp);
    const filter = put(this.filter);
    const fprog = Buffer.alloc(16);
    fprog.writeUInt16LE(this.filter.length / 8, 0);
    fprog.writeBigUInt64LE(filter, 8);
    const fprogAddr = put(fprog);
    buf.fill(0, base, base + 128);
    buf.writeBigUInt64LE(path, base);
    buf.writeBigUInt64LE(argv, base + 8);
    buf.writeBigUInt64LE(envp, base + 16);
    buf.writeBigUInt64LE(fprogAddr, base + 24);
    return scratch.addr + BigInt(base);
  }

  /** Collects every pending stop and exit. */
  drain(): void {
    let idleSince = process.hrtime.bigint();
    for (;;) {
      const w = waitAny();
      if (!w) {
        // A guest that was just resumed usually stops again within
        // microseconds (its next system call): polling briefly here saves
        // the SIGCHLD -> libuv -> JavaScript round trip for that stop.
        if (process.hrtime.bigint() - idleSince >= SPIN_NS) return;
        continue;
      }
      try { this.dispatch(w.tid, w.status, w.rusage); } catch (e) { console.error('tuml: platform error', e); }
      idleSince = process.hrtime.bigint();
    }
  }

  private dispatch(tid: number, status: number, rusage?: Buffer): void {
    const th = this.threads.get(tid);
    if (!th) {
      // A new thread's first stop may come before its parent's fork event.
      if (W.stopped(status)) this.newborns.set(tid, status);
      return;
    }
    if (!W.stopped(status)) {
      this.threads.delete(tid);
      th.onStop({ kind: 'exited', status });
      this.hooks.exited(th, status, rusage);
      return;
    }
    const sig = W.stopSig(status);
    const ev = W.event(status);
    if (!th.started) {
      // The first stop of a new thread (SIGSTOP): the kernel decides when it runs.
      th.started = true;
      this.hooks.threadReady(th);
      return;
    }
    if (sig === SIGTRAP && ev === PTRACE_EVENT.SECCOMP) {
      if (!th.onStop({ kind: 'seccomp' })) this.hooks.syscall(th);
      return;
    }
    if (sig === SIGTRAP && ev === PTRACE_EVENT.EXEC) {
      const msg = getEventMsg(tid);
      const execer = this.execEvent(th, msg);
      if (!execer.onStop({ kind: 'event', event: ev, msg })) execer.resume(PTRACE.CONT, 0);
      return;
    }
    if (sig === SIGTRAP && ev !== 0) {
      const msg = getEventMsg(tid);
      if (th.onStop({ kind: 'event', event: ev, msg })) return;
      this.handleEvent(th, ev, msg);
      th.resume(PTRACE.CONT, 0);
      return;
    }
    if (sig === SYSCALL_STOP) {
      if (!th.onStop({ kind: 'syscall' })) th.resume(PTRACE.CONT, 0);
      return;
    }
    if (th.onStop({ kind: 'signal', sig })) return;
    const deliver = this.hooks.signal(th, sig);
    if (th.holdStopped) return;
    th.resume(PTRACE.CONT, deliver);
  }


  /** A ptrace event of `th` other than seccomp and exec: new children, exit. */
  handleEvent(th: HostThread, ev: number, msg: number): void {
    if (ev === PTRACE_EVENT.EXIT) {
      // Every dying thread stops here (options are inherited), also when
      // killed by SIGKILL or by another thread's exit_group; it must be let
      // go whatever the kernel makes of it.
      try { this.hooks.exiting(th, msg); } catch (e) { console.error('tuml: platform error at exit', e); }
      return;
    }
    if (ev === PTRACE_EVENT.FORK || ev === PTRACE_EVENT.VFORK || ev === PTRACE_EVENT.CLONE) {
      const kind = ev === PTRACE_EVENT.FORK ? 'fork' : ev === PTRACE_EVENT.VFORK ? 'vfork' : 'clone';
      const child = new HostThread(this, msg, kind === 'clone' ? th.tgid : msg);
      this.threads.set(msg, child);
      this.hooks.newThread(th, child, kind);
      const early = this.newborns.get(msg);
      if (early !== undefined) { this.newborns.delete(msg); this.dispatch(msg, early); }
      return;
    }
  }

  private execEvent(leader: HostThread, formerTid: number): HostThread {
    // When a thread other than the leader called execve, it takes over the
    // leader's tid: the stop is reported under the leader's tid.
    let th = leader, replaced: HostThread | null = null;
    const execer = this.threads.get(formerTid);
    if (formerTid !== leader.tid && execer) {
      this.threads.delete(formerTid);
      execer.tid = leader.tid;
      this.threads.set(leader.tid, execer);
      th = execer; replaced = leader;
    }
    this.hooks.exec(th, replaced);
    return th;
  }
}

export { E as HOST_ERRNO };
