// poll, select and epoll (fs/select.c, fs/eventpoll.c), and eventfd. A waiter
// sleeps on the wait queues of every file it watches and re-checks on each
// wake-up. Signal masks given to ppoll/pselect6/epoll_pwait are not applied
// yet (signals are delivered by the host with the thread's own mask).
import { Errno, E } from '../../host/errno.js';
import { File, O, POLL } from '../../fs/file.js';
import { EpollFile, fileQueues } from '../../fs/eventpoll.js';
import { EventFd, EFD_SEMAPHORE } from '../../fs/eventfd.js';
import { sleepOn } from '../sched.js';
import type { Task } from '../task.js';
import { int, Native, register, uint, type SysRet } from './table.js';
import { Interrupted } from '../sched.js';
import { hostSignalMasks, sigbit } from '../signal.js';
import { NR } from './names.js';
import { putBelowStack } from '../stack_scratch.js';

interface PollFd { fd: number; events: number; revents: number }

function pollOnce(t: Task, fds: PollFd[]): number {
  let n = 0;
  for (const p of fds) {
    p.revents = 0;
    if (p.fd < 0) continue;
    const f = t.files.fds.get(p.fd)?.file;
    if (!f) p.revents = POLL.NVAL;
    else p.revents = f.poll() & (p.events | POLL.ERR | POLL.HUP);
    if (p.revents) n++;
  }
  return n;
}

/** Sleeps until one of the files may have changed, or the deadline passes. */
async function waitAny(t: Task, files: File[], deadline: number | null): Promise<boolean> {
  const left = deadline === null ? null : deadline - Date.now();
  if (left !== null && left <= 0) return false;
  return sleepOn(t, files.flatMap(fileQueues), left);
}

async function doPoll(t: Task, addr: bigint, nfds: number, timeoutMs: number | null): Promise<number> {
  if (nfds > t.group.rlimits.nofile()) throw new Errno(E.EINVAL);
  const raw = nfds ? t.mem.read(addr, nfds * 8) : Buffer.alloc(0);
  const fds: PollFd[] = [];
  for (let i = 0; i < nfds; i++) fds.push({ fd: raw.readInt32LE(i * 8), events: raw.readUInt16LE(i * 8 + 4), revents: 0 });
  const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
  let n = pollOnce(t, fds);
  while (n === 0 && timeoutMs !== 0) {
    const files = fds.map((p) => t.files.fds.get(p.fd)?.file).filter((f): f is File => !!f);
    if (!(await waitAny(t, files, deadline))) { n = pollOnce(t, fds); break; }
    n = pollOnce(t, fds);
  }
  fds.forEach((p, i) => raw.writeInt16LE(p.revents << 16 >> 16, i * 8 + 6));
  if (nfds) t.mem.write(addr, raw);
  return n;
}

/** A relative struct timespec timeout as whole milliseconds (rounded up); null for a null pointer (no timeout). */
export function timespecMs(t: Task, addr: bigint): number | null {
  if (addr === 0n) return null;
  const b = t.mem.read(addr, 16);
  const s = b.readBigInt64LE(0), ns = b.readBigInt64LE(8);
  if (s < 0n || ns < 0n || ns > 999999999n) throw new Errno(E.EINVAL);
  return Number(s) * 1000 + Math.ceil(Number(ns) / 1e6);
}

register('poll', (_k, t, a) => {
  const ms = int(a[2]);
  return doPoll(t, a[0], uint(a[1]), ms < 0 ? null : ms);
}, 'nohand');
register('ppoll', (_k, t, a) => withSigmask(t, a[3], Number(a[4]), () => withTimeLeft(t, a[2], (ms) => doPoll(t, a[0], uint(a[1]), ms))), 'nohand');

/** ppoll and pselect6 write back the time not slept (zero after a timeout), as Linux does. */
async function withTimeLeft(t: Task, addr: bigint, body: (ms: number | null) => Promise<number>): Promise<number> {
  const ms = timespecMs(t, addr);
  const start = Date.now();
  const n = await body(ms);
  if (addr !== 0n && ms !== null) {
    const left = n === 0 ? 0 : Math.max(0, ms - (Date.now() - start));
    const b = Buffer.alloc(16);
    b.writeBigInt64LE(BigInt(Math.floor(left / 1000)), 0);
    b.writeBigInt64LE(BigInt((left % 1000) * 1000000), 8);
    t.mem.write(addr, b);
  }
  return n;
}

