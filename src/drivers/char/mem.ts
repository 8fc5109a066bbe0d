// The memory devices (drivers/char/mem.c and random.c): major 1, with
// /dev/kmsg (1:11) from kmsg.ts.
import { randomFillSync } from 'node:crypto';
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { anonStat, File, S_IFCHR, type Stat } from '../../fs/file.js';
import { addDeviceNode, mkdev, registerChrdev } from '../registry.js';
import { KmsgFile } from './kmsg.js';

type Kind = 'null' | 'zero' | 'full' | 'random' | 'urandom';
const MINORS: Record<number, Kind> = { 3: 'null', 5: 'zero', 7: 'full', 8: 'random', 9: 'urandom' };

class MemFile extends File {
  private st: Stat;
  constructor(readonly kind: Kind, minor: number, flags: number) {
    super(flags);
    this.st = anonStat(S_IFCHR | 0o666, 6n);
    this.st.rdev = mkdev(1, minor);
  }
  describe(): string { return `/dev/${this.kind}`; }
  override stat(): Stat { return this.st; }
  override read(_t: Task, len: number): Buffer {
    const n = Math.min(len, 1 << 20);
    if (this.kind === 'null') return Buffer.alloc(0);
    if (this.kind === 'zero' || this.kind === 'full') return Buffer.alloc(n);
    return randomFillSync(Buffer.alloc(n));
  }
  override write(_t: Task, data: Buffer): number {
    if (this.kind === 'full') throw new Errno(E.ENOSPC);
    return data.length;
  }
  override llseek(): bigint { return 0n; }
}

registerChrdev(1, (task, minor, flags) => {
  if (minor === 11) return new KmsgFile(task.kernel.log, flags);
  const kind = MINORS[minor];
  if (!kind) throw new Errno(E.ENXIO);
  return new MemFile(kind, minor, flags);
});

// devlist[] of mem.c: each device's /dev node, all 0666 as Linux makes them.
for (const [minor, kind] of Object.entries(MINORS)) {
  addDeviceNode({ name: kind, type: S_IFCHR, rdev: mkdev(1, Number(minor)), mode: 0o666 });
}
