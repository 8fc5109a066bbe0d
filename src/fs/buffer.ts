// The buffer cache (fs/buffer.c, with the page cache folded in): blocks of a
// block device kept in memory, written back when dirty. Writes stay here
// until sync (fsync, sync(2), umount, the periodic flusher) or until the
// cache is over its bound, when the oldest dirty blocks are written out.
import type { BlockDevice } from '../block/blkdev.js';
import { Errno, E } from '../host/errno.js';

export interface BufferHead {
  readonly block: number; readonly data: Buffer; dirty: boolean;
  /** The cache's clock at the buffer's last move to the recent end of the LRU order. */
  used?: number;
}

/** Default bound of one cache, in bytes. */
export const BUFFER_CACHE_MAX = 64 << 20;

export class BufferCache {
  /** In least-recently-used order (a Map keeps insertion order). */
  private readonly bufs = new Map<number, BufferHead>();
  private readonly dirtySet = new Set<number>();
  private readonly maxBuffers: number;
  /** Counts lookups and insertions: the age of a buffer in the LRU order. */
  private clock = 0;

  constructor(readonly bdev: BlockDevice, readonly blockSize: number, maxBytes = BUFFER_CACHE_MAX) {
    this.maxBuffers = Math.max(64, Math.floor(maxBytes / blockSize));
  }

  get dirtyCount(): number { return this.dirtySet.size; }

  /** bread: the block's buffer, read from the device on a miss. */
  bread(block: number): BufferHead {
    const bh = this.bufs.get(block);
    this.clock++;
    if (bh) {
      // Moved to the recent end only when it has drifted a quarter of the way
      // to the old end: the bitmaps, descriptors and indirect blocks that
      // every write reads stay cheap to find (a Map lookup, no reinsertion).
      if (this.clock - (bh.used ?? 0) > this.maxBuffers >> 2) {
        this.bufs.delete(block); this.bufs.set(block, bh);
        bh.used = this.clock;
      }
      return bh;
    }
    const data = this.bdev.read(BigInt(block) * BigInt(this.blockSize), this.blockSize);
    if (data.length !== this.blockSize) throw new Errno(E.EIO);
    return this.insert({ block, data, dirty: false });
  }

  /**
   * Reads the blocks of [block, block + count) that are not cached, each run
   * of missing blocks in one device read (a file's contiguous blocks cost one
   * host read, not one per block), as the page cache's readahead does.
   */
  readahead(block: number, count: number): void {
    let i = 0;
    while (i < count) {
      if (this.bufs.has(block + i)) { i++; continue; }
      let j = i + 1;
      while (j < count && j - i < 256 && !this.bufs.has(block + j)) j++;
      const n = j - i, bs = this.blockSize;
      const data = this.bdev.read(BigInt(block + i) * BigInt(bs), n * bs);
      if (data.length !== n * bs) throw new Errno(E.EIO);
      for (let k = 0; k < n; k++) this.insert({ block: block + i + k, data: data.subarray(k * bs, (k + 1) * bs), dirty: false });
      i = j;
    }
  }

  /** getblk for a block about to be overwritten entirely: zeroed, never read, dirty (owner as for markDirty). */
  getZeroed(block: number, owner?: Set<number>): BufferHead {
    let bh = this.bufs.get(block);
    if (bh) bh.data.fill(0);
    else bh = this.insert({ block, data: Buffer.alloc(this.blockSize), dirty: false });
    this.markDirty(bh, owner);
    return bh;
  }

  /**
   * mark_buffer_dirty, and mark_buffer_dirty_inode when owner is given: the
   * owner (an inode's set of blocks) remembers the block, so that fsync of
   * that inode writes its own blocks and not the whole cache.
   */
  markDirty(bh: BufferHead, owner?: Set<number>): void {
    owner?.add(bh.block);
    // A buffer held across many reads may have been shrunk away: keep it.
    if (this.bufs.get(bh.block) !== bh) this.bufs.set(bh.block, bh);
    if (!bh.dirty) { bh.dirty = true; this.dirtySet.add(bh.block); }
  }

  /** bforget: the block was freed, its contents no longer matter. */
  forget(block: number): void {
    this.bufs.delete(block);
    this.dirtySet.delete(block);
  }

  /** Writes every dirty block (or only those in blocks), coalescing runs of adjacent blocks. */
  writeback(blocks?: Iterable<number>): void {
    const list = [...(blocks ?? this.dirtySet)].filter((b) => this.dirtySet.has(b)).sort((a, b) => a - b);
    let i = 0;
    while (i < list.length) {
      let j = i + 1;
      while (j < list.length && list[j] === list[j - 1] + 1 && j - i < 256) j++;
      const run = list.slice(i, j).map((b) => this.bufs.get(b)!);
      const data = run.length === 1 ? run[0].data : Buffer.concat(run.map((bh) => bh.data));
      this.bdev.write(BigInt(list[i]) * BigInt(this.blockSize), data);
      for (const bh of run) { bh.dirty = false; this.dirtySet.delete(bh.block); }
      i = j;
    }
  }

  /** Writes back everything and makes it durable on the host. */
  sync(): void {
    this.writeback();
    this.bdev.flush();
  }

  /** Drops every buffer (after a sync, at umount). */
  invalidate(): void { this.bufs.clear(); this.dirtySet.clear(); }

  private insert(bh: BufferHead): BufferHead {
    bh.used = ++this.clock;
    this.bufs.set(bh.block, bh);
    if (this.bufs.size > this.maxBuffers) this.shrink();
    return bh;
  }

  /** Frees the oldest quarter of the cache, writing back the dirty buffers among them first. */
  private shrink(): void {
    const victims: BufferHead[] = [];
    const want = this.bufs.size - Math.floor(this.maxBuffers * 3 / 4);
    for (const bh of this.bufs.values()) { if (victims.length >= want) break; victims.push(bh); }
    const dirty = victims.filter((bh) => bh.dirty).map((bh) => bh.block);
    if (dirty.length) this.writeback(dirty);
    for (const bh of victims) this.bufs.delete(bh.block);
  }
}