// ---- the temporary signal mask of ppoll, pselect6 and epoll_pwait ----

const UNBLOCKABLE = sigbit(9) | sigbit(19);

/**
 * The host makes the mask swap atomic and restores the old mask after the
 * handler: when a signal is (or becomes) deliverable under the temporary
 * mask, the call ends as a native ppoll(NULL, 0, {0, 0}, mask), which the
 * host fails with EINTR after running the handler under the right mask.
 */
function endWithSignal(t: Task, maskAddr: bigint): Native {
  const zero = putBelowStack(t, Buffer.alloc(16));
  const regs = t.host.regs.clone();
  regs.set('orig_rax', NR.ppoll);
  regs.set('rdi', 0n); regs.set('rsi', 0n); regs.set('rdx', zero); regs.set('r10', maskAddr); regs.set('r8', 8n);
  return new Native(regs);
}

async function withSigmask(t: Task, maskAddr: bigint, maskSize: number, body: () => Promise<number>): Promise<SysRet> {
  if (maskAddr === 0n) return body();
  if (maskSize !== 8) throw new Errno(E.EINVAL);
  const mask = t.mem.readU64(maskAddr) & ~UNBLOCKABLE;
  const host = hostSignalMasks(t.host.tid);
  if (host && (host.pending & ~mask)) return endWithSignal(t, maskAddr);
  t.tempMask = mask;
  try {
    return await body();
  } catch (e) {
    if (e instanceof Interrupted) return endWithSignal(t, maskAddr);
    throw e;
  } finally {
    t.tempMask = null;
  }
}

// ---- select ----

async function doSelect(t: Task, nfds: number, rAddr: bigint, wAddr: bigint, xAddr: bigint, timeoutMs: number | null): Promise<number> {
  if (nfds < 0) throw new Errno(E.EINVAL);
  nfds = Math.min(nfds, t.group.rlimits.nofile());
  const bytes = Math.ceil(nfds / 64) * 8;
  const load = (addr: bigint) => (addr !== 0n && bytes ? t.mem.read(addr, bytes) : null);
  const sets = [load(rAddr), load(wAddr), load(xAddr)];
  const isSet = (b: Buffer | null, fd: number) => !!b && (b[fd >> 3] & (1 << (fd & 7))) !== 0;
  const watched: { fd: number; file: File; want: number }[] = [];
  for (let fd = 0; fd < nfds; fd++) {
    const want = (isSet(sets[0], fd) ? 1 : 0) | (isSet(sets[1], fd) ? 2 : 0) | (isSet(sets[2], fd) ? 4 : 0);
    if (!want) continue;
    const f = t.files.fds.get(fd)?.file;
    if (!f) throw new Errno(E.EBADF);
    watched.push({ fd, file: f, want });
  }
  const out = sets.map(() => Buffer.alloc(bytes));
  const check = () => {
    let n = 0;
    for (const o of out) o.fill(0);
    for (const w of watched) {
      const ev = w.file.poll();
      const hits = [(w.want & 1) && (ev & (POLL.IN | POLL.HUP | POLL.ERR)), (w.want & 2) && (ev & (POLL.OUT | POLL.ERR)), (w.want & 4) && (ev & POLL.PRI)];
      hits.forEach((h, i) => { if (h) { out[i][w.fd >> 3] |= 1 << (w.fd & 7); n++; } });
    }
    return n;
  };
  const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
  let n = check();
  while (n === 0 && timeoutMs !== 0) {
    if (!(await waitAny(t, watched.map((w) => w.file), deadline))) { n = check(); break; }
    n = check();
  }
  [rAddr, wAddr, xAddr].forEach((addr, i) => { if (addr !== 0n && bytes) t.mem.write(addr, out[i]); });
  return n;
}

