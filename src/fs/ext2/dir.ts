// ext2 directories (fs/ext2/dir.c): blocks of variable-length entries
// (inode, rec_len, name_len, file_type, name). Lookups scan the blocks (an
// htree directory's index blocks look like empty entries to such a scan, as
// ext2 designed them to); adding an entry takes room from an entry's slack
// or appends a block; removing one merges it into its predecessor. Like
// Linux's ext2, a change to an indexed directory clears its index flag, so
// e2fsck sees a valid linear directory.
import { Errno, E } from '../../host/errno.js';
import { DT_BY_FT, FL, FT_BY_IFMT, INCOMPAT } from './ext2.js';
import type { Ext2Inode } from './inode.js';
import { nowTime } from './inode.js';

export interface DirEntry { ino: number; recLen: number; nameLen: number; type: number; name: string }

/** EXT2_DIR_REC_LEN: the room an entry with a name of len bytes needs. */
export const recLen = (len: number) => (8 + len + 3) & ~3;

function recLenFromDisk(v: number, bs: number): number { return v === 65535 || v === 0 ? (bs >= 65536 ? 65536 : v) : v; }
function recLenToDisk(v: number): number { return v === 65536 ? 65535 : v; }

export function ftOf(mode: number): number { return FT_BY_IFMT[(mode & 0o170000) >> 12] ?? 0; }

function parse(dir: Ext2Inode, data: Buffer, off: number): DirEntry {
  const hasType = dir.sb.hasIncompat(INCOMPAT.FILETYPE);
  const ino = data.readUInt32LE(off);
  const rl = recLenFromDisk(data.readUInt16LE(off + 4), data.length);
  const nameLen = hasType ? data[off + 6] : data.readUInt16LE(off + 6);
  const type = hasType ? data[off + 7] : 0;
  if (rl < 8 || rl % 4 || off + rl > data.length || (ino && recLen(nameLen) > rl)) {
    dir.sb.msg(3, `error: ext2_check_page: bad entry in directory #${dir.ino}: rec_len=${rl}, name_len=${nameLen} at offset ${off}`);
    throw new Errno(E.EIO);
  }
  return { ino, recLen: rl, nameLen, type, name: ino ? data.toString('latin1', off + 8, off + 8 + nameLen) : '' };
}

function writeEntry(dir: Ext2Inode, data: Buffer, off: number, ino: number, rl: number, name: string, type: number): void {
  data.writeUInt32LE(ino, off);
  data.writeUInt16LE(recLenToDisk(rl), off + 4);
  const n = Buffer.from(name, 'latin1');
  if (dir.sb.hasIncompat(INCOMPAT.FILETYPE)) { data[off + 6] = n.length; data[off + 7] = type; }
  else data.writeUInt16LE(n.length, off + 6);
  n.copy(data, off + 8);
}

/** Visits the entries of dir in order; visit returns true to stop. Holes in a directory are skipped. */
export function forEach(dir: Ext2Inode, visit: (e: DirEntry, data: Buffer, off: number, lblk: number, prev: number) => boolean | void, fromLblk = 0): void {
  const bs = dir.sb.blockSize;
  const nblocks = Math.ceil(dir.size / bs);
  for (let lblk = fromLblk; lblk < nblocks; lblk++) {
    const pblk = dir.bmap(lblk);
    if (!pblk) continue;
    const data = dir.sb.cache.bread(pblk).data;
    let prev = -1;
    for (let off = 0; off < bs;) {
      const e = parse(dir, data, off);
      if (visit(e, data, off, lblk, prev)) return;
      prev = off;
      off += e.recLen;
    }
  }
}

/** The names of dir, read once and then kept up to date (the directory's dcache). */
export function names(dir: Ext2Inode): Map<string, { ino: number; type: number }> {
  if (dir.names) return dir.names;
  const m = new Map<string, { ino: number; type: number }>();
  forEach(dir, (e) => { if (e.ino) m.set(e.name, { ino: e.ino, type: e.type }); });
  dir.names = m;
  return m;
}

function touch(dir: Ext2Inode): void {
  dir.mtime = dir.ctime = nowTime();
  dir.flags &= ~FL.INDEX;
}

function markDirty(dir: Ext2Inode, lblk: number): void {
  const bh = dir.sb.cache.bread(dir.bmap(lblk));
  dir.sb.cache.markDirty(bh, dir.dirtyBlocks);
}

