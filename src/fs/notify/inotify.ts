// inotify (fs/notify/inotify/inotify_user.c, inotify_fsnotify.c): an open
// file whose watches turn fsnotify events into struct inotify_event records.
// Watch descriptors count from 1; an event equal to the last one queued is
// merged with it; past max_queued_events one IN_Q_OVERFLOW stands for the
// rest; a removed watch ends with IN_IGNORED.
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { sleepOn } from '../../kernel/sched.js';
import { anonStat, File, POLL, type Stat } from '../file.js';
import { addMark, IN, removeMark, type Mark } from './fsnotify.js';

/** /proc/sys/fs/inotify: max_queued_events and max_user_watches as Linux sets them. */
export const MAX_QUEUED_EVENTS = 16384;
export const MAX_USER_WATCHES = 8192;
const EVENT_SIZE = 16;
const FIONREAD = 0x541b;

interface Event { wd: number; mask: number; cookie: number; name: string | null }

class Watch implements Mark {
  constructor(readonly owner: InotifyFile, readonly wd: number, readonly key: string, public mask: number) {}
  event(mask: number, cookie: number, name: string | null): void {
    this.owner.queue({ wd: this.wd, mask: mask & (IN_EVENTS | IN.ISDIR), cookie, name });
    if (this.mask & IN.ONESHOT) this.owner.drop(this);
  }
  inodeGone(): void { this.owner.drop(this); }
}
const IN_EVENTS = 0xfff;

/** struct inotify_event with its name NUL-padded to a multiple of the header's size. */
function encode(e: Event): Buffer {
  const name = e.name === null ? Buffer.alloc(0) : Buffer.from(e.name, 'latin1');
  const len = e.name === null ? 0 : Math.ceil((name.length + 1) / EVENT_SIZE) * EVENT_SIZE;
  const b = Buffer.alloc(EVENT_SIZE + len);
  b.writeInt32LE(e.wd, 0);
  b.writeUInt32LE(e.mask >>> 0, 4);
  b.writeUInt32LE(e.cookie >>> 0, 8);
  b.writeUInt32LE(len, 12);
  name.copy(b, EVENT_SIZE);
  return b;
}

export class InotifyFile extends File {
  private readonly events: Event[] = [];
  private overflowed = false;
  private readonly byWd = new Map<number, Watch>();
  private readonly byKey = new Map<string, Watch>();
  private nextWd = 1;
  private readonly st: Stat = anonStat(0o600, 0xdn);

  constructor(private readonly kernel: Kernel, flags: number) { super(flags); }

  describe(): string { return 'anon_inode:inotify'; }
  override stat(): Stat { return this.st; }

  /** inotify_add_watch on the inode with this key: the wd, new or updated. */
  addWatch(key: string, mask: number): number {
    const events = mask & (IN_EVENTS | IN.ONESHOT | IN.EXCL_UNLINK | IN.ONLYDIR | IN.DONT_FOLLOW);
    const old = this.byKey.get(key);
    if (old) {
      if (mask & IN.MASK_CREATE) throw new Errno(E.EEXIST);
      old.mask = (mask & IN.MASK_ADD) ? old.mask | events : events;
      return old.wd;
    }
    if (this.byWd.size >= MAX_USER_WATCHES) throw new Errno(E.ENOSPC);
    const w = new Watch(this, this.nextWd++, key, events);
    this.byWd.set(w.wd, w);
    this.byKey.set(key, w);
    addMark(this.kernel, key, w);
    return w.wd;
  }

  rmWatch(wd: number): void {
    const w = this.byWd.get(wd);
    if (!w) throw new Errno(E.EINVAL);
    this.drop(w);
  }

  /** The watch ends: IN_IGNORED is its last event. */
  drop(w: Watch): void {
    if (this.byWd.get(w.wd) !== w) return;
    this.byWd.delete(w.wd);
    this.byKey.delete(w.key);
    removeMark(this.kernel, w.key, w);
    this.queue({ wd: w.wd, mask: IN.IGNORED, cookie: 0, name: null });
  }

  queue(e: Event): void {
    const last = this.events[this.events.length - 1];
    if (last && last.wd === e.wd && last.mask === e.mask && last.cookie === e.cookie && last.name === e.name) return;
    if (this.events.length >= MAX_QUEUED_EVENTS) {
      if (!this.overflowed) { this.overflowed = true; this.events.push({ wd: -1, mask: IN.Q_OVERFLOW, cookie: 0, name: null }); }
    } else this.events.push(e);
    this.waitq.wake();
  }

  override async read(task: Task, len: number): Promise<Buffer> {
    while (this.events.length === 0) {
      if (this.nonblock) throw new Errno(E.EAGAIN);
      await sleepOn(task, [this.waitq]);
    }
    const out: Buffer[] = [];
    let n = 0;
    while (this.events.length) {
      const b = encode(this.events[0]);
      if (n + b.length > len) break;
      out.push(b); n += b.length;
      this.events.shift();
    }
    if (n === 0) throw new Errno(E.EINVAL);   // not even the first event fits
    if (this.events.length < MAX_QUEUED_EVENTS) this.overflowed = false;
    return Buffer.concat(out);
  }

  override poll(): number { return this.events.length ? POLL.IN | POLL.RDNORM : 0; }

  override ioctl(task: Task, cmd: number, arg: bigint): number {
    if (cmd !== FIONREAD) throw new Errno(E.ENOTTY);
    const b = Buffer.alloc(4);
    b.writeInt32LE(this.events.reduce((s, e) => s + encode(e).length, 0));
    task.mem.write(arg, b);
    return 0;
  }

  protected override release(): void {
    for (const w of [...this.byWd.values()]) removeMark(this.kernel, w.key, w);
    this.byWd.clear();
    this.byKey.clear();
  }
}
