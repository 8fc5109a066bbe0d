// ext2 symlinks (fs/ext2/symlink.c): a target shorter than i_block's 60
// bytes is kept in the inode itself (a fast symlink); a longer one in a data
// block (a slow symlink).
import { Errno, E } from '../../host/errno.js';
import type { Ext2Inode } from './inode.js';

const FAST_MAX = 60;

export function readlink(inode: Ext2Inode): string {
  if (inode.isFastSymlink) return inode.iblock.toString('utf8', 0, Math.min(inode.size, FAST_MAX)).replace(/\0.*$/s, '');
  if (inode.size > inode.sb.blockSize) throw new Errno(E.EIO);
  const pblk = inode.bmap(0);
  if (!pblk) throw new Errno(E.EIO);
  return inode.sb.cache.bread(pblk).data.toString('utf8', 0, inode.size);
}

export function writeSymlink(inode: Ext2Inode, target: string): void {
  const t = Buffer.from(target);
  if (t.length < FAST_MAX) {
    inode.iblock.fill(0);
    t.copy(inode.iblock);
  } else {
    const { pblk } = inode.bmapCreate(0);
    const bh = inode.sb.cache.getZeroed(pblk);
    t.copy(bh.data);
  }
  inode.size = t.length;
  inode.save();
}