/** ext2_add_link: a new entry name → ino in dir. */
export function addEntry(dir: Ext2Inode, name: string, ino: number, mode: number): void {
  const need = recLen(Buffer.byteLength(name, 'latin1'));
  const type = ftOf(mode);
  let done = false;
  forEach(dir, (e, data, off, lblk) => {
    const used = e.ino ? recLen(e.nameLen) : 0;
    if (e.recLen - used < need) return false;
    if (e.ino) {
      data.writeUInt16LE(recLenToDisk(used), off + 4);
      writeEntry(dir, data, off + used, ino, e.recLen - used, name, type);
    } else {
      writeEntry(dir, data, off, ino, e.recLen, name, type);
    }
    markDirty(dir, lblk);
    done = true;
    return true;
  });
  if (!done) {
    const bs = dir.sb.blockSize;
    const lblk = Math.ceil(dir.size / bs);
    const { pblk } = dir.bmapCreate(lblk);
    const bh = dir.sb.cache.getZeroed(pblk);
    writeEntry(dir, bh.data, 0, ino, bs, name, type);
    dir.size = (lblk + 1) * bs;
  }
  names(dir).set(name, { ino, type });
  touch(dir);
  dir.save();
  const child = dir.sb.inodes.get(ino);
  if (child) child.newEntryIn = dir;
}

/** ext2_delete_entry: removes name from dir (merged into the previous entry of its block). */
export function deleteEntry(dir: Ext2Inode, name: string): void {
  let found = false;
  forEach(dir, (e, data, off, lblk, prev) => {
    if (!e.ino || e.name !== name) return false;
    if (prev >= 0) {
      const prl = recLenFromDisk(data.readUInt16LE(prev + 4), data.length);
      data.writeUInt16LE(recLenToDisk(prl + e.recLen), prev + 4);
    } else {
      data.writeUInt32LE(0, off);
    }
    markDirty(dir, lblk);
    found = true;
    return true;
  });
  if (!found) throw new Errno(E.ENOENT);
  dir.names?.delete(name);
  touch(dir);
  dir.save();
}

/** ext2_set_link: points the existing entry name at another inode (rename over a name, a moved directory's ".."). */
export function setEntry(dir: Ext2Inode, name: string, ino: number, mode: number, touchDir = true): void {
  let found = false;
  forEach(dir, (e, data, off, lblk) => {
    if (!e.ino || e.name !== name) return false;
    data.writeUInt32LE(ino, off);
    if (dir.sb.hasIncompat(INCOMPAT.FILETYPE)) data[off + 7] = ftOf(mode);
    markDirty(dir, lblk);
    found = true;
    return true;
  });
  if (!found) throw new Errno(E.ENOENT);
  dir.names?.set(name, { ino, type: ftOf(mode) });
  if (touchDir) touch(dir);
  dir.save();
}

/** ext2_empty_dir: only "." and ".." are left. */
export function isEmpty(dir: Ext2Inode): boolean {
  for (const name of names(dir).keys()) if (name !== '.' && name !== '..') return false;
  return true;
}

/** ext2_make_empty: the first block of a new directory, with "." and "..". */
export function makeEmpty(dir: Ext2Inode, parentIno: number): void {
  const bs = dir.sb.blockSize;
  const { pblk } = dir.bmapCreate(0);
  const bh = dir.sb.cache.getZeroed(pblk);
  writeEntry(dir, bh.data, 0, dir.ino, 12, '.', 2);
  writeEntry(dir, bh.data, 12, parentIno, bs - 12, '..', 2);
  dir.size = bs;
  dir.names = new Map([['.', { ino: dir.ino, type: 2 }], ['..', { ino: parentIno, type: 2 }]]);
}

/**
 * getdents64 from byte position pos (ext2_readdir): entries as linux_dirent64,
 * each d_off the position of the next entry, so positions stay valid across
 * changes to the directory. Returns the records and the new position.
 */
export function readdir(dir: Ext2Inode, pos: number, max: number): { data: Buffer; pos: number } {
  const bs = dir.sb.blockSize;
  const out: Buffer[] = [];
  let used = 0;
  let full = false;
  const hasType = dir.sb.hasIncompat(INCOMPAT.FILETYPE);
  forEach(dir, (e, _data, off, lblk) => {
    const at = lblk * bs + off;
    // A position inside an entry (after a change to the block) resumes at the next boundary.
    if (at < pos) return false;
    const next = at + e.recLen;
    if (e.ino) {
      const nameBuf = Buffer.from(e.name, 'latin1');
      const reclen = (19 + nameBuf.length + 1 + 7) & ~7;
      if (used + reclen > max) { full = true; return true; }
      const r = Buffer.alloc(reclen);
      r.writeBigUInt64LE(BigInt(e.ino), 0);
      r.writeBigInt64LE(BigInt(next), 8);
      r.writeUInt16LE(reclen, 16);
      r[18] = hasType ? (DT_BY_FT[e.type] ?? 0) : 0;
      nameBuf.copy(r, 19);
      out.push(r);
      used += reclen;
    }
    pos = next;
    return false;
  }, Math.floor(pos / bs));
  if (full && out.length === 0) throw new Errno(E.EINVAL);
  if (!full) pos = Math.max(pos, Math.ceil(dir.size / bs) * bs);
  return { data: Buffer.concat(out), pos };
}
