// The ext4 extent tree (fs/ext4/extents.c), read side: the header in i_block
// or in an index/leaf block, index entries leading down to leaves, leaf
// extents mapping runs of logical blocks to physical ones. Extents marked
// unwritten (length above 32768) read as zeros, as ext4 reads them.
import { Errno, E } from '../../host/errno.js';

export const EXT4_EXT_MAGIC = 0xf30a;
const UNWRITTEN_MAX = 32768;

/** A run starting at the asked logical block: pblk 0 is a hole (or unwritten), len blocks long. */
export interface Run { pblk: number; len: number }

/**
 * Maps logical block lblk through the tree whose root is in iblock (the
 * inode's 60 bytes); readBlock gives a tree block's contents. The run ends at
 * the extent's end, or for a hole at the next extent (Infinity when none).
 */
export function extentRun(iblock: Buffer, lblk: number, readBlock: (b: number) => Buffer): Run {
  let node = iblock;
  let nextStart = Infinity;
  for (let level = 0; level < 8; level++) {
    if (node.readUInt16LE(0) !== EXT4_EXT_MAGIC) throw new Errno(E.EIO);
    const entries = node.readUInt16LE(2);
    const depth = node.readUInt16LE(6);
    // The last entry starting at or before lblk (entries are sorted by start).
    let i = -1;
    for (let k = 0; k < entries; k++) {
      const start = node.readUInt32LE(12 + k * 12);
      if (start <= lblk) i = k;
      else { nextStart = Math.min(nextStart, start); break; }
    }
    if (depth === 0) {
      if (i < 0) return { pblk: 0, len: nextStart - lblk };
      const o = 12 + i * 12;
      const start = node.readUInt32LE(o);
      let len = node.readUInt16LE(o + 4);
      const unwritten = len > UNWRITTEN_MAX;
      if (unwritten) len -= UNWRITTEN_MAX;
      const pstart = node.readUInt16LE(o + 6) * 2 ** 32 + node.readUInt32LE(o + 8);
      if (lblk >= start + len) return { pblk: 0, len: nextStart - lblk };
      return { pblk: unwritten ? 0 : pstart + (lblk - start), len: start + len - lblk };
    }
    if (i < 0) return { pblk: 0, len: nextStart - lblk };
    const o = 12 + i * 12;
    node = readBlock(node.readUInt16LE(o + 8) * 2 ** 32 + node.readUInt32LE(o + 4));
  }
  throw new Errno(E.EIO);
}
