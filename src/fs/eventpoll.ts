// epoll (fs/eventpoll.c): an interest list of (fd, file) pairs and their
// events. Level-triggered items are reported while ready; edge-triggered ones
// once per wake-up of the file; EPOLLONESHOT items until re-armed.
import { Errno, E } from '../host/errno.js';
import { sleepOn } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import type { WaitQueue } from '../kernel/wait.js';
import { anonStat, File, POLL, type Stat } from './file.js';

export const EPOLLET = 1 << 31, EPOLLONESHOT = 1 << 30, EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29;
const ALWAYS = POLL.ERR | POLL.HUP;

/** The queues a waiter on file must listen to. */
export function fileQueues(f: File): WaitQueue[] {
  const extra = (f as File & { inputQueue?(): WaitQueue | null }).inputQueue?.();
  return extra ? [f.waitq, extra] : [f.waitq];
}

interface Item {
  fd: number; file: File; events: number; data: bigint; dirty: boolean; disabled: boolean;
  unsub: (() => void)[]; forget: () => void;
}

export class EpollFile extends File {
  private items = new Map<string, Item>();
  private st: Stat = anonStat(0o600, 0xdn);
  describe(): string { return 'anon_inode:[eventpoll]'; }
  override stat(): Stat { return this.st; }

  private key(fd: number, f: File): string { return `${fd}:${objId(f)}`; }

  private subscribe(it: Item): void {
    for (const u of it.unsub) u();
    it.unsub = fileQueues(it.file).map((q) => q.add(() => {
      it.dirty = true;
      this.waitq.wake();
      this.subscribe(it);
    }));
  }

  ctl(op: number, fd: number, f: File, events: number, data: bigint): void {
    if (f === this) throw new Errno(E.EINVAL);
    const k = this.key(fd, f);
    const it = this.items.get(k);
    if (op === 1) {           // EPOLL_CTL_ADD
      if (it) throw new Errno(E.EEXIST);
      const n: Item = { fd, file: f, events, data, dirty: true, disabled: false, unsub: [], forget: () => {} };
      n.forget = () => { for (const u of n.unsub) u(); this.items.delete(k); };
      f.closeHooks.add(n.forget);
      this.items.set(k, n);
      this.subscribe(n);
    } else if (op === 2) {    // EPOLL_CTL_DEL
      if (!it) throw new Errno(E.ENOENT);
      for (const u of it.unsub) u();
      it.file.closeHooks.delete(it.forget);
      this.items.delete(k);
    } else if (op === 3) {    // EPOLL_CTL_MOD
      if (!it) throw new Errno(E.ENOENT);
      if (it.events & EPOLLEXCLUSIVE) throw new Errno(E.EINVAL);
      it.events = events; it.data = data; it.dirty = true; it.disabled = false;
    } else throw new Errno(E.EINVAL);
    this.waitq.wake();
  }

  /** Drops items whose fd was closed in the owner's table (Linux removes them on the last close). */
  private ready(max: number): { events: number; data: bigint }[] {
    const out: { events: number; data: bigint }[] = [];
    for (const it of this.items.values()) {
      if (out.length >= max) break;
      if (it.disabled) continue;
      const ev = it.file.poll() & (it.events | ALWAYS) & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
      if (!ev) continue;
      if ((it.events & EPOLLET) && !it.dirty) continue;
      it.dirty = false;
      if (it.events & EPOLLONESHOT) it.disabled = true;
      out.push({ events: ev, data: it.data });
    }
    return out;
  }

  async wait(task: Task, max: number, timeoutMs: number | null): Promise<{ events: number; data: bigint }[]> {
    const deadline = timeoutMs === null ? null : Date.now() + timeoutMs;
    for (;;) {
      const r = this.ready(max);
      if (r.length || timeoutMs === 0) return r;
      const left = deadline === null ? null : deadline - Date.now();
      if (left !== null && left <= 0) return r;
      const woke = await sleepOn(task, [this.waitq], left);
      if (!woke) return this.ready(max);
    }
  }

  override poll(): number {
    for (const it of this.items.values()) {
      if (!it.disabled && (it.file.poll() & (it.events | ALWAYS))) return POLL.IN | POLL.RDNORM;
    }
    return 0;
  }

  protected override release(): void {
    for (const it of this.items.values()) { for (const u of it.unsub) u(); it.file.closeHooks.delete(it.forget); }
    this.items.clear();
  }
}

const ids = new WeakMap<object, number>();
let nextId = 1;
function objId(o: object): number {
  let i = ids.get(o);
  if (!i) { i = nextId++; ids.set(o, i); }
  return i;
}
