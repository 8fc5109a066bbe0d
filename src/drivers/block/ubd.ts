// UML's block driver (arch/um/drivers/ubd_kern.c): host files as disks
// ubda..ubdp, major 98, 16 minors each. `ubd<n><flags>=<file>[(:|,)<file2>]
// [(:|,)<serial>]` configures one; with two files the first is a COW file
// over the second (cow.ts), with one file a COW file is recognized by its
// header unless the d flag says the file is plain data. Requests are done
// synchronously on the host file (the kernel is one thread and the host's
// page cache is under it), in UML's order: COW data first, then the bitmap.
import * as fs from 'node:fs';
import { Errno, E, strerror } from '../../host/errno.js';
import { syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import type { Task } from '../../kernel/task.js';
import { S_IFBLK } from '../../fs/file.js';
import { addBdev, getBdev, removeBdev, type BlockDevice, writeZeroesByHand } from '../../block/blkdev.js';
import { BlockDeviceFile } from '../../block/fops.js';
import { addDeviceNode, mkdev, registerBlkdev, removeDeviceNode } from '../registry.js';
import { exitcall, lateInitcall, setupParam } from '../../init/params.js';
import {
  backingStat, CowError, cowSizes, initCowFile, readBitmap, readCowHeader, setBit, switchBackingFile, testBit,
  type CowHeader,
} from './cow.js';
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE, hostFallocate, lockFile, preadFull, pwriteFull } from './hostio.js';

export const UBD_MAJOR = 98;
const UBD_SHIFT = 4, MAX_DEV = 16, SECTOR = 512, PAGE = 4096;

/** What ubd_setup_common() records for one device. */
export interface UbdConfig {
  n: number;
  /** The text after "ubd", for messages ("0=root.img"). */
  spec: string;
  file: string;
  /** The backing file named on the command line (cow.file in UML), or null. */
  backing: string | null;
  serial: string | null;
  writable: boolean;
  sync: boolean;
  noCow: boolean;
  shared: boolean;
  noTrim: boolean;
}

const configs: (UbdConfig | undefined)[] = new Array(MAX_DEV);
const devices: (UbdDevice | undefined)[] = new Array(MAX_DEV);
/** ubd=sync: every device opened O_SYNC. */
let globalSync = false;

export class UbdError extends Error {}

function hostError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const errno = code && code in E ? E[code as keyof typeof E] : undefined;
  return errno !== undefined ? strerror(errno) : (e as Error).message;
}
function errnoOf(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code;
  return code && code in E ? E[code as keyof typeof E] : E.EIO;
}

/** parse_unit(): a number (simple_strtoul base 0: 010 is octal, 0x10 hex) or a letter a..z. */
function parseUnit(s: string): { n: number; rest: string } | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m) {
    const t = m[1];
    const n = /^0[xX]/.test(t) ? parseInt(t.slice(2), 16) : t.length > 1 && t[0] === '0' ? parseInt(t, 8) : parseInt(t, 10);
    return { n, rest: s.slice(t.length) };
  }
  if (s[0] >= 'a' && s[0] <= 'z') return { n: s.charCodeAt(0) - 97, rest: s.slice(1) };
  return null;
}

/**
 * ubd_setup_common(): str is what follows "ubd" ("0r=img", "b=cow,back",
 * "=sync"). Records the device or throws UbdError with UML's reason.
 */
export function ubdSetup(str: string): void {
  const fail = (why: string): never => { throw new UbdError(`Failed to initialize device with "${str}" : ${why}`); };
  if (str[0] === '=') {
    if (str.slice(1) === 'sync') { globalSync = true; return; }
    fail('fake major not supported any more');
  }
  const u = parseUnit(str);
  if (!u) fail("Couldn't parse device number");
  const { n } = u!;
  let rest = u!.rest;
  if (n >= MAX_DEV) fail('Device number out of range');
  if (configs[n]) fail('Device is already configured');
  const c: UbdConfig = {
    n, spec: str, file: '', backing: null, serial: null, writable: true, sync: globalSync,
    noCow: false, shared: false, noTrim: false,
  };
  // At most six flag letters, as the loop over sizeof("rscdt=") allows.
  let i = 0;
  for (; i < 7; i++, rest = rest.slice(1)) {
    const ch = rest[0];
    if (ch === '=') break;
    switch (ch) {
      case 'r': c.writable = false; break;
      case 's': c.sync = true; break;
      case 'd': c.noCow = true; break;
      case 'c': c.shared = true; break;
      case 't': c.noTrim = true; break;
      default:
        if (ch === undefined) fail("Missing '='");
        fail("Expected '=' or flag letter (r, s, c, t or d)");
    }
  }
  if (i === 7) fail(rest[0] === '=' ? 'Too many flags specified' : "Missing '='");
  const [file, backing, serial] = rest.slice(1).split(/[,:]/);
  if (!file) fail('No file name given');
  if (backing && c.noCow) fail("Can't specify both 'd' and a cow file");
  c.file = file;
  c.backing = backing || null;
  c.serial = serial || null;
  configs[n] = c;
}

