// ext2 extended attributes (fs/ext2/xattr.c): attributes in a block of their
// own, shared between inodes with identical ones (h_refcount), and, on images
// made by e2fsprogs or ext4 with large inodes, in the space after the inode's
// fixed fields. Names are stored as a prefix index and a suffix. Writes put
// every attribute of the inode into its block, as Linux's ext2 does; a
// shared block is copied before it is changed.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { S_IFDIR, S_IFREG } from '../file.js';
import { freeBlocks, newBlock } from './balloc.js';
import { COMPAT } from './ext2.js';
import { Ext2Inode, nowTime } from './inode.js';

const MAGIC = 0xea020000;
const XATTR_CREATE = 1, XATTR_REPLACE = 2;
const PREFIXES: [number, string][] = [
  [2, 'system.posix_acl_access'], [3, 'system.posix_acl_default'], [1, 'user.'], [4, 'trusted.'],
  [6, 'security.'],
];
/** ext2's own POSIX ACL format (ext2_acl_entry) versus the xattr one (posix_acl_xattr). */
const ACL_EXT2_VERSION = 1, ACL_XATTR_VERSION = 2;
const ACL_USER = 2, ACL_GROUP = 8;

interface Attr { index: number; suffix: string; value: Buffer }

function fullName(a: Attr): string | null {
  const p = PREFIXES.find(([i]) => i === a.index);
  if (!p) return null;
  return a.index === 2 || a.index === 3 ? p[1] : p[1] + a.suffix;
}

function splitName(name: string): { index: number; suffix: string } {
  for (const [index, prefix] of PREFIXES) {
    if (index === 2 || index === 3) { if (name === prefix) return { index, suffix: '' }; continue; }
    if (name.startsWith(prefix) && name.length > prefix.length) return { index, suffix: name.slice(prefix.length) };
  }
  throw new Errno(E.EOPNOTSUPP);
}

/** Entries from offset `first` of region; values at value offsets relative to `base`. */
function parseEntries(region: Buffer, first: number, base: number, out: Attr[]): void {
  let off = first;
  while (off + 16 <= region.length && region.readUInt32LE(off) !== 0) {
    const nameLen = region[off], index = region[off + 1];
    const valueOffs = region.readUInt16LE(off + 2), valueInum = region.readUInt32LE(off + 4);
    const valueSize = region.readUInt32LE(off + 8);
    const suffix = region.toString('latin1', off + 16, off + 16 + nameLen);
    if (valueInum !== 0 || base + valueOffs + valueSize > region.length) throw new Errno(E.EIO);
    out.push({ index, suffix, value: Buffer.from(region.subarray(base + valueOffs, base + valueOffs + valueSize)) });
    off += (16 + nameLen + 3) & ~3;
  }
}

function readAll(inode: Ext2Inode): Attr[] {
  const out: Attr[] = [];
  const sb = inode.sb;
  if (sb.inodeSize > 128 && inode.extraIsize) {
    const start = 128 + inode.extraIsize;
    const raw = inode.rawInode;
    if (start + 4 <= raw.length && raw.readUInt32LE(start) === MAGIC) parseEntries(raw, start + 4, start + 4, out);
  }
  if (inode.fileAcl) {
    const data = sb.cache.bread(inode.fileAcl).data;
    if (data.readUInt32LE(0) !== MAGIC) { sb.msg(3, `error: ext2_xattr_get: inode ${inode.ino}: bad block ${inode.fileAcl}`); throw new Errno(E.EIO); }
    parseEntries(data, 32, 0, out);
  }
  return out;
}

function aclToXattr(v: Buffer): Buffer {
  if (v.length < 4 || v.readUInt32LE(0) !== ACL_EXT2_VERSION) throw new Errno(E.EIO);
  const ents: Buffer[] = [];
  let off = 4;
  while (off + 4 <= v.length) {
    const tag = v.readUInt16LE(off), perm = v.readUInt16LE(off + 2);
    const e = Buffer.alloc(8);
    e.writeUInt16LE(tag, 0); e.writeUInt16LE(perm, 2);
    if (tag === ACL_USER || tag === ACL_GROUP) { e.writeUInt32LE(v.readUInt32LE(off + 4), 4); off += 8; } else { e.writeUInt32LE(0xffffffff, 4); off += 4; }
    ents.push(e);
  }
  const h = Buffer.alloc(4);
  h.writeUInt32LE(ACL_XATTR_VERSION);
  return Buffer.concat([h, ...ents]);
}

