// A block device over a host file, for the ext2 tests (the kernel's ubd and
// loop drivers do this for guests).
import { openSync, readSync, writeSync, fsyncSync, fstatSync, closeSync } from 'node:fs';

export class FileBdev {
  constructor(path, { readOnly = false, name = 'ubdb' } = {}) {
    this.path = path;
    this.name = name;
    this.rdev = (98n << 8n) | 16n;
    this.readOnly = readOnly;
    this.sectorSize = 512;
    this.fd = openSync(path, readOnly ? 'r' : 'r+');
    this.writes = 0;
  }
  size() { return BigInt(fstatSync(this.fd).size); }
  read(offset, length) {
    const b = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const r = readSync(this.fd, b, done, length - done, Number(offset) + done);
      if (r === 0) break;
      done += r;
    }
    return b.subarray(0, done);
  }
  write(offset, data) {
    if (this.readOnly) throw new Error('EROFS');
    this.writes++;
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, Number(offset) + done);
  }
  flush() { fsyncSync(this.fd); }
  close() { closeSync(this.fd); }
}