/** The kernel parameter: ubd<n><flags>=... (and ubd=sync), claimed by prefix as UML's __setup("ubd"). */
setupParam('ubd', (value, _k, key) => ubdSetup(`${key.slice(3)}=${value}`), { prefix: true });
setupParam('udb', (value, _k, key) => {
  throw new UbdError(`${key}=${value} specified on command line is almost certainly a ubd -> udb TYPO`);
}, { prefix: true });

const diskName = (n: number) => `ubd${String.fromCharCode(97 + n)}`;

interface CowState {
  /** The backing file, opened read-only. */
  fd: number;
  header: CowHeader;
  bitmap: Buffer;
  bitmapOffset: number;
  dataOffset: number;
}

/** A configured, opened UBD disk. */
export class UbdDevice implements BlockDevice {
  readonly name: string;
  readonly rdev: bigint;
  readonly sectorSize = SECTOR;
  private closed = false;

  constructor(readonly config: UbdConfig, readonly fd: number, readonly readOnly: boolean,
    private readonly bytes: number, readonly cow: CowState | null) {
    this.name = diskName(config.n);
    this.rdev = mkdev(UBD_MAJOR, config.n << UBD_SHIFT);
  }

  size(): bigint { return BigInt(this.bytes); }

  read(offset: bigint, length: number): Buffer {
    const off = Number(offset);
    const len = Math.max(0, Math.min(length, this.bytes - off));
    if (!this.cow) {
      const buf = Buffer.allocUnsafe(len);
      preadFull(this.fd, buf, 0, len, off);
      return buf;
    }
    const s0 = Math.floor(off / SECTOR), s1 = Math.ceil((off + len) / SECTOR);
    const buf = this.readSectors(s0, s1);
    return buf.subarray(off - s0 * SECTOR, off - s0 * SECTOR + len);
  }

  /** Sectors [s0, s1) of a COW device: each run from the COW file where its bit is set, else the backing file. */
  private readSectors(s0: number, s1: number): Buffer {
    const c = this.cow!;
    const buf = Buffer.allocUnsafe((s1 - s0) * SECTOR);
    for (let s = s0; s < s1;) {
      const bit = testBit(c.bitmap, s);
      let e = s + 1;
      while (e < s1 && testBit(c.bitmap, e) === bit) e++;
      const at = (s - s0) * SECTOR, len = (e - s) * SECTOR;
      if (bit) preadFull(this.fd, buf, at, len, c.dataOffset + s * SECTOR);
      else preadFull(c.fd, buf, at, len, s * SECTOR);
      s = e;
    }
    return buf;
  }

  write(offset: bigint, data: Buffer): void {
    if (this.readOnly) throw new Errno(E.EROFS);
    const off = Number(offset), end = off + data.length;
    if (end > this.bytes) throw new Errno(E.ENOSPC);
    try {
      if (!this.cow) { pwriteFull(this.fd, data, off); return; }
      // Whole pages move to the COW file, as UML's block layer writes them:
      // UML 6.1's do_io misreads a page whose sectors are split between the
      // two files (it advances by the last run only), so never make one.
      const [s0, s1] = this.pageSpan(off, end);
      let buf = data;
      if (s0 * SECTOR !== off || s1 * SECTOR !== end) {
        // The rest of the span is copied from where it lives now.
        buf = this.readSectors(s0, s1);
        data.copy(buf, off - s0 * SECTOR);
      }
      pwriteFull(this.fd, buf, this.cow.dataOffset + s0 * SECTOR);
      this.setBits(s0, s1);
    } catch (e) {
      if (e instanceof Errno) throw e;
      throw new Errno(errnoOf(e) === E.ENOSPC ? E.ENOSPC : E.EIO);
    }
  }

