// tmpfs (src/mm/shmem.ts) driven through its inode interface, as the VFS
// drives it: the semantics that do not need a guest (limits, link counts,
// rename flags, offsets, xattr namespaces, the memfd behind large files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { shmemMount, shmemPages, TMPFS_MAGIC } from '../dist/mm/shmem.js';
import { existsSync } from 'node:fs';
import { getFilesystem } from '../dist/fs/filesystems.js';
import { Cred, CAP_FULL } from '../dist/kernel/cred.js';
import { Rlimits } from '../dist/kernel/rlimit.js';
import { E } from '../dist/host/errno.js';
import { O, S_IFCHR, S_IFDIR, S_IFREG, S_IFSOCK } from '../dist/fs/file.js';
import { mkdev } from '../dist/drivers/registry.js';
import '../dist/drivers/char/mem.js';

function task({ uid = 0, gid = 0, caps = CAP_FULL, groups = [] } = {}) {
  const cred = new Cred();
  cred.uid = cred.euid = cred.fsuid = uid;
  cred.gid = cred.egid = cred.fsgid = gid;
  cred.capEffective = caps;
  cred.groups = groups;
  return { cred, group: { rlimits: new Rlimits() }, kernel: { sendSignal() {} } };
}
const root = task();
const nobody = task({ uid: 65534, gid: 65534, caps: 0n });

function mount(data = '', t = root) { return shmemMount({ task: t, source: 'none', data }); }
function errno(fn, e) {
  assert.throws(fn, (x) => x.errno === e, `expected ${Object.keys(E).find((k) => E[k] === e)}`);
}
function write(sb, name, data, dir = sb.root) {
  const f = dir.create(root, name, 0o644, O.WRONLY);
  const n = f.write(root, Buffer.from(data), null);
  f.put();
  return n;
}
function readAll(inode) {
  const f = inode.open(root, O.RDONLY);
  const out = f.read(root, 1 << 20, 0n);
  f.put();
  return out;
}
function names(dir) {
  const f = dir.open(root, O.RDONLY);
  const out = [];
  for (;;) {
    const b = f.getdents(4096);
    if (b.length === 0) break;
    for (let o = 0; o < b.length;) {
      const len = b.readUInt16LE(o + 16);
      out.push(b.toString('latin1', o + 19, b.indexOf(0, o + 19)));
      o += len;
    }
  }
  f.put();
  return out;
}

test('tmpfs is a registered filesystem type, and ramfs too', () => {
  assert.equal(getFilesystem('tmpfs').requiresDev, false);
  const sb = getFilesystem('ramfs').mount({ task: root, source: 'none', data: '', flags: 0 });
  assert.equal(sb.type, 'ramfs');
  assert.equal(sb.root.getattr().mode, S_IFDIR | 0o755);
});

test('files: write, read back, size, nlink, owner from the creator', () => {
  const sb = mount();
  const t = task({ uid: 1000, gid: 100 });
  const f = sb.root.create(t, 'a', 0o640, O.RDWR);
  assert.equal(f.write(t, Buffer.from('hello'), null), 5);
  f.put();
  const ino = sb.root.lookup('a');
  const st = ino.getattr();
  assert.deepEqual([st.mode, st.uid, st.gid, st.size, st.nlink, st.dev], [S_IFREG | 0o640, 1000, 100, 5n, 1n, sb.dev]);
  assert.equal(readAll(ino).toString(), 'hello');
  assert.equal(sb.root.getattr().ino, 1n);
});

test('sparse files: holes take no blocks, in the Buffer and in the memfd', () => {
  const sb = mount();
  const f = sb.root.create(root, 's', 0o644, O.RDWR);
  f.write(root, Buffer.from('x'), 40000n);
  assert.equal(f.stat().size, 40001n);
  assert.equal(f.stat().blocks, 8n);            // one page
  f.write(root, Buffer.from('y'), 10n << 20n);   // past the Buffer: now a memfd
  assert.equal(f.stat().size, (10n << 20n) + 1n);
  assert.equal(f.stat().blocks, 16n);
  assert.equal(f.read(root, 1, 40000n).toString(), 'x');
  assert.deepEqual([...f.read(root, 4, 100n)], [0, 0, 0, 0]);
  assert.equal(f.llseek(0n, 3 /* SEEK_DATA */), 36864n);
  assert.equal(f.llseek(36864n, 4 /* SEEK_HOLE */), 40960n);
  // The memfd holds the data: what mmap and exec open.
  const fd = f.hostFd();
  const host = readFileSync(`/proc/self/fd/${fd}`);
  assert.equal(host.length, (10 << 20) + 1);
  assert.equal(host[40000], 0x78);
  f.put();
});

