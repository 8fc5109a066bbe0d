// Inode allocation (fs/ext2/ialloc.c): the inode bitmaps, the choice of a
// group (directories spread over the groups with room, files kept with their
// parent directory) and freeing.
import { Errno, E } from '../../host/errno.js';
import { findZeroBit } from './balloc.js';
import type { Ext2Super } from './super.js';

/** find_group_dir: a group with at least the average free inodes, the one with the most free blocks among them. */
function groupForDir(sb: Ext2Super): number {
  const avg = sb.freeInodesCount() / sb.groupCount;
  let best = -1;
  for (let g = 0; g < sb.groupCount; g++) {
    const gd = sb.groups[g];
    if (gd.freeInodes === 0 || gd.freeInodes < avg) continue;
    if (best < 0 || gd.freeBlocks > sb.groups[best].freeBlocks) best = g;
  }
  return best;
}

/** find_group_other: the parent's group, then a quadratic hash from it, then any group with a free inode. */
function groupForFile(sb: Ext2Super, parentGroup: number): number {
  const n = sb.groupCount;
  const ok = (g: number) => sb.groups[g].freeInodes > 0 && sb.groups[g].freeBlocks > 0;
  if (ok(parentGroup)) return parentGroup;
  let g = parentGroup;
  for (let i = 1; i < n; i <<= 1) { g = (g + i) % n; if (ok(g)) return g; }
  for (let i = 0; i < n; i++) { g = (parentGroup + i) % n; if (sb.groups[g].freeInodes > 0) return g; }
  return -1;
}

/** ext2_new_inode's allocation: a free inode number, counted in its group. */
export function newInodeNumber(sb: Ext2Super, parentIno: number, isDir: boolean): number {
  const parentGroup = Math.floor((parentIno - 1) / sb.inodesPerGroup);
  let g = isDir ? groupForDir(sb) : groupForFile(sb, parentGroup);
  if (g < 0) g = groupForFile(sb, parentGroup);
  if (g < 0) throw new Errno(E.ENOSPC);
  for (let tries = 0; tries < sb.groupCount; tries++, g = (g + 1) % sb.groupCount) {
    const gd = sb.groups[g];
    if (gd.freeInodes === 0) continue;
    const bh = sb.cache.bread(gd.inodeBitmap);
    // The reserved inodes (below s_first_ino) are never handed out.
    const from = g === 0 ? Math.max(0, sb.firstIno - 1) : 0;
    const bit = findZeroBit(bh.data, from, sb.inodesPerGroup);
    if (bit < 0) continue;
    bh.data[bit >> 3] |= 1 << (bit & 7);
    sb.cache.markDirty(bh);
    gd.freeInodes--;
    if (isDir) gd.usedDirs++;
    sb.saveGroup(g);
    return g * sb.inodesPerGroup + bit + 1;
  }
  throw new Errno(E.ENOSPC);
}

/** ext2_free_inode: clears the inode's bit and counts it free again. */
export function freeInodeNumber(sb: Ext2Super, ino: number, isDir: boolean): void {
  const g = Math.floor((ino - 1) / sb.inodesPerGroup);
  const bit = (ino - 1) % sb.inodesPerGroup;
  const gd = sb.groups[g];
  const bh = sb.cache.bread(gd.inodeBitmap);
  if (!(bh.data[bit >> 3] & (1 << (bit & 7)))) { sb.msg(3, `error: ext2_free_inode: bit already cleared for inode ${ino}`); return; }
  bh.data[bit >> 3] &= ~(1 << (bit & 7));
  sb.cache.markDirty(bh);
  gd.freeInodes++;
  if (isDir) gd.usedDirs--;
  sb.saveGroup(g);
}
