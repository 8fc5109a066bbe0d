// Block allocation (fs/ext2/balloc.c): the block bitmaps of the groups, the
// free counts of the group descriptors, allocation near a goal block, and
// the reserved blocks that only root (or s_resuid/s_resgid) may use.
import { Errno, E } from '../../host/errno.js';
import { CAP } from '../../kernel/cred.js';
import { S } from './ext2.js';
import type { Ext2Super } from './super.js';

/** The first clear bit of bitmap in [from, to), or -1. */
export function findZeroBit(bitmap: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to) {
    if ((i & 7) === 0 && i + 8 <= to && bitmap[i >> 3] === 0xff) { i += 8; continue; }
    if (!(bitmap[i >> 3] & (1 << (i & 7)))) return i;
    i++;
  }
  return -1;
}

/** ext2_has_free_blocks: whether the caller may take a block (the reserve is root's). */
function mayAllocate(sb: Ext2Super): boolean {
  const free = sb.freeBlocksCount();
  if (free === 0) return false;
  const reserved = sb.reservedBlocks();
  if (free > reserved) return true;
  const cred = sb.current?.cred;
  if (!cred) return true;
  const raw = sb.raw;
  return cred.capable(CAP.SYS_RESOURCE) || cred.fsuid === raw.readUInt16LE(S.def_resuid) ||
    (raw.readUInt16LE(S.def_resgid) !== 0 && cred.inGroup(raw.readUInt16LE(S.def_resgid)));
}

/** Takes a free block in group g at or after bit `from`; -1 when the group is full. */
function takeInGroup(sb: Ext2Super, g: number, from: number): number {
  const gd = sb.groups[g];
  if (gd.freeBlocks === 0) return -1;
  const bh = sb.cache.bread(gd.blockBitmap);
  const n = sb.groupBlocks(g);
  let bit = findZeroBit(bh.data, from, n);
  if (bit < 0 && from > 0) bit = findZeroBit(bh.data, 0, from);
  if (bit < 0) return -1;
  bh.data[bit >> 3] |= 1 << (bit & 7);
  sb.cache.markDirty(bh);
  gd.freeBlocks--;
  sb.saveGroup(g);
  return sb.groupFirstBlock(g) + bit;
}

/** ext2_new_block: a free block, as near the goal as can be; ENOSPC when there is none for the caller. */
export function newBlock(sb: Ext2Super, goal: number): number {
  if (!mayAllocate(sb)) throw new Errno(E.ENOSPC);
  if (goal < sb.firstDataBlock || goal >= sb.blocksCount) goal = sb.firstDataBlock;
  const g0 = Math.floor((goal - sb.firstDataBlock) / sb.blocksPerGroup);
  for (let i = 0; i < sb.groupCount; i++) {
    const g = (g0 + i) % sb.groupCount;
    const b = takeInGroup(sb, g, i === 0 ? goal - sb.groupFirstBlock(g) : 0);
    if (b >= 0) return b;
  }
  throw new Errno(E.ENOSPC);
}

/** ext2_free_blocks: gives blocks back (sorted for bitmap locality). A bit already clear is an error Linux logs. */
export function freeBlocks(sb: Ext2Super, blocks: number[]): void {
  blocks.sort((a, b) => a - b);
  for (const b of blocks) {
    if (b < sb.firstDataBlock || b >= sb.blocksCount) { sb.msg(3, `error: ext2_free_blocks: Freeing blocks not in datazone - block = ${b}`); continue; }
    const g = Math.floor((b - sb.firstDataBlock) / sb.blocksPerGroup);
    const bit = b - sb.groupFirstBlock(g);
    const gd = sb.groups[g];
    const bh = sb.cache.bread(gd.blockBitmap);
    if (!(bh.data[bit >> 3] & (1 << (bit & 7)))) { sb.msg(3, `error: ext2_free_blocks: bit already cleared for block ${b}`); continue; }
    bh.data[bit >> 3] &= ~(1 << (bit & 7));
    sb.cache.markDirty(bh);
    sb.cache.forget(b);
    gd.freeBlocks++;
    sb.saveGroup(g);
  }
}