test('hard links count, and an unlinked file lives until closed', () => {
  const sb = mount();
  write(sb, 'a', 'data');
  const a = sb.root.lookup('a');
  sb.root.link(root, a, 'b');
  assert.equal(a.getattr().nlink, 2n);
  const f = a.open(root, O.RDONLY);
  sb.root.unlink(root, 'a');
  sb.root.unlink(root, 'b');
  errno(() => sb.root.lookup('a'), E.ENOENT);
  assert.equal(f.stat().nlink, 0n);
  assert.equal(f.read(root, 10, 0n).toString(), 'data');
  const used = sb.usedInodes;
  f.put();
  assert.equal(sb.usedInodes, used - 1n);
  errno(() => sb.root.link(root, sb.root, 'd'), E.EPERM);
});

test('directories: nlink, rmdir of a non-empty one, stable offsets', () => {
  const sb = mount();
  sb.root.mkdir(root, 'd', 0o755);
  const d = sb.root.lookup('d');
  assert.equal(sb.root.getattr().nlink, 3n);
  assert.equal(d.getattr().nlink, 2n);
  for (const n of ['x', 'y', 'z']) write(sb, n, n, d);
  assert.deepEqual(names(d), ['.', '..', 'x', 'y', 'z']);
  errno(() => sb.root.rmdir(root, 'd'), E.ENOTEMPTY);
  // telldir/seekdir: a position handed out stays valid when earlier entries go.
  const f = d.open(root, O.RDONLY);
  const first = f.getdents(19 + 8 + 24);   // "." and ".." only fit
  assert.ok(first.length > 0);
  const pos = f.pos;
  d.unlink(root, 'x');
  f.llseek(pos, 0);
  const b = f.getdents(4096);
  assert.equal(b.toString('latin1', 19, 20), 'y');
  f.put();
  for (const n of ['y', 'z']) d.unlink(root, n);
  const dead = d.open(root, O.RDONLY);
  sb.root.rmdir(root, 'd');
  assert.equal(sb.root.getattr().nlink, 2n);
  errno(() => dead.getdents(4096), E.ENOENT);
  errno(() => d.create(root, 'n', 0o644, O.RDWR), E.ENOENT);
});

test('rename: replace, NOREPLACE, EXCHANGE, WHITEOUT, loops', () => {
  const sb = mount();
  write(sb, 'a', 'A'); write(sb, 'b', 'B');
  errno(() => sb.root.rename(root, 'a', sb.root, 'b', 1), E.EEXIST);
  sb.root.rename(root, 'a', sb.root, 'b', 2);
  assert.equal(readAll(sb.root.lookup('a')).toString(), 'B');
  sb.root.rename(root, 'a', sb.root, 'c', 4);
  const wh = sb.root.lookup('a').getattr();
  assert.equal(wh.mode, S_IFCHR);
  assert.equal(wh.rdev, 0n);
  errno(() => sb.root.rename(nobody, 'c', sb.root, 'e', 4), E.EPERM);
  sb.root.rename(root, 'c', sb.root, 'b', 0);
  assert.equal(readAll(sb.root.lookup('b')).toString(), 'B');
  sb.root.mkdir(root, 'd', 0o755);
  const d = sb.root.lookup('d');
  d.mkdir(root, 'sub', 0o755);
  errno(() => sb.root.rename(root, 'd', d.lookup('sub'), 'x', 0), E.EINVAL);
  errno(() => sb.root.rename(root, 'b', sb.root, 'd', 0), E.EISDIR);
  errno(() => sb.root.rename(root, 'd', sb.root, 'b', 0), E.ENOTDIR);
  sb.root.mkdir(root, 'e', 0o755);
  sb.root.rename(root, 'e', d, 'moved', 0);
  assert.equal(d.getattr().nlink, 4n);
  assert.equal(sb.root.getattr().nlink, 3n);
  errno(() => sb.root.rename(root, 'nothere', sb.root, 'x', 0), E.ENOENT);
});

test('size= limit: ENOSPC, and a write cut at the page that does not fit', () => {
  const sb = mount('size=16k');
  assert.match(sb.options(), /size=16k/);
  const f = sb.root.create(root, 'big', 0o644, O.RDWR);
  assert.equal(f.write(root, Buffer.alloc(10000, 1), null), 10000);
  // 10000 bytes take 3 pages; one page is left: the next write stops at 16384.
  assert.equal(f.write(root, Buffer.alloc(10000, 2), null), 16384 - 10000);
  errno(() => f.write(root, Buffer.alloc(10), null), E.ENOSPC);
  // Overwriting pages already there needs no space.
  assert.equal(f.write(root, Buffer.alloc(100, 3), 0n), 100);
  const st = sb.statfs();
  assert.equal(st.readBigInt64LE(0), BigInt(TMPFS_MAGIC));
  assert.equal(st.readBigInt64LE(16), 4n);
  assert.equal(st.readBigInt64LE(24), 0n);
  f.truncate(0n);
  assert.equal(sb.statfs().readBigInt64LE(24), 4n);
  f.put();
});

