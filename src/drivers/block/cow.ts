// UML's copy-on-write file format (arch/um/drivers/cow_user.c), bit for bit.
//
// A COW file is a header naming the backing file (with its size and mtime
// when the COW file was made), a bitmap with one bit per 512-byte sector
// (bit s%8 of byte s/8: set = the sector lives in the COW file), and a data
// area where sector s sits at data_offset + s*sectorsize. Version 3 is
// written (big-endian, packed, bitmap at ROUND_UP(4128, alignment) = 8192,
// data aligned to 4096, the file sparse); versions 1 and 2 and the "broken"
// 64-bit v3 layout of before 2006 are read.
import * as fs from 'node:fs';
import { basename } from 'node:path';
import { preadFull, pwriteFull } from './hostio.js';

export const COW_MAGIC = 0x4f4f4f4d;   // "MOOO"
export const COW_VERSION = 3;
const PATH_LEN_V1 = 256, PATH_LEN_V3 = 4096;
/** sizeof(struct cow_header_v1 / v2 / v3 / v3_broken). */
const V1_SIZE = 280, V2_SIZE = 4120, V3_SIZE = 4128, V3_BROKEN_SIZE = 4136;
/** The largest header, as read_cow_header reads sizeof(union cow_header). */
const HEADER_READ = V3_BROKEN_SIZE;

export interface CowHeader {
  version: number;
  backingFile: string;
  /** Backing file mtime in seconds (32 bits in every version). */
  mtime: number;
  /** Backing file size in bytes. */
  size: bigint;
  sectorSize: number;
  alignment: number;
  bitmapOffset: number;
  /** Which byte order the magic was in (v1's fields follow it). */
  littleEndian: boolean;
  /** The v3 layout with the 64-bit mtime (files of 64-bit UML before 2006). */
  broken: boolean;
}

export class CowError extends Error {}

const divRound = (x: bigint, len: bigint) => (x + len - 1n) / len;
const roundUp = (x: bigint, a: bigint) => divRound(x, a) * a;

/** cow_sizes(): the bitmap's length in bytes and where the data starts. */
export function cowSizes(h: Pick<CowHeader, 'version' | 'size' | 'sectorSize' | 'alignment' | 'bitmapOffset'>): { bitmapLen: number; dataOffset: number } {
  const ss = BigInt(h.sectorSize), off = BigInt(h.bitmapOffset);
  if (h.version < 3) {
    // The historic rounding (fixed in v3) is part of the format of v1/v2 files.
    const bitmapLen = (h.size + ss - 1n) / (8n * ss);
    const dataOffset = ((off + bitmapLen + ss - 1n) / ss) * ss;
    return { bitmapLen: Number(bitmapLen), dataOffset: Number(dataOffset) };
  }
  const bitmapLen = divRound(divRound(h.size, ss), 8n);
  return { bitmapLen: Number(bitmapLen), dataOffset: Number(roundUp(off + bitmapLen, BigInt(h.alignment))) };
}

function cstring(b: Buffer, at: number, max: number): string {
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end < 0 || end > at + max ? at + max : end);
}

/**
 * read_cow_header(): the header of fd, or null when the file is not a COW
 * file (no magic in either byte order: a plain image). A COW file too short
 * for its version's header, of an unknown version or with a zero alignment
 * throws CowError.
 */
export function readCowHeader(fd: number): CowHeader | null {
  const b = Buffer.alloc(HEADER_READ);
  const n = fs.readSync(fd, b, 0, HEADER_READ, 0);
  if (n < 8) return null;
  let littleEndian: boolean;
  let version: number;
  if (b.readUInt32LE(0) === COW_MAGIC) { littleEndian = true; version = b.readUInt32LE(4); }
  else if (b.readUInt32BE(0) === COW_MAGIC) { littleEndian = false; version = b.readUInt32BE(4); }
  else return null;
  const short = (need: number) => { if (n < need) throw new CowError(`truncated COW header (version ${version}: ${n} of ${need} bytes)`); };
  let h: CowHeader;
  if (version === 1) {
    // v1 was written in the host's byte order: that of its magic.
    short(V1_SIZE);
    const u32 = (o: number) => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const sectorSize = littleEndian ? b.readInt32LE(276) : b.readInt32BE(276);
    h = {
      version, backingFile: cstring(b, 8, PATH_LEN_V1), mtime: u32(264),
      size: littleEndian ? b.readBigUInt64LE(268) : b.readBigUInt64BE(268),
      sectorSize, alignment: sectorSize, bitmapOffset: V1_SIZE, littleEndian, broken: false,
    };
  } else if (version === 2) {
    short(V2_SIZE);
    const sectorSize = b.readInt32BE(4116);
    h = {
      version, backingFile: cstring(b, 8, PATH_LEN_V3), mtime: b.readUInt32BE(4104), size: b.readBigUInt64BE(4108),
      sectorSize, alignment: sectorSize, bitmapOffset: V2_SIZE, littleEndian, broken: false,
    };
  } else if (version === 3) {
    // cow_format (always 0) lands on the first bytes of backing_file in the broken layout.
    const broken = b.readUInt32BE(32) === 0;
    short(broken ? V3_BROKEN_SIZE : V3_SIZE);
    const o = broken ? 4 : 0;
    const alignment = b.readUInt32BE(24 + o);
    if (alignment === 0) throw new CowError('invalid COW header, align == 0');
    h = {
      version, backingFile: cstring(b, 32 + o, PATH_LEN_V3), mtime: b.readUInt32BE(8),   // broken: ntohl() of the low half of a host-order s64, i.e. these same bytes
      size: b.readBigUInt64BE(12 + o), sectorSize: b.readUInt32BE(20 + o), alignment,
      bitmapOffset: Number(roundUp(BigInt(broken ? V3_BROKEN_SIZE : V3_SIZE), BigInt(alignment))),
      littleEndian, broken,
    };
  } else {
    throw new CowError(`invalid COW version ${version}`);
  }
  if (h.sectorSize <= 0 || (h.sectorSize & (h.sectorSize - 1)) !== 0) throw new CowError(`invalid COW sector size ${h.sectorSize}`);
  return h;
}