  /**
   * cowify_bitmap + update_bitmap: marks sectors [s0, s1) as living in the
   * COW file and writes the changed part of the bitmap back (after the data,
   * so a crash leaves at worst data the bitmap does not point to yet), in
   * whole 8-byte words as UML's unsigned longs are.
   */
  private setBits(s0: number, s1: number): void {
    const c = this.cow!;
    let changed = false;
    for (let s = s0; s < s1; s++) if (!testBit(c.bitmap, s)) { setBit(c.bitmap, s); changed = true; }
    if (!changed) return;
    const b0 = Math.floor(s0 / 64) * 8, b1 = Math.min(Math.ceil(s1 / 64) * 8, c.bitmap.length);
    pwriteFull(this.fd, c.bitmap.subarray(b0, b1), c.bitmapOffset + b0);
  }

  flush(): void {
    try { fs.fsyncSync(this.fd); } catch (e) { throw new Errno(errnoOf(e)); }
  }

  /** REQ_OP_DISCARD: a hole punched in the image, or in the COW file's data for those sectors (which then read as zeros). */
  discard(offset: bigint, length: bigint): void { this.fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length); }

  /** REQ_OP_WRITE_ZEROES, as os_falloc_zeroes; zeros written where the host cannot. */
  writeZeroes(offset: bigint, length: bigint): void {
    try { this.fallocate(FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length); } catch (e) {
      if (!(e instanceof Errno) || e.errno !== E.EOPNOTSUPP) throw e;
      writeZeroesByHand(this, offset, length);
    }
  }

  private fallocate(mode: number, offset: bigint, length: bigint): void {
    if (this.config.noTrim) throw new Errno(E.EOPNOTSUPP);
    if (this.readOnly) throw new Errno(E.EROFS);
    const off = Number(offset), len = Number(length);
    if (!this.cow) {
      const r = hostFallocate(this.fd, mode, off, len);
      if (r < 0) throw new Errno(r === -E.ENOSYS ? E.EOPNOTSUPP : -r);
      return;
    }
    // Whole pages are punched or zeroed in the COW file; the partial ones at
    // the ends are written with zeros (which moves them whole, see write()).
    const end = off + len;
    const p0 = Math.ceil(off / PAGE) * PAGE, p1 = Math.floor(end / PAGE) * PAGE;
    if (p0 >= p1) { this.zeroWrite(off, end); return; }
    if (off < p0) this.zeroWrite(off, p0);
    const r = hostFallocate(this.fd, mode, this.cow.dataOffset + p0, p1 - p0);
    if (r < 0) throw new Errno(r === -E.ENOSYS ? E.EOPNOTSUPP : -r);
    this.setBits(p0 / SECTOR, p1 / SECTOR);
    if (p1 < end) this.zeroWrite(p1, end);
  }

  private zeroWrite(from: number, to: number): void { this.write(BigInt(from), Buffer.alloc(to - from)); }

  /** The sectors of the whole pages around [off, end), within the device. */
  private pageSpan(off: number, end: number): [number, number] {
    const s0 = Math.floor(off / PAGE) * (PAGE / SECTOR);
    const s1 = Math.min(Math.ceil(end / PAGE) * (PAGE / SECTOR), this.bytes / SECTOR);
    return [s0, s1];
  }

  /** /sys/block/ubdX/serial (serial_show), from ubd<n>=file,,serial. */
  sysfsAttrs(): Record<string, string> { return this.config.serial === null ? {} : { serial: this.config.serial }; }

  /** ubd_getgeo: 128 heads, 32 sectors. */
  getgeo(): { heads: number; sectors: number; cylinders: number } {
    return { heads: 128, sectors: 32, cylinders: Math.floor(this.bytes / (128 * 32 * 512)) };
  }

  /** ubd_ioctl: HDIO_GET_IDENTITY and CDROMVOLREAD; anything else EINVAL. */
  ioctl(task: Task, cmd: number, arg: bigint): number {
    const HDIO_GET_IDENTITY = 0x030d, CDROMVOLREAD = 0x5313;
    if (cmd === HDIO_GET_IDENTITY) {
      const id = Buffer.alloc(512);
      id.writeUInt16LE(Math.floor(this.bytes / (128 * 32 * 512)) & 0xffff, 2);  // ATA_ID_CYLS
      id.writeUInt16LE(128, 6);   // ATA_ID_HEADS
      id.writeUInt16LE(32, 12);   // ATA_ID_SECTORS
      task.mem.write(arg, id);
      return 0;
    }
    if (cmd === CDROMVOLREAD) { task.mem.write(arg, Buffer.from([255, 255, 255, 255])); return 0; }
    throw new Errno(E.EINVAL);
  }

  /** ubd_close_dev. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    if (this.cow) fs.closeSync(this.cow.fd);
  }
}

/** os_file_size: a regular file's length, or a host block device's (BLKGETSIZE64). */
function fileSize(file: string): number {
  const st = fs.statSync(file);
  if (!st.isBlockDevice()) return st.size;
  const fd = fs.openSync(file, fs.constants.O_RDONLY);
  try {
    const r = syscall(sys.NR.ioctl, fd, 0x80081272, sys.ioAddr());
    if (r < 0) throw new Errno(-r);
    return Number(sys.ioBuf.readBigUInt64LE(sys.IO_DATA));
  } finally { fs.closeSync(fd); }
}

