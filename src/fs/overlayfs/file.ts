// Open overlay files (fs/overlayfs/file.c, readdir.c). A regular file is the
// real file of a layer seen through the overlay: its stat is the overlay's,
// and a file opened before its copy-up reads the copy afterwards. A directory
// lists the merged entries of its layers, without whiteouts.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { anonStat, File, O, type MaybeAsync, type Stat } from '../file.js';
import { HostFile } from '../hostfs/file.js';
import type { OvlInode } from './inode.js';
import { isWhiteout, listDir, tryLookup, type DirEntry } from './util.js';

const DT_CHR = 2, DT_REG = 8;

export class OvlFile extends File {
  /** Opened on a lower object (may have to move to the upper copy). */
  private onLower: boolean;

  constructor(readonly inode: OvlInode, private real: File, flags: number) {
    super(flags);
    this.onLower = inode.upper === null;
    // The status flags are the real file's (fcntl F_SETFL reaches the host fd).
    Object.defineProperty(this, 'flags', {
      get: () => this.real.flags,
      set: (v: number) => { this.real.flags = v; if (this.real instanceof HostFile) this.real.setHostFlags(v); },
      configurable: true, enumerable: true,
    });
  }

  /** ovl_real_fdget: the file of the object's current real inode. */
  private file(task: Task | null): File {
    if (this.onLower && this.inode.upper && task && !(this.real.flags & O.PATH)) {
      const pos = this.real.llseek(0n, 1);
      const f = this.inode.upper.open(task, this.real.flags & ~(O.CREAT | O.EXCL | O.TRUNC));
      f.llseek(pos, 0);
      this.real.put();
      this.real = f;
      this.onLower = false;
    }
    return this.real;
  }

  describe(): string { return this.location?.path ?? this.real.describe(); }
  protected override release(): void { this.real.put(); }

  override read(task: Task, len: number, pos: bigint | null): MaybeAsync<Buffer> { return this.file(task).read(task, len, pos); }
  override write(task: Task, data: Buffer, pos: bigint | null): MaybeAsync<number> { return this.file(task).write(task, data, pos); }
  override llseek(off: bigint, whence: number): bigint { return this.real.llseek(off, whence); }
  override ioctl(task: Task, cmd: number, arg: bigint): MaybeAsync<number> { return this.file(task).ioctl(task, cmd, arg); }
  override poll(): number { return this.real.poll(); }
  override truncate(len: bigint): void { this.real.truncate(len); }
  override fsync(): void { this.real.fsync(); }
  override hostFd(): number | null { return this.real.hostFd(); }
  override isTty(): boolean { return this.real.isTty(); }
  fallocate(mode: number, off: bigint, len: bigint): void {
    const r = this.real as File & { fallocate?: (m: number, o: bigint, l: bigint) => void };
    if (!r.fallocate) throw new Errno(E.ENODEV);
    r.fallocate(mode, off, len);
  }

  override stat(): Stat {
    try { return this.inode.getattr(); } catch {
      // The name is gone: the open object still answers, in the overlay's numbering.
      const st = this.real.stat();
      return { ...st, dev: this.inode.sb.dev, ino: this.inode.sb.xino(st.dev, st.ino, !this.onLower) };
    }
  }
}

/** A lower directory's entries; none when the host user may not read it (as tryLowerLookup finds nothing). */
function lowerEntries(task: Task, dir: Inode): DirEntry[] {
  try { return listDir(task, dir); } catch (e) {
    if (e instanceof Errno && e.errno === E.EACCES) return [];
    throw e;
  }
}

