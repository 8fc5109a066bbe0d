// eventfd (fs/eventfd.c): a 64-bit counter as a file.
import { Errno, E } from '../host/errno.js';
import { sleepOn } from '../kernel/sched.js';
import type { Task } from '../kernel/task.js';
import { anonStat, File, POLL, type Stat } from './file.js';

export const EFD_SEMAPHORE = 1;
const MAX = 0xfffffffffffffffen;

export class EventFd extends File {
  private st: Stat = anonStat(0o600, 0xdn);
  constructor(private count: bigint, flags: number, readonly semaphore: boolean) { super(flags); }
  describe(): string { return 'anon_inode:[eventfd]'; }
  override stat(): Stat { return this.st; }

  override async read(task: Task, len: number): Promise<Buffer> {
    if (len < 8) throw new Errno(E.EINVAL);
    while (this.count === 0n) {
      if (this.nonblock) throw new Errno(E.EAGAIN);
      await sleepOn(task, [this.waitq]);
    }
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    this.waitq.wake();
    return b;
  }

  override async write(task: Task, data: Buffer): Promise<number> {
    if (data.length < 8) throw new Errno(E.EINVAL);
    const v = data.readBigUInt64LE(0);
    if (v === 0xffffffffffffffffn) throw new Errno(E.EINVAL);
    while (MAX - this.count < v) {
      if (this.nonblock) throw new Errno(E.EAGAIN);
      await sleepOn(task, [this.waitq]);
    }
    this.count += v;
    this.waitq.wake();
    return 8;
  }

  override poll(): number {
    let ev = 0;
    if (this.count > 0n) ev |= POLL.IN | POLL.RDNORM;
    if (this.count < MAX) ev |= POLL.OUT | POLL.WRNORM;
    return ev;
  }
}