/** absolutize(): the directory part resolved as getcwd() after chdir() sees it. */
export function absolutize(file: string): string {
  const slash = file.lastIndexOf('/');
  if (slash < 0) return `${process.cwd()}/${file}`;
  const dir = slash === 0 ? '/' : file.slice(0, slash);
  let real: string;
  try { real = fs.realpathSync(dir); } catch (e) { throw new CowError(`Can't cd to '${dir}': ${(e as Error).message}`); }
  return `${real === '/' ? '' : real}/${basename(file)}`;
}

/** The backing file's size and mtime as the header records them (os_file_size, os_file_modtime). */
export function backingStat(file: string): { size: bigint; mtime: number } {
  const st = fs.statSync(file, { bigint: true });
  return { size: st.size, mtime: Number(BigInt.asUintN(32, st.mtimeMs / 1000n)) };
}

/** The v3 header for backing (absolutized), as write_cow_header() makes it. */
export function makeCowHeader(backing: string, sectorSize = 512, alignment = 4096): { header: Buffer; path: string; size: bigint } {
  if (Buffer.byteLength(backing, 'latin1') > PATH_LEN_V3 - 1) {
    throw new CowError(`Backing file name "${backing}" is too long - names are limited to ${PATH_LEN_V3 - 1} characters`);
  }
  const path = absolutize(backing);
  if (Buffer.byteLength(path, 'latin1') > PATH_LEN_V3 - 1) throw new CowError(`unable to fit '${path}' into ${PATH_LEN_V3} chars`);
  const { size, mtime } = backingStat(path);
  const h = Buffer.alloc(V3_SIZE);
  h.writeUInt32BE(COW_MAGIC, 0);
  h.writeUInt32BE(COW_VERSION, 4);
  h.writeUInt32BE(mtime, 8);
  h.writeBigUInt64BE(size, 12);
  h.writeUInt32BE(sectorSize, 20);
  h.writeUInt32BE(alignment, 24);
  h.writeUInt32BE(0, 28);   // cow_format = COW_BITMAP
  h.write(path, 32, 'latin1');
  return { header: h, path, size };
}

/**
 * init_cow_file(): writes the header and sets the file's length to
 * data_offset + size with one zero byte at the end, so the bitmap and the
 * data area are holes. Returns the parsed header.
 */
export function initCowFile(fd: number, backing: string): CowHeader {
  const { header, path, size } = makeCowHeader(backing);
  const h: CowHeader = {
    version: 3, backingFile: path, mtime: header.readUInt32BE(8), size, sectorSize: 512, alignment: 4096,
    bitmapOffset: Number(roundUp(BigInt(V3_SIZE), 4096n)), littleEndian: false, broken: false,
  };
  pwriteFull(fd, header, 0);
  const { dataOffset } = cowSizes(h);
  pwriteFull(fd, Buffer.alloc(1), dataOffset + Number(size) - 1);
  return h;
}

/**
 * Points an existing header at another backing file with the same size and
 * mtime (UML's "Switching backing file"). v3 headers are rewritten as UML
 * does; v1/v2 ones keep their layout and only the name changes, where UML
 * would write a v3 header over a file whose bitmap is laid out for v1/v2.
 */
export function switchBackingFile(fd: number, h: CowHeader, backing: string): void {
  if (h.version === 3 && !h.broken) {
    const { header } = makeCowHeader(backing, h.sectorSize, h.alignment);
    pwriteFull(fd, header, 0);
    return;
  }
  const path = absolutize(backing);
  const at = h.version === 3 ? 36 : 8;
  const max = h.version === 1 ? PATH_LEN_V1 : PATH_LEN_V3;
  if (Buffer.byteLength(path, 'latin1') > max - 1) throw new CowError(`unable to fit '${path}' into ${max} chars`);
  const field = Buffer.alloc(max);
  field.write(path, 0, 'latin1');
  pwriteFull(fd, field, at);
}

/** Bit s of the bitmap (ubd_test_bit). */
export function testBit(bitmap: Buffer, s: number): boolean { return (bitmap[s >>> 3] & (1 << (s & 7))) !== 0; }
export function setBit(bitmap: Buffer, s: number): void { bitmap[s >>> 3] |= 1 << (s & 7); }

/** Reads the bitmap of a COW file (read_cow_bitmap); what is missing past EOF reads as zero. */
export function readBitmap(fd: number, h: CowHeader): Buffer {
  const { bitmapLen } = cowSizes(h);
  const b = Buffer.alloc(bitmapLen);
  preadFull(fd, b, 0, bitmapLen, h.bitmapOffset);
  return b;
}
