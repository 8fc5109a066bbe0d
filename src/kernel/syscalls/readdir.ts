// getdents (fs/readdir.c): the old struct linux_dirent, which static
// programs built against old libcs still use. The records are made from the
// filesystem's linux_dirent64 ones, which have the same size: {ino, off,
// reclen} then the name, its NUL, and the type in the record's last byte.
import { int, register, uint } from './table.js';

/** Rewrites linux_dirent64 records (d_type at 18, name at 19) as linux_dirent ones, in place. */
function toOldDirents(b: Buffer): Buffer {
  for (let at = 0; at < b.length;) {
    const reclen = b.readUInt16LE(at + 16);
    const type = b[at + 18];
    const end = b.indexOf(0, at + 19);
    b.copy(b, at + 18, at + 19, end + 1);   // the name and its NUL, one byte down
    b.fill(0, at + 18 + (end - (at + 19)) + 1, at + reclen);
    b[at + reclen - 1] = type;
    at += reclen;
  }
  return b;
}

register('getdents', (_k, t, a) => {
  const f = t.files.get(int(a[0]));
  const data = toOldDirents(f.getdents(uint(a[2])));
  if (data.length) t.mem.write(a[1], data);
  return data.length;
});