/** os_open_file + os_lock_file; EROFS/EACCES on a writable open falls back to read-only, as open_ubd_file does. */
function openLocked(file: string, writable: boolean, sync: boolean, shared: boolean, create = false): { fd: number; writable: boolean } {
  const flags = (w: boolean) => (w ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | (sync ? fs.constants.O_SYNC : 0) |
    (create ? fs.constants.O_CREAT | fs.constants.O_EXCL : 0);
  let fd: number;
  try { fd = fs.openSync(file, flags(writable), 0o644); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!writable || (code !== 'EROFS' && code !== 'EACCES')) throw e;
    writable = false;
    fd = fs.openSync(file, flags(false), 0o644);
  }
  if (!shared) {
    const why = lockFile(fd, writable);
    if (why) { fs.closeSync(fd); throw new UbdError(`Failed to lock '${file}': ${why}`); }
  }
  return { fd, writable };
}

/** backing_file_mismatch(): the refusal when the backing file changed since the COW file was made. */
function backingMismatch(file: string, h: CowHeader): string | null {
  const st = backingStat(file);
  if (st.size !== h.size) return `Size mismatch (${h.size} vs ${st.size}) of COW header vs backing file "${file}"`;
  if (st.mtime !== h.mtime) return `mtime mismatch (${h.mtime} vs ${st.mtime}) of COW header vs backing file "${file}"`;
  return null;
}

/** path_requires_switch(): the command line names another file (not the same inode) than the header. */
function requiresSwitch(fromCmdline: string | null, fromCow: string): boolean {
  if (fromCmdline === null || fromCmdline === fromCow) return false;
  let a: fs.Stats;
  try { a = fs.statSync(fromCmdline); } catch { return false; }
  let b: fs.Stats;
  try { b = fs.statSync(fromCow); } catch { return true; }
  return !(a.dev === b.dev && a.ino === b.ino);
}

/** Messages UML prints at boot (Creating ..., Switching ...), for the kernel log. */
export const ubdMessages: string[] = [];