register('select', async (_k, t, a) => {
  let ms: number | null = null;
  if (a[4] !== 0n) {
    const b = t.mem.read(a[4], 16);
    const s = b.readBigInt64LE(0), us = b.readBigInt64LE(8);
    if (s < 0n || us < 0n) throw new Errno(E.EINVAL);
    ms = Number(s) * 1000 + Math.ceil(Number(us) / 1000);
  }
  const start = Date.now();
  const n = await doSelect(t, int(a[0]), a[1], a[2], a[3], ms);
  if (a[4] !== 0n && ms !== null) {
    // Linux writes back the time not slept.
    const left = n === 0 ? 0 : Math.max(0, ms - (Date.now() - start));
    const b = Buffer.alloc(16);
    b.writeBigInt64LE(BigInt(Math.floor(left / 1000)), 0);
    b.writeBigInt64LE(BigInt((left % 1000) * 1000), 8);
    t.mem.write(a[4], b);
  }
  return n;
}, 'nohand');
register('pselect6', (_k, t, a) => {
  // The sixth argument points to { const sigset_t *ss; size_t ss_len; }.
  let maskAddr = 0n, maskSize = 8;
  if (a[5] !== 0n) { const b = t.mem.read(a[5], 16); maskAddr = b.readBigUInt64LE(0); maskSize = Number(b.readBigUInt64LE(8)); }
  return withSigmask(t, maskAddr, maskSize, () => withTimeLeft(t, a[4], (ms) => doSelect(t, int(a[0]), a[1], a[2], a[3], ms)));
}, 'nohand');

// ---- epoll ----

function newEpoll(t: Task, flags: number): number {
  if (flags & ~O.CLOEXEC) throw new Errno(E.EINVAL);
  return t.files.install(new EpollFile(O.RDWR), (flags & O.CLOEXEC) !== 0, t.group.rlimits.nofile());
}
register('epoll_create', (_k, t, a) => { if (int(a[0]) <= 0) throw new Errno(E.EINVAL); return newEpoll(t, 0); });
register('epoll_create1', (_k, t, a) => newEpoll(t, int(a[0])));

function epollOf(t: Task, fd: number): EpollFile {
  const f = t.files.get(fd);
  if (!(f instanceof EpollFile)) throw new Errno(E.EINVAL);
  return f;
}

register('epoll_ctl', (_k, t, a) => {
  const ep = epollOf(t, int(a[0]));
  const op = int(a[1]), fd = int(a[2]);
  const f = t.files.get(fd);
  if (f.location && !f.location.inode.isLink() && (f.location.inode.mode & 0o170000) === 0o100000) throw new Errno(E.EPERM);
  let events = 0, data = 0n;
  if (op !== 2) {
    const b = t.mem.read(a[3], 12);
    events = b.readUInt32LE(0); data = b.readBigUInt64LE(4);
  }
  ep.ctl(op, fd, f, events, data);
  return 0;
});

async function epollWait(t: Task, epfd: number, addr: bigint, max: number, ms: number | null): Promise<number> {
  if (max <= 0 || max > 0x7fffffff / 12) throw new Errno(E.EINVAL);
  const ep = epollOf(t, epfd);
  const r = await ep.wait(t, max, ms);
  if (r.length) {
    const b = Buffer.alloc(r.length * 12);
    r.forEach((e, i) => { b.writeUInt32LE(e.events >>> 0, i * 12); b.writeBigUInt64LE(e.data, i * 12 + 4); });
    t.mem.write(addr, b);
  }
  return r.length;
}
register('epoll_wait', (_k, t, a) => { const ms = int(a[3]); return epollWait(t, int(a[0]), a[1], int(a[2]), ms < 0 ? null : ms); }, 'never');
register('epoll_pwait', (_k, t, a) => {
  const ms = int(a[3]);
  return withSigmask(t, a[4], Number(a[5]), () => epollWait(t, int(a[0]), a[1], int(a[2]), ms < 0 ? null : ms));
}, 'never');
register('epoll_pwait2', (_k, t, a) => withSigmask(t, a[4], Number(a[5]), () => epollWait(t, int(a[0]), a[1], int(a[2]), timespecMs(t, a[3]))), 'never');

// ---- eventfd ----

function eventfd(t: Task, initval: number, flags: number): number {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | EFD_SEMAPHORE)) throw new Errno(E.EINVAL);
  const f = new EventFd(BigInt(initval >>> 0), O.RDWR | (flags & O.NONBLOCK), (flags & EFD_SEMAPHORE) !== 0);
  return t.files.install(f, (flags & O.CLOEXEC) !== 0, t.group.rlimits.nofile());
}
register('eventfd', (_k, t, a) => eventfd(t, uint(a[0]), 0));
register('eventfd2', (_k, t, a) => eventfd(t, uint(a[0]), int(a[1])));