test('nr_inodes= limit and bad options', () => {
  const sb = mount('nr_inodes=3');
  write(sb, 'a', '');
  write(sb, 'b', '');
  errno(() => write(sb, 'c', ''), E.ENOSPC);
  sb.root.unlink(root, 'a');
  write(sb, 'c', '');
  for (const bad of ['size=abc', 'mode=9', 'bogus', 'uid=x']) errno(() => mount(bad), E.EINVAL);
  const m = mount('mode=700,uid=5,gid=6,size=50%');
  assert.deepEqual([m.root.getattr().mode & 0o7777, m.root.getattr().uid, m.root.getattr().gid], [0o700, 5, 6]);
  assert.match(m.options(), /mode=700,uid=5,gid=6/);
});

test('chown, chmod and times follow Linux rules for an unprivileged owner', () => {
  const sb = mount();
  const t = task({ uid: 1000, gid: 1000, caps: 0n, groups: [50] });
  sb.root.setattr(root, { mode: 0o1777 });
  const f = sb.root.create(t, 'f', 0o755, O.RDWR);
  f.put();
  const ino = sb.root.lookup('f');
  errno(() => ino.setattr(t, { uid: 0 }), E.EPERM);
  errno(() => ino.setattr(t, { gid: 7 }), E.EPERM);
  ino.setattr(t, { gid: 50 });
  errno(() => ino.setattr(nobody, { mode: 0o777 }), E.EPERM);
  ino.setattr(t, { mode: 0o6755 });
  assert.equal(ino.getattr().mode & 0o7777, 0o6755);
  errno(() => ino.setattr(nobody, { atime: [1n, 0n], mtime: [1n, 0n] }), E.EPERM);
  errno(() => ino.setattr(nobody, { atime: 'now', mtime: 'now' }), E.EACCES);
  ino.setattr(t, { atime: [1n, 5n], mtime: [2n, 6n] });
  assert.deepEqual(ino.getattr().mtime, [2n, 6n]);
  // A write by someone without CAP_FSETID drops setuid and setgid (group-executable).
  const w = ino.open(t, O.WRONLY);
  w.write(t, Buffer.from('x'), null);
  w.put();
  assert.equal(ino.getattr().mode & 0o7777, 0o755);
  // Root may chown; chown drops the setuid bit.
  ino.setattr(root, { mode: 0o4755 });
  ino.setattr(root, { uid: 0, gid: 0 });
  assert.deepEqual([ino.getattr().uid, ino.getattr().mode & 0o7777], [0, 0o755]);
  // Sticky directory: nobody may not remove t's file.
  errno(() => sb.root.unlink(nobody, 'f'), E.EPERM);
});

test('setgid directories give their group, and directories the bit', () => {
  const sb = mount();
  sb.root.mkdir(root, 'g', 0o2775);
  const g = sb.root.lookup('g');
  g.setattr(root, { gid: 77, mode: 0o2775 });
  const t = task({ uid: 1000, gid: 1000, caps: 0n });
  g.mkdir(t, 'sub', 0o755);
  g.create(t, 'f', 0o644, O.RDWR).put();
  assert.deepEqual([g.lookup('sub').getattr().gid, g.lookup('sub').getattr().mode & 0o7777], [77, 0o2755]);
  assert.equal(g.lookup('f').getattr().gid, 77);
});

