// Open ext2 files (fs/ext2/file.c and dir.c's readdir): reads and writes go
// through the buffer cache block by block (holes read as zeros, a write into
// a hole allocates), llseek knows SEEK_DATA and SEEK_HOLE from the block map,
// directories list their entries with getdents64 at stable byte offsets.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { File, O, type Stat } from '../file.js';
import { writeLimit } from '../fsize.js';
import { readdir } from './dir.js';
import { RO_COMPAT } from './ext2.js';
import { nowTime, type Ext2Inode } from './inode.js';

const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
const MAX_LFS = 2n ** 63n - 1n;

abstract class Ext2OpenFile extends File {
  constructor(readonly inode: Ext2Inode, flags: number) {
    super(flags);
    inode.openCount++;
  }
  describe(): string { return this.location?.path ?? `ext2:${this.inode.ino}`; }
  override stat(): Stat { return this.inode.getattr(); }
  protected override release(): void {
    this.inode.openCount--;
    this.inode.evictIfUnused();
  }
  override fsync(): void { this.inode.fsync(); }
}

/** An O_PATH open: only stat and the location. */
export class Ext2PathFile extends Ext2OpenFile {}

export class Ext2File extends Ext2OpenFile {
  override read(_task: Task, len: number, pos: bigint | null): Buffer {
    if (!this.readable) throw new Errno(E.EBADF);
    const inode = this.inode;
    const start = pos ?? this.pos;
    if (start >= BigInt(inode.size) || len === 0) return Buffer.alloc(0);
    const at = Number(start);
    const n = Math.min(len, inode.size - at);
    const out = Buffer.alloc(n);
    const bs = inode.sb.blockSize;
    let done = 0;
    while (done < n) {
      const off = at + done;
      const lblk = Math.floor(off / bs), inBlock = off % bs;
      const run = inode.mapRun(lblk);
      const runBytes = Math.min(n - done, run.len === Infinity ? n - done : run.len * bs - inBlock);
      if (run.pblk === 0) { done += runBytes; continue; }   // a hole: zeros
      // The blocks of this read in the run, read from the device together.
      const blocks = Math.min(run.len, Math.ceil((inBlock + n - done) / bs));
      const cache = inode.sb.cache;
      cache.readahead(run.pblk, blocks);
      for (let b = 0, from = inBlock; b < blocks && done < n; b++, from = 0) {
        const chunk = Math.min(bs - from, n - done);
        cache.bread(run.pblk + b).data.copy(out, done, from, from + chunk);
        done += chunk;
      }
    }
    if (pos === null) this.pos = start + BigInt(n);
    this.touchAtime();
    return out;
  }

  /** relatime: atime moves when it is older than mtime or ctime, or a day old. */
  private touchAtime(): void {
    const inode = this.inode;
    if (inode.sb.readOnly || (this.flags & O.NOATIME)) return;
    const a = inode.atime[0];
    const now = nowTime();
    if (a <= inode.mtime[0] || a <= inode.ctime[0] || now[0] - a >= 86400n) {
      if (a === now[0]) return;
      inode.atime = now;
      inode.save();
    }
  }

  override write(task: Task, data: Buffer, pos: bigint | null): number {
    if (!this.writable) throw new Errno(E.EBADF);
    const inode = this.inode;
    const sb = inode.sb;
    sb.checkWritable();
    sb.current = task;
    let start = pos ?? this.pos;
    if (this.flags & O.APPEND) start = BigInt(inode.size);
    const len = writeLimit(task, data.length, () => start);
    if (len < data.length) data = data.subarray(0, len);
    const bs = sb.blockSize;
    const max = inode.maxBlocks * bs;
    if (start >= BigInt(max)) throw new Errno(E.EFBIG);
    if (start + BigInt(data.length) > BigInt(max)) data = data.subarray(0, max - Number(start));
    const at = Number(start);
    let done = 0;
    try {
      while (done < data.length) {
        const off = at + done;
        const lblk = Math.floor(off / bs), inBlock = off % bs;
        const chunk = Math.min(bs - inBlock, data.length - done);
        const { pblk, fresh } = inode.bmapCreate(lblk);
        // A whole-block write needs no read of the old contents; a new block is already zeros.
        const bh = fresh || chunk === bs ? sb.cache.getZeroed(pblk, inode.dirtyBlocks) : sb.cache.bread(pblk);
        data.copy(bh.data, inBlock, done, done + chunk);
        sb.cache.markDirty(bh, inode.dirtyBlocks);
        done += chunk;
        if (off + chunk > inode.size) inode.size = off + chunk;
      }
    } catch (e) {
      if (done === 0) throw e;
    } finally {
      if (done > 0) {
        if (inode.size > 0x7fffffff) sb.setRoCompat(RO_COMPAT.LARGE_FILE);
        inode.mtime = inode.ctime = nowTime();
        // Writing drops setuid, and setgid of a group-executable file (file_remove_privs).
        if (inode.imode & 0o6000 && !task.cred.capable(4 /* CAP_FSETID */)) {
          inode.imode &= ~(0o4000 | ((inode.imode & 0o10) ? 0o2000 : 0));
        }
        inode.save();
      }
    }
    if (pos === null || (this.flags & O.APPEND)) this.pos = start + BigInt(done);
    return done;
  }

  override llseek(off: bigint, whence: number): bigint {
    const size = BigInt(this.inode.size);
    let to: bigint;
    switch (whence) {
      case SEEK_SET: to = off; break;
      case SEEK_CUR: to = this.pos + off; break;
      case SEEK_END: to = size + off; break;
      case SEEK_DATA: case SEEK_HOLE:
        if (off < 0n || off >= size) throw new Errno(E.ENXIO);
        to = this.seekDataHole(Number(off), whence === SEEK_DATA);
        break;
      default: throw new Errno(E.EINVAL);
    }
    if (to < 0n || to > MAX_LFS) throw new Errno(E.EINVAL);
    this.pos = to;
    return to;
  }

  /** The next data (or hole) at or after off, by runs of the block map; the end of file is a hole. */
  private seekDataHole(off: number, data: boolean): bigint {
    const inode = this.inode;
    const bs = inode.sb.blockSize;
    const size = inode.size;
    let lblk = Math.floor(off / bs);
    while (lblk * bs < size) {
      const run = inode.mapRun(lblk);
      const isData = run.pblk !== 0;
      if (isData === data) return BigInt(Math.max(off, lblk * bs));
      if (run.len === Infinity) break;
      lblk += run.len;
    }
    if (data) throw new Errno(E.ENXIO);
    return BigInt(size);
  }

  override truncate(len: bigint): void {
    const sb = this.inode.sb;
    sb.checkWritable();
    if (len > BigInt(this.inode.maxBlocks * sb.blockSize)) throw new Errno(E.EFBIG);
    this.inode.setSize(Number(len));
  }
}

export class Ext2DirFile extends Ext2OpenFile {
  override getdents(max: number): Buffer {
    const r = readdir(this.inode, Number(this.pos), max);
    this.pos = BigInt(r.pos);
    return r.data;
  }

  override read(): Buffer { throw new Errno(E.EISDIR); }

  override llseek(off: bigint, whence: number): bigint {
    let to: bigint;
    if (whence === SEEK_SET) to = off;
    else if (whence === SEEK_CUR) to = this.pos + off;
    else if (whence === SEEK_END) to = BigInt(this.inode.size) + off;
    else throw new Errno(E.EINVAL);
    if (to < 0n) throw new Errno(E.EINVAL);
    this.pos = to;
    return to;
  }
}