function aclFromXattr(v: Buffer): Buffer {
  if (v.length < 4 || (v.length - 4) % 8 || v.readUInt32LE(0) !== ACL_XATTR_VERSION) throw new Errno(E.EINVAL);
  const parts = [Buffer.from([ACL_EXT2_VERSION, 0, 0, 0])];
  for (let off = 4; off < v.length; off += 8) {
    const tag = v.readUInt16LE(off);
    const e = Buffer.alloc(tag === ACL_USER || tag === ACL_GROUP ? 8 : 4);
    e.writeUInt16LE(tag, 0); e.writeUInt16LE(v.readUInt16LE(off + 2), 2);
    if (e.length === 8) e.writeUInt32LE(v.readUInt32LE(off + 4), 4);
    parts.push(e);
  }
  return Buffer.concat(parts);
}

export function get(inode: Ext2Inode, name: string): Buffer {
  const { index, suffix } = splitName(name);
  const a = readAll(inode).find((x) => x.index === index && x.suffix === suffix);
  if (!a) throw new Errno(E.ENODATA);
  return index === 2 || index === 3 ? aclToXattr(a.value) : a.value;
}

export function list(inode: Ext2Inode): Buffer {
  const names = readAll(inode).map(fullName).filter((n): n is string => n !== null);
  return Buffer.from(names.map((n) => n + '\0').join(''), 'latin1');
}

/** ext2_xattr_hash_entry: the hash e2fsck checks, of the name and the value's 32-bit words. */
function entryHash(suffix: Buffer, value: Buffer): number {
  let h = 0;
  for (const c of suffix) h = ((h << 5) ^ (h >>> 27) ^ c) >>> 0;
  const padded = Buffer.alloc((value.length + 3) & ~3);
  value.copy(padded);
  for (let i = 0; i < padded.length; i += 4) h = ((h << 16) ^ (h >>> 16) ^ padded.readUInt32LE(i)) >>> 0;
  return h;
}

/** The block image of attrs, or null when they do not fit in one block. */
function buildBlock(attrs: Attr[], bs: number): Buffer | null {
  const b = Buffer.alloc(bs);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(1, 4);      // h_refcount
  b.writeUInt32LE(1, 8);      // h_blocks
  // Sorted as ext2 keeps them: by index, then name length, then name.
  attrs.sort((x, y) => x.index - y.index || x.suffix.length - y.suffix.length || (x.suffix < y.suffix ? -1 : x.suffix > y.suffix ? 1 : 0));
  let entryOff = 32, valueEnd = bs;
  let blockHash = 0;
  for (const a of attrs) {
    const sfx = Buffer.from(a.suffix, 'latin1');
    const esize = (16 + sfx.length + 3) & ~3;
    const vsize = (a.value.length + 3) & ~3;
    if (entryOff + esize + 4 > valueEnd - vsize) return null;
    valueEnd -= vsize;
    a.value.copy(b, valueEnd);
    const hash = entryHash(sfx, a.value);
    b[entryOff] = sfx.length; b[entryOff + 1] = a.index;
    b.writeUInt16LE(a.value.length ? valueEnd : 0, entryOff + 2);
    b.writeUInt32LE(0, entryOff + 4);
    b.writeUInt32LE(a.value.length, entryOff + 8);
    b.writeUInt32LE(hash, entryOff + 12);
    sfx.copy(b, entryOff + 16);
    entryOff += esize;
    blockHash = ((blockHash << 16) ^ (blockHash >>> 16) ^ hash) >>> 0;
  }
  b.writeUInt32LE(blockHash, 12);
  return b;
}

/** Gives up the inode's xattr block: one reference less, freed with the last. */
function releaseBlock(inode: Ext2Inode): void {
  if (!inode.fileAcl) return;
  const sb = inode.sb;
  const bh = sb.cache.bread(inode.fileAcl);
  const refs = bh.data.readUInt32LE(4);
  if (refs <= 1) freeBlocks(sb, [inode.fileAcl]);
  else { bh.data.writeUInt32LE(refs - 1, 4); sb.cache.markDirty(bh); }
  inode.fileAcl = 0;
  inode.blocks -= sb.blockSize / 512;
}