/** The merged entries of an overlay directory ("." and ".." first), as ovl_iterate gives them. */
export function mergedEntries(task: Task, dir: OvlInode): DirEntry[] {
  const style = dir.sb.style;
  const parent = dir.parent ?? dir;
  const out: DirEntry[] = [
    { name: '.', ino: dir.getattr().ino, type: 4 },
    { name: '..', ino: parent.getattr().ino, type: 4 },
  ];
  const seen = new Set<string>(['.', '..']);
  const lowerNames = new Map<string, DirEntry>();
  const lowerDev = new Map<Inode, bigint>();
  dir.lowers.forEach((ld, i) => {
    const last = i === dir.lowers.length - 1;
    const dev = ld.getattr().dev;
    lowerDev.set(ld, dev);
    for (const e of lowerEntries(task, ld)) {
      if (lowerNames.has(e.name) || e.name === '.' || e.name === '..') continue;
      const hidden = !last && e.type === DT_CHR && isWhiteout(ld.lookup(e.name), style);
      lowerNames.set(e.name, hidden ? { ...e, type: -1 } : { ...e, ino: dir.sb.xino(dev, e.ino, false) });
    }
  });
  if (dir.upper) {
    const up = dir.upper;
    const updev = up.getattr().dev;
    for (const e of listDir(task, up)) {
      if (seen.has(e.name)) continue;
      seen.add(e.name);
      if (e.type === DT_CHR || (e.type === DT_REG && !style.chr)) {
        const u = tryLookup(up, e.name);
        if (!u || isWhiteout(u, style)) continue;
      }
      if (lowerNames.has(e.name)) {
        // Copied up (or replacing a lower object): the number stat gives.
        let ino = dir.sb.xino(updev, e.ino, true);
        try { ino = dir.lookup(e.name).getattr().ino; } catch { /* raced away */ }
        out.push({ ...e, ino });
      } else out.push({ ...e, ino: dir.sb.xino(updev, e.ino, true) });
    }
  }
  for (const [name, e] of lowerNames) {
    if (seen.has(name)) continue;
    seen.add(name);
    if (e.type !== -1) out.push(e);
  }
  return out;
}

type Inode = import('../inode.js').Inode;

/** An open overlay directory: the merged listing, read once per rewind. */
export class OvlDirFile extends File {
  private entries: DirEntry[] | null = null;
  private index = 0;

  /** task: the opener, whose rights list the layers' directories. */
  /** The last stat seen: a removed directory still answers fstat (with no links), as on Linux. */
  private last: Stat | null = null;

  constructor(readonly inode: OvlInode, private readonly task: Task, flags: number) {
    super(flags);
    try { this.last = inode.getattr(); } catch { /* already removed */ }
  }

  describe(): string { return this.location?.path ?? '/'; }

  override getdents(max: number): Buffer {
    this.entries ??= mergedEntries(this.task, this.inode);
    const parts: Buffer[] = [];
    let used = 0;
    while (this.index < this.entries.length) {
      const e = this.entries[this.index];
      const name = Buffer.from(e.name, 'latin1');
      const reclen = (19 + name.length + 1 + 7) & ~7;
      if (used + reclen > max) {
        if (used === 0) throw new Errno(E.EINVAL);
        break;
      }
      const b = Buffer.alloc(reclen);
      b.writeBigUInt64LE(e.ino, 0);
      b.writeBigInt64LE(BigInt(this.index + 1), 8);
      b.writeUInt16LE(reclen, 16);
      b[18] = e.type;
      name.copy(b, 19);
      parts.push(b);
      used += reclen;
      this.index++;
    }
    return Buffer.concat(parts);
  }

  override llseek(off: bigint, whence: number): bigint {
    let at: bigint;
    if (whence === 0) at = off;
    else if (whence === 1) at = BigInt(this.index) + off;
    else throw new Errno(E.EINVAL);
    if (at < 0n) throw new Errno(E.EINVAL);
    // rewinddir sees entries made since the directory was opened.
    if (at === 0n) this.entries = null;
    this.index = Number(at);
    return at;
  }

  override stat(): Stat {
    try { return (this.last = this.inode.getattr()); } catch (e) {
      if (!(e instanceof Errno) || e.errno !== E.ENOENT) throw e;
      return { ...(this.last ?? anonStat(0o040755, this.inode.sb.dev)), nlink: 0n };
    }
  }
  override fsync(): void {}
}