test('xattrs: user., trusted. and security. namespaces with their rules', () => {
  const sb = mount();
  write(sb, 'f', '');
  const ino = sb.root.lookup('f');
  ino.setxattr(root, 'user.a', Buffer.from('1'), 0);
  ino.setxattr(root, 'trusted.b', Buffer.from('2'), 0);
  ino.setxattr(root, 'security.c', Buffer.from('3'), 0);
  assert.equal(ino.getxattr('user.a', root).toString(), '1');
  assert.equal(ino.listxattr(root).toString(), 'user.a\0trusted.b\0security.c\0');
  assert.equal(ino.listxattr(nobody).toString(), 'user.a\0security.c\0');
  errno(() => ino.setxattr(root, 'user.a', Buffer.from('x'), 1), E.EEXIST);
  errno(() => ino.setxattr(root, 'user.z', Buffer.from('x'), 2), E.ENODATA);
  errno(() => ino.setxattr(root, 'other.z', Buffer.from('x'), 0), E.EOPNOTSUPP);
  errno(() => ino.setxattr(nobody, 'trusted.z', Buffer.from('x'), 0), E.EPERM);
  errno(() => ino.getxattr('trusted.b', nobody), E.ENODATA);
  errno(() => ino.setxattr(nobody, 'user.z', Buffer.from('x'), 0), E.EACCES);
  ino.removexattr(root, 'user.a');
  errno(() => ino.getxattr('user.a', root), E.ENODATA);
  sb.root.mknod(root, 'sock', S_IFSOCK | 0o755, 0n);
  errno(() => sb.root.lookup('sock').setxattr(root, 'user.a', Buffer.from('1'), 0), E.EPERM);
});

test('device nodes open the kernel driver; symlinks keep their text', () => {
  const sb = mount();
  sb.root.mknod(root, 'zero', S_IFCHR | 0o666, mkdev(1, 5));
  const z = sb.root.lookup('zero');
  assert.equal(z.getattr().rdev, mkdev(1, 5));
  const f = z.open(root, O.RDONLY);
  assert.deepEqual([...f.read(root, 4, null)], [0, 0, 0, 0]);
  f.put();
  sb.root.mknod(root, 'nodev', S_IFCHR | 0o666, mkdev(250, 0));
  errno(() => sb.root.lookup('nodev').open(root, O.RDONLY), E.ENXIO);
  sb.root.symlink(root, '/some/where', 'l');
  const l = sb.root.lookup('l');
  assert.equal(l.readlink(), '/some/where');
  assert.equal(l.getattr().size, 11n);
  errno(() => sb.root.symlink(root, 'x', 'l'), E.EEXIST);
  errno(() => sb.root.mkdir(root, 'n'.repeat(256), 0o755), E.ENAMETOOLONG);
});

test('O_TMPFILE: unnamed until linked, gone on close if never linked', () => {
  const sb = mount();
  const before = sb.usedInodes;
  const { file, inode } = sb.root.tmpfile(root, 0o600, O.RDWR);
  file.write(root, Buffer.from('tmp'), null);
  assert.equal(inode.getattr().nlink, 0n);
  sb.root.link(root, inode, 'named');
  file.put();
  assert.equal(readAll(sb.root.lookup('named')).toString(), 'tmp');
  const t2 = sb.root.tmpfile(root, 0o600, O.RDWR | O.EXCL);
  errno(() => sb.root.link(root, t2.inode, 'no'), E.ENOENT);
  t2.file.put();
  assert.equal(sb.usedInodes, before + 1n);
});

test('umount (kill) frees the data: the memfds close, /proc/meminfo Shmem drops', () => {
  const sb = mount();
  const before = shmemPages();
  const f = sb.root.create(root, 'big', 0o644, O.RDWR);
  f.write(root, Buffer.alloc(200000, 7), null);
  const fd = f.hostFd();
  f.put();
  write(sb, 'small', 'x');
  assert.equal(shmemPages(), before + 50n);
  assert.ok(existsSync(`/proc/self/fd/${fd}`));
  sb.kill();
  assert.equal(shmemPages(), before);
  assert.ok(!existsSync(`/proc/self/fd/${fd}`));
});

test('remount changes size= and nr_inodes=, not below what is in use', () => {
  const sb = mount('size=64k');
  write(sb, 'f', 'x'.repeat(10000));
  sb.remount('size=128k,mode=700');
  assert.match(sb.options(), /size=128k/);
  assert.equal(sb.root.getattr().mode & 0o7777, 0o1777);
  errno(() => sb.remount('size=4k'), E.EINVAL);
  errno(() => mount('size=0').remount('size=4k'), E.EINVAL);
  errno(() => sb.remount('size=junk'), E.EINVAL);
});

test('a writer who does not own the file may still have its setuid bit taken off (file_remove_privs)', () => {
  const sb = mount();
  write(sb, 'f', '');
  const ino = sb.root.lookup('f');
  ino.setattr(root, { mode: 0o4777 });
  // ATTR_FORCE: the kernel clears the bits on the writer's behalf; a chmod by a non-owner stays EPERM.
  errno(() => ino.setattr(nobody, { mode: 0o777 }), E.EPERM);
  ino.setattr(nobody, { mode: 0o777, force: true });
  assert.equal(ino.getattr().mode & 0o7777, 0o777);
  errno(() => ino.setattr(nobody, { mode: 0o4777 }), E.EPERM);
});
