// `tuml moo [-d] [-b BACKING] COW [NEW]`: what uml_moo does. Merges a COW
// file with its backing file into NEW (sparse: zero sectors are skipped, the
// last sector is always written, as uml_moo does), or with -d in place into
// the backing file. -b names the backing file when the header's path is
// wrong (a COW file made in a chroot). Works a megabyte at a time and shows
// a progress bar when stderr is a terminal.
import * as fs from 'node:fs';
import { CowError, cowSizes, readBitmap, readCowHeader, testBit } from '../drivers/block/cow.js';
import { preadFull, pwriteFull } from '../drivers/block/hostio.js';

export const MOO_USAGE = `usage: tuml moo [-b <actual backing file>] <COW file> <new backing file>
       tuml moo [-b <actual backing file>] -d <COW file>
Creates a new filesystem image from the COW file and its backing file.
-d merges the COW file destructively, in place, into its current backing file
(only right when the backing file has this one COW file).
-b overrides the backing file named in the COW file.
Reads version 1, 2 and 3 COW files.
`;

class MooError extends Error {}

function progress(done: number, total: number, last: { t: number }): void {
  if (!process.stderr.isTTY) return;
  const now = Date.now();
  if (done < total && now - last.t < 100) return;
  last.t = now;
  const width = 40, pct = total ? done / total : 1;
  const bar = '#'.repeat(Math.round(pct * width)).padEnd(width, '.');
  process.stderr.write(`\rmerging [${bar}] ${(pct * 100).toFixed(0).padStart(3)}% ${(done / 1048576).toFixed(0)}/${(total / 1048576).toFixed(0)} MiB${done >= total ? '\n' : ''}`);
}

/** create_backing_file() of uml_moo. */
export function merge(cowPath: string, out: string | null, actualBacking: string | null): void {
  const cowFd = openOr(cowPath, fs.constants.O_RDONLY, 'COW file open');
  try {
    let h;
    try { h = readCowHeader(cowFd); } catch (e) { throw new MooError(`Reading COW header failed: ${(e as CowError).message}`); }
    if (!h) throw new MooError(`Reading COW header failed: '${cowPath}' is not a COW file`);
    const backing = actualBacking ?? h.backingFile;
    let st: fs.BigIntStats;
    try { st = fs.statSync(backing, { bigint: true }); } catch (e) { throw new MooError(`Stating backing file '${backing}': ${(e as Error).message}`); }
    if (st.size !== h.size) throw new MooError(`Size mismatch (${h.size} vs ${st.size}) of COW header vs backing file "${backing}"`);
    const mtime = Number(BigInt.asUintN(32, st.mtimeMs / 1000n));
    if (mtime !== h.mtime) throw new MooError(`mtime mismatch (${h.mtime} vs ${mtime}) of COW header vs backing file "${backing}"`);
    const backFd = openOr(backing, out ? fs.constants.O_RDONLY : fs.constants.O_RDWR, 'Opening backing file');
    let outFd = backFd;
    try {
      if (out) outFd = openOr(out, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 'Output file open', 0o644);
      const { bitmapLen, dataOffset } = cowSizes(h);
      if (fs.fstatSync(cowFd).size < h.bitmapOffset + bitmapLen) throw new MooError('Reading COW bitmap: the COW file is truncated');
      copySectors(cowFd, backFd, outFd, readBitmap(cowFd, h), h.sectorSize, Number(h.size / BigInt(h.sectorSize)), dataOffset);
    } finally {
      if (outFd !== backFd) fs.closeSync(outFd);
      fs.closeSync(backFd);
    }
  } finally {
    fs.closeSync(cowFd);
  }
}

function openOr(path: string, flags: number, what: string, mode?: number): number {
  try { return fs.openSync(path, flags, mode); } catch (e) { throw new MooError(`${what} '${path}': ${(e as Error).message}`); }
}

/** The sector loop of uml_moo, a chunk of sectors at a time. */
function copySectors(cowFd: number, backFd: number, outFd: number, bitmap: Buffer, ss: number, sectors: number, dataOffset: number): void {
  const inPlace = outFd === backFd;
  const CHUNK = Math.max(1, Math.floor((1 << 20) / ss));
  const buf = Buffer.alloc(CHUNK * ss);
  const last = { t: 0 };
  for (let s0 = 0; s0 < sectors; s0 += CHUNK) {
    const s1 = Math.min(sectors, s0 + CHUNK);
    if (inPlace) {
      // Sectors still in the backing file are already where they belong.
      for (let s = s0; s < s1;) {
        if (!testBit(bitmap, s)) { s++; continue; }
        let e = s + 1;
        while (e < s1 && testBit(bitmap, e)) e++;
        const n = (e - s) * ss;
        preadFull(cowFd, buf, 0, n, dataOffset + s * ss);
        pwriteFull(backFd, buf.subarray(0, n), s * ss);
        s = e;
      }
    } else {
      for (let s = s0; s < s1;) {
        const bit = testBit(bitmap, s);
        let e = s + 1;
        while (e < s1 && testBit(bitmap, e) === bit) e++;
        if (bit) preadFull(cowFd, buf, (s - s0) * ss, (e - s) * ss, dataOffset + s * ss);
        else preadFull(backFd, buf, (s - s0) * ss, (e - s) * ss, s * ss);
        s = e;
      }
      writeSparse(outFd, buf, s0, s1, ss, sectors);
    }
    progress(s1 * ss, sectors * ss, last);
  }
}

/** Writes the runs of sectors that are not all zeros; the file's last sector always (it sets the length). */
function writeSparse(fd: number, buf: Buffer, s0: number, s1: number, ss: number, sectors: number): void {
  const zero = (s: number) => s !== sectors - 1 && isZero(buf, (s - s0) * ss, ss);
  for (let s = s0; s < s1;) {
    if (zero(s)) { s++; continue; }
    let e = s + 1;
    while (e < s1 && !zero(e)) e++;
    pwriteFull(fd, buf.subarray((s - s0) * ss, (e - s0) * ss), s * ss);
    s = e;
  }
}

function isZero(b: Buffer, at: number, len: number): boolean {
  for (let i = at; i < at + len; i += 8) if (b.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

export function moo(args: string[]): number {
  let inPlace = false;
  let backing: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-d') inPlace = true;
    else if (args[i] === '-b' && i + 1 < args.length) backing = args[++i];
    else if (args[i].startsWith('-') && args[i] !== '-') { process.stderr.write(MOO_USAGE); return 2; }
    else rest.push(args[i]);
  }
  if (rest.length !== (inPlace ? 1 : 2)) { process.stderr.write(MOO_USAGE); return 2; }
  try {
    merge(rest[0], inPlace ? null : rest[1], backing);
    return 0;
  } catch (e) {
    if (!(e instanceof MooError)) throw e;
    process.stderr.write(`tuml moo: ${e.message}\n`);
    return 1;
  }
}