/** Removes the in-inode attributes (they move to the block). */
function clearInInode(inode: Ext2Inode): void {
  if (inode.sb.inodeSize <= 128 || !inode.extraIsize) return;
  const start = 128 + inode.extraIsize;
  inode.rawInode.fill(0, start);
}

/** ext2_xattr_set: value null removes the attribute. */
export function set(inode: Ext2Inode, task: Task, name: string, value: Buffer | null, flags: number): void {
  const { index, suffix } = splitName(name);
  if (Buffer.byteLength(suffix, 'latin1') > 255) throw new Errno(E.ERANGE);
  const type = inode.imode & 0o170000;
  if (index === 1 && type !== S_IFREG && type !== S_IFDIR) throw new Errno(E.EPERM);
  if (index === 4 && !Ext2Inode.admin(task)) throw new Errno(E.EPERM);
  if (index === 2 || index === 3) {
    // set_posix_acl: the handler ignores XATTR_CREATE/REPLACE.
    flags = 0;
    if (index === 3 && type !== S_IFDIR) { if (value) throw new Errno(E.EACCES); return; }
    if (index === 2 && value) {
      // posix_acl_update_mode: the mode follows the ACL; an ACL the mode says
      // all of (owner, group, other only: what cp -a sets) is not stored.
      const { mode, equiv } = aclEquivMode(value);
      inode.imode = (inode.imode & ~0o777) | mode;
      if (equiv) value = null;
    }
    if (value) value = aclFromXattr(value);
  }
  const attrs = readAll(inode);
  const i = attrs.findIndex((x) => x.index === index && x.suffix === suffix);
  if (i >= 0 && (flags & XATTR_CREATE)) throw new Errno(E.EEXIST);
  if (i < 0 && (flags & XATTR_REPLACE)) throw new Errno(E.ENODATA);
  if (i >= 0) attrs.splice(i, 1);
  if (value) attrs.push({ index, suffix, value });
  const sb = inode.sb;
  const image = attrs.length ? buildBlock(attrs, sb.blockSize) : null;
  if (attrs.length && !image) throw new Errno(E.ENOSPC);
  clearInInode(inode);
  if (image) {
    let blk = inode.fileAcl;
    if (blk && sb.cache.bread(blk).data.readUInt32LE(4) > 1) { releaseBlock(inode); blk = 0; }
    if (!blk) {
      const g = Math.floor((inode.ino - 1) / sb.inodesPerGroup);
      blk = newBlock(sb, sb.groupFirstBlock(g));
      inode.fileAcl = blk;
      inode.blocks += sb.blockSize / 512;
    }
    const bh = sb.cache.getZeroed(blk);
    image.copy(bh.data);
    sb.setCompatExtAttr();
  } else {
    releaseBlock(inode);
  }
  inode.ctime = nowTime();
  inode.save();
}

const ACL_USER_OBJ = 1, ACL_GROUP_OBJ = 4, ACL_MASK = 0x10, ACL_OTHER = 0x20;

/** posix_acl_equiv_mode on an ACL in the xattr format: its permission bits, and whether the mode alone says as much. */
function aclEquivMode(v: Buffer): { mode: number; equiv: boolean } {
  if (v.length < 4 || (v.length - 4) % 8 !== 0 || v.readUInt32LE(0) !== ACL_XATTR_VERSION) throw new Errno(E.EINVAL);
  let mode = 0, equiv = true;
  for (let off = 4; off < v.length; off += 8) {
    const tag = v.readUInt16LE(off), perm = v.readUInt16LE(off + 2) & 7;
    switch (tag) {
      case ACL_USER_OBJ: mode |= perm << 6; break;
      case ACL_GROUP_OBJ: mode |= perm << 3; break;
      case ACL_OTHER: mode |= perm; break;
      case ACL_MASK: mode = (mode & ~0o70) | (perm << 3); equiv = false; break;
      case ACL_USER: case ACL_GROUP: equiv = false; break;
      default: throw new Errno(E.EINVAL);
    }
  }
  return { mode, equiv };
}

/** At the inode's end: its attributes go with it. */
export function dropAll(inode: Ext2Inode): void {
  releaseBlock(inode);
  clearInInode(inode);
}

export { COMPAT };
