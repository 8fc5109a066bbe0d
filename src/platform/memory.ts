// Access to a guest process's memory from the kernel: process_vm_readv and
// process_vm_writev through the host scratch region (the tracer may use them
// on its tracees). A bad guest pointer becomes EFAULT, as in Linux.
import { scratch, syscall } from '../host/libc.js';
import { Errno, E } from '../host/errno.js';

const SYS_process_vm_readv = 310;
const SYS_process_vm_writev = 311;
const IOV_OFF = 8192;                // two struct iovec
const DATA_OFF = 128 * 1024;         // transfer window
const DATA_MAX = 1024 * 1024 - DATA_OFF;
const PAGE = 4096;
/** MAX_RW_COUNT: the most one read or write moves. */
const MAX_RW_COUNT = 0x7ffff000;

export class GuestMemory {
  constructor(readonly pid: number) {}

  private xfer(nr: number, addr: bigint, len: number): number {
    const b = scratch.buf;
    b.writeBigUInt64LE(scratch.addr + BigInt(DATA_OFF), IOV_OFF);
    b.writeBigUInt64LE(BigInt(len), IOV_OFF + 8);
    b.writeBigUInt64LE(BigInt.asUintN(64, addr), IOV_OFF + 16);
    b.writeBigUInt64LE(BigInt(len), IOV_OFF + 24);
    const iov = scratch.addr + BigInt(IOV_OFF);
    return syscall(nr, this.pid, iov, 1, iov + 16n, 1, 0);
  }

  /** Reads exactly len bytes or throws EFAULT. */
  read(addr: bigint, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);   // every byte is written below, or the read fails
    for (let done = 0; done < len;) {
      const n = Math.min(len - done, DATA_MAX);
      const r = this.xfer(SYS_process_vm_readv, addr + BigInt(done), n);
      if (r <= 0) throw new Errno(E.EFAULT);
      scratch.buf.copy(out, done, DATA_OFF, DATA_OFF + r);
      done += r;
    }
    return out;
  }

  /** Reads as much as is readable, up to len bytes (stops at an unmapped page). */
  readPartial(addr: bigint, len: number): Buffer {
    const n = Math.min(len, DATA_MAX);
    const r = this.xfer(SYS_process_vm_readv, addr, n);
    if (r <= 0) return Buffer.alloc(0);
    return Buffer.from(scratch.buf.subarray(DATA_OFF, DATA_OFF + r));
  }

  write(addr: bigint, data: Buffer | Uint8Array): void {
    for (let done = 0; done < data.length;) {
      const n = Math.min(data.length - done, DATA_MAX);
      Buffer.from(data.buffer, data.byteOffset + done, n).copy(scratch.buf, DATA_OFF);
      const r = this.xfer(SYS_process_vm_writev, addr + BigInt(done), n);
      if (r <= 0) throw new Errno(E.EFAULT);
      done += r;
    }
  }

  /**
   * A struct iovec array of count entries (import_iovec): a negative length
   * is EINVAL, and the lengths are cut so that the total stays within
   * MAX_RW_COUNT, as Linux does. The caller checks count against its limit.
   */
  readIovec(addr: bigint, count: number): { base: bigint; len: number }[] {
    if (count === 0) return [];
    const b = this.read(addr, count * 16);
    const out: { base: bigint; len: number }[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const len = BigInt.asIntN(64, b.readBigUInt64LE(i * 16 + 8));
      if (len < 0n) throw new Errno(E.EINVAL);
      const n = Number(len > BigInt(MAX_RW_COUNT - total) ? BigInt(MAX_RW_COUNT - total) : len);
      total += n;
      out.push({ base: b.readBigUInt64LE(i * 16), len: n });
    }
    return out;
  }

  /** The bytes of an iovec array, in order (writev's gather). */
  gather(iov: readonly { base: bigint; len: number }[]): Buffer {
    return Buffer.concat(iov.map((v) => (v.len ? this.read(v.base, v.len) : Buffer.alloc(0))));
  }

  /** Spreads data over an iovec array in order (readv's scatter); what does not fit is dropped. */
  scatter(iov: readonly { base: bigint; len: number }[], data: Buffer): void {
    let off = 0;
    for (const v of iov) {
      if (off >= data.length) break;
      const n = Math.min(v.len, data.length - off);
      this.write(v.base, data.subarray(off, off + n));
      off += n;
    }
  }

  /** A NUL-terminated string of at most max bytes (ENAMETOOLONG past it). */
  readCString(addr: bigint, max = 4096): string {
    if (addr === 0n) throw new Errno(E.EFAULT);
    const parts: Buffer[] = [];
    let total = 0;
    let p = addr;
    while (total <= max) {
      const chunk = Number(BigInt(PAGE) - (p % BigInt(PAGE)));
      const b = this.readPartial(p, chunk);
      if (b.length === 0) throw new Errno(E.EFAULT);
      const z = b.indexOf(0);
      if (z >= 0) { parts.push(b.subarray(0, z)); total += z; break; }
      parts.push(b); total += b.length; p += BigInt(b.length);
    }
    if (total > max) throw new Errno(E.ENAMETOOLONG);
    return Buffer.concat(parts).toString('latin1');
  }

  /** A NULL-terminated array of string pointers (argv, envp). */
  readStringArray(addr: bigint, maxCount = 1 << 17): string[] {
    const out: string[] = [];
    if (addr === 0n) return out;
    for (let i = 0; i < maxCount; i++) {
      const p = this.read(addr + BigInt(i * 8), 8).readBigUInt64LE(0);
      if (p === 0n) return out;
      try {
        out.push(this.readCString(p, 128 * 1024));
      } catch (e) {
        // One argument longer than MAX_ARG_STRLEN: execve says E2BIG.
        throw e instanceof Errno && e.errno === E.ENAMETOOLONG ? new Errno(E.E2BIG) : e;
      }
    }
    throw new Errno(E.E2BIG);
  }

  readU32(addr: bigint): number { return this.read(addr, 4).readUInt32LE(0); }
  readI32(addr: bigint): number { return this.read(addr, 4).readInt32LE(0); }
  readU64(addr: bigint): bigint { return this.read(addr, 8).readBigUInt64LE(0); }
  writeU32(addr: bigint, v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); this.write(addr, b); }
  writeI32(addr: bigint, v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v | 0); this.write(addr, b); }
  writeU64(addr: bigint, v: bigint): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, v)); this.write(addr, b); }
}