/** ubd_add(): opens the device's files and makes the disk. */
function ubdAdd(c: UbdConfig): UbdDevice {
  const name = diskName(c.n);
  const fail = (why: string): never => { throw new UbdError(`${name}: Can't open "${c.file}": ${why}`); };
  // ubd_file_size: the backing file's size for a COW device, else the file's.
  let size: number;
  let headerBacking: string | null = null;
  try {
    if (c.backing) size = fileSize(c.backing);
    else {
      let h: CowHeader | null = null;
      const fd = fs.openSync(c.file, fs.constants.O_RDONLY);
      try { h = c.noCow ? null : readCowHeader(fd); } catch { h = null; } finally { fs.closeSync(fd); }
      headerBacking = h?.backingFile ?? null;
      size = fileSize(headerBacking ?? c.file);
    }
  } catch (e) {
    const which = c.backing ?? headerBacking ?? c.file;
    throw new UbdError(`Failed to initialize ubd device ${c.n} :Couldn't determine size of device's file ("${which}": ${hostError(e)})`);
  }

  let fd = -1, writable = false;
  let header: CowHeader | null = null;
  let backing: string | null = null;
  try {
    ({ fd, writable } = openLocked(c.file, c.writable, c.sync, c.shared));
  } catch (e) {
    if (e instanceof UbdError) fail(e.message);
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !c.backing) fail(hostError(e));
    // create_cow_file: a new COW file over the named backing file.
    try {
      ({ fd, writable } = openLocked(c.file, c.writable, c.sync, false, true));
    } catch (e2) { fail(e2 instanceof UbdError ? e2.message : `Open of COW file failed: ${hostError(e2)}`); }
    try { header = initCowFile(fd, c.backing!); } catch (e2) {
      fs.closeSync(fd);
      fs.rmSync(c.file, { force: true });
      fail(e2 instanceof CowError ? e2.message : hostError(e2));
    }
    backing = c.backing;
    ubdMessages.push(`Creating "${c.file}" as COW file for "${c.backing}"`);
  }
  try {
    if (!header && !c.noCow) {
      try { header = readCowHeader(fd); } catch (e) {
        if (!(e instanceof CowError)) throw e;
        fail(`Failed to read COW header from COW file "${c.file}": ${e.message}`);
      }
      if (!header && c.backing) fail(`Failed to read COW header from COW file "${c.file}": not a COW file`);
      if (header) {
        if (requiresSwitch(c.backing, header.backingFile)) {
          const why = backingMismatch(c.backing!, header);
          if (why) fail(`Backing file mismatch - "${c.backing}" requested, "${header.backingFile}" specified in COW header of "${c.file}": ${why}`);
          if (!writable) fail(`Switching backing file to '${c.backing}' needs the COW file writable`);
          switchBackingFile(fd, header, c.backing!);
          ubdMessages.push(`Switching backing file to '${c.backing}'`);
          backing = c.backing;
        } else {
          backing = header.backingFile;
          let why: string | null;
          try { why = backingMismatch(backing, header); } catch (e) { why = `backing file "${backing}": ${hostError(e)}`; }
          if (why) fail(why);
        }
      }
    }
    let cow: CowState | null = null;
    if (header) {
      const { bitmapLen, dataOffset } = cowSizes(header);
      const len = fs.fstatSync(fd).size;
      if (len < header.bitmapOffset + bitmapLen) fail(`truncated COW file: ${len} bytes, its bitmap ends at ${header.bitmapOffset + bitmapLen}`);
      const bitmap = readBitmap(fd, header);
      let bfd = -1;
      try { bfd = openLocked(backing!, false, false, c.shared).fd; } catch (e) {
        fail(e instanceof UbdError ? e.message : `backing file "${backing}": ${hostError(e)}`);
      }
      cow = { fd: bfd, header, bitmap, bitmapOffset: header.bitmapOffset, dataOffset };
    }
    const bytes = Math.ceil(size / SECTOR) * SECTOR;   // ROUND_BLOCK
    return new UbdDevice(c, fd, !writable, bytes, cow);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/**
 * ubd_init(): opens every configured device, before the first process runs.
 * The first one that cannot be opened stops the boot with UML's reason (UML
 * would boot without it); those opened before it are closed again.
 */
export function ubdInit(): void {
  const opened: UbdDevice[] = [];
  try {
    for (const c of configs) {
      if (!c || devices[c.n]) continue;
      const d = ubdAdd(c);
      opened.push(d);
    }
  } catch (e) {
    for (const d of opened) d.close();
    throw e;
  }
  for (const d of opened) {
    devices[d.config.n] = d;
    addBdev(d);
    addDeviceNode({ name: d.name, type: S_IFBLK, rdev: d.rdev, mode: 0o660 });
  }
}

lateInitcall(() => ubdInit());
exitcall(() => ubdShutdown());

/** Closes every device and forgets the configuration (a machine's shutdown). */
export function ubdShutdown(): void {
  for (let n = 0; n < MAX_DEV; n++) {
    const d = devices[n];
    if (d) {
      removeDeviceNode(d.name);
      removeBdev(d.rdev);
      d.close();
    }
    devices[n] = undefined;
    configs[n] = undefined;
  }
  globalSync = false;
}

/** The configured devices, for /sys/block/ubdX/serial and mconsole's config. */
export function ubdConfigs(): UbdConfig[] { return configs.filter((c): c is UbdConfig => c !== undefined); }

// A partition minor has nothing behind it: no partition tables are read.
registerBlkdev(UBD_MAJOR, (_task, minor, flags) => {
  if (minor & ((1 << UBD_SHIFT) - 1)) throw new Errno(E.ENXIO);
  return new BlockDeviceFile(getBdev(mkdev(UBD_MAJOR, minor)), flags);
});
