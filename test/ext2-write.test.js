// ext2 writes through the kernel's Inode/File API: trees of thousands of
// files and ~100 MiB, churn (unlink, rmdir, rename, truncate, links,
// xattrs), indexed directories and large files; after umount e2fsck finds
// the image clean and debugfs reads the same tree back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { scratch } from './helpers.js';
import {
  mount, hostManifest, imageManifest, must, sh, fakeTask, copyTree, e2fsck, lookupPath, parentOf, writeFile, readAll, listDir,
} from './ext2/fs.js';

/** A pseudo-random generator, so the trees are the same on every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** 2,000 files in 40 directories (~60 MiB) plus a 40 MiB file, links and device nodes. */
function bigTree(dir) {
  const r = rng(42);
  let total = 0;
  for (let d = 0; d < 40; d++) {
    const sub = `${dir}/d${d % 8}/e${d}`;
    fs.mkdirSync(sub, { recursive: true });
    for (let i = 0; i < 50; i++) {
      const size = Math.floor(r() * r() * 120000);
      const b = Buffer.alloc(size);
      for (let k = 0; k + 4 <= size; k += 4096) b.writeUInt32LE((r() * 2 ** 32) >>> 0, k);
      fs.writeFileSync(`${sub}/f${i}`, b);
      total += size;
    }
  }
  const big = Buffer.alloc(40 << 20);
  for (let k = 0; k < big.length; k += 512) big.writeUInt32LE(k, k);
  fs.writeFileSync(`${dir}/big`, big);
  fs.symlinkSync('d0/e0/f1', `${dir}/fast`);
  fs.symlinkSync('d0/' + 'y'.repeat(200), `${dir}/slow`);
  fs.linkSync(`${dir}/d0/e0/f1`, `${dir}/d1/hard`);
  must(`mknod ${dir}/tty c 5 0 && mkfifo ${dir}/fifo && chown 1000:1000 ${dir}/d1 && chmod 2775 ${dir}/d1 && chmod 600 ${dir}/big`);
  return total + big.length;
}

const src = scratch('ext2-wsrc-');
const bytes = bigTree(src);
const tree = hostManifest(src);

/** The manifest without what debugfs rdump does not recreate (device nodes, FIFOs, hard links). */
function rdumpable(m) {
  const out = {};
  for (const [k, v] of Object.entries(m)) {
    if (!['file', 'dir', 'link'].includes(v.type)) continue;
    const { nlink: _n, ...rest } = v;
    if (v.type === 'link') { delete rest.mode; }
    // rdump chowns after chmod on the host, which clears a directory's setgid bit.
    if (v.type === 'dir') rest.mode &= 0o1777;
    out[k] = rest;
  }
  return out;
}

for (const bs of [4096, 1024]) {
  test(`a tree of 2000 files and ${Math.round(bytes / 2 ** 20)} MiB written with ${bs}-byte blocks: e2fsck clean, debugfs reads it back`, () => {
    const d = scratch();
    const img = `${d}/img`;
    must(`mke2fs -q -F -t ext2 -b ${bs} ${img} 256M`);
    const m = mount(img);
    assert.match(must(`dumpe2fs -h ${img} 2>/dev/null`), /Filesystem state:\s+not clean/);
    copyTree(src, m.sb.root);
    const st = m.sb.statfs();
    m.umount();
    const fsck = e2fsck(img);
    assert.equal(fsck.status, 0, fsck.stdout);
    const h = must(`dumpe2fs -h ${img} 2>/dev/null`);
    assert.match(h, /Filesystem state:\s+clean/);
    assert.match(h, /Mount count:\s+1/);
    // statfs agrees with the superblock e2fsck checked.
    assert.equal(st.readBigUInt64LE(24), BigInt(h.match(/Free blocks:\s+(\d+)/)[1]));
    assert.equal(st.readBigUInt64LE(48), BigInt(h.match(/Free inodes:\s+(\d+)/)[1]));
    must(`mkdir ${d}/out && debugfs -R 'rdump / ${d}/out' ${img} 2>/dev/null`);
    fs.rmSync(`${d}/out/lost+found`, { recursive: true });
    assert.deepEqual(rdumpable(hostManifest(`${d}/out`)), rdumpable(tree));
    assert.match(must(`debugfs -R 'ls -l /' ${img} 2>/dev/null`), /\s20644 \(3\)\s+0\s+0\s+0 .*tty\n/);
    const m2 = mount(img, { ro: true });
    assert.deepEqual(imageManifest(m2.sb.root), tree);
    m2.umount();
    fs.rmSync(d, { recursive: true });
  });
}

/** The same changes made on a host directory and, through the kernel, on an image. */
const churn = [
  ['unlinkMany', 'd2'], ['rmdir', 'd3/e3'], ['rename', 'd4/e4/f3', 'd0/moved'], ['rename', 'd5/e5', 'd0/e0/dirmoved'],
  ['rename', 'd6/e6/f1', 'd6/e6/f2'], ['rename', 'd6/e6', 'd6/e99'], ['truncate', 'big', 10_000_001], ['truncate', 'd0/moved', 3_000_000],
  ['truncate', 'd1/hard', 0], ['unlink', 'd0/e0/f1'], ['link', 'd0/moved', 'd7/l'], ['write', 'd7/l', 100_000, 'hello'],
  ['mkdir', 'new'], ['symlink', '../' + 'z'.repeat(300), 'new/s'], ['write', 'new/sparse', 50_000_000, 'tail'],
  ['unlink', 'slow'], ['rename', 'fast', 'd1/fast'],
];

function hostOp(root, [op, a, b, c]) {
  const p = (x) => `${root}/${x}`;
  switch (op) {
    case 'unlinkMany': for (const e of fs.readdirSync(p(a))) fs.rmSync(p(`${a}/${e}`), { recursive: true }); break;
    case 'rmdir': for (const e of fs.readdirSync(p(a))) fs.unlinkSync(p(`${a}/${e}`)); fs.rmdirSync(p(a)); break;
    case 'rename': fs.renameSync(p(a), p(b)); break;
    case 'truncate': fs.truncateSync(p(a), b); break;
    case 'unlink': fs.unlinkSync(p(a)); break;
    case 'link': fs.linkSync(p(a), p(b)); break;
    case 'write': { fs.closeSync(fs.openSync(p(a), 'a')); const w = fs.openSync(p(a), 'r+'); fs.writeSync(w, Buffer.from(c), 0, c.length, b); fs.closeSync(w); break; }
    case 'mkdir': fs.mkdirSync(p(a)); break;
    case 'symlink': fs.symlinkSync(a, p(b)); break;
  }
}

function imageOp(root, [op, a, b, c], t = fakeTask()) {
  switch (op) {
    case 'unlinkMany': {
      const rm = (dir) => {
        for (const e of listDir(dir).map((x) => x.name).filter((n) => n !== '.' && n !== '..')) {
          const child = dir.lookup(e);
          if (child.isDir()) { rm(child); dir.rmdir(t, e); } else dir.unlink(t, e);
        }
      };
      rm(lookupPath(root, a));
      break;
    }
    case 'rmdir': {
      const dir = lookupPath(root, a);
      for (const e of listDir(dir).map((x) => x.name).filter((n) => n !== '.' && n !== '..')) dir.unlink(t, e);
      const { dir: pd, name } = parentOf(root, a);
      pd.rmdir(t, name);
      break;
    }
    case 'rename': { const o = parentOf(root, a), n = parentOf(root, b); o.dir.rename(t, o.name, n.dir, n.name, 0); break; }
    case 'truncate': lookupPath(root, a).setattr(t, { size: BigInt(b) }); break;
    case 'unlink': { const o = parentOf(root, a); o.dir.unlink(t, o.name); break; }
    case 'link': { const n = parentOf(root, b); n.dir.link(t, lookupPath(root, a), n.name); break; }
    case 'write': {
      let inode;
      try { inode = lookupPath(root, a); } catch { const n = parentOf(root, a); n.dir.create(t, n.name, 0o644, 0o101).put(); inode = lookupPath(root, a); }
      const f = inode.open(t, 2);
      f.write(t, Buffer.from(c), BigInt(b));
      f.put();
      break;
    }
    case 'mkdir': { const n = parentOf(root, a); n.dir.mkdir(t, n.name, 0o755); break; }
    case 'symlink': { const n = parentOf(root, b); n.dir.symlink(t, a, n.name); break; }
  }
}

test('unlink, rmdir, rename, truncate, link and sparse writes: e2fsck clean, the same tree as the host made', () => {
  const d = scratch();
  const img = `${d}/img`;
  must(`cp -a ${src} ${d}/host && mke2fs -q -F -t ext2 -b 1024 -d ${src} ${img} 256M`);
  const freeBefore = must(`dumpe2fs -h ${img} 2>/dev/null`).match(/Free blocks:\s+(\d+)/)[1];
  const m = mount(img);
  for (const op of churn) { hostOp(`${d}/host`, [op[0], op[1], op[2], op[3]]); imageOp(m.sb.root, op); }
  m.umount();
  const fsck = e2fsck(img);
  assert.equal(fsck.status, 0, fsck.stdout);
  const m2 = mount(img, { ro: true });
  assert.deepEqual(imageManifest(m2.sb.root), hostManifest(`${d}/host`));
  m2.umount();
  // Removing everything gives every block back.
  const m3 = mount(img);
  for (const e of listDir(m3.sb.root).map((x) => x.name).filter((n) => !['.', '..', 'lost+found'].includes(n))) {
    const child = m3.sb.root.lookup(e);
    if (child.isDir()) { imageOp(m3.sb.root, ['unlinkMany', e]); m3.sb.root.rmdir(fakeTask(), e); } else m3.sb.root.unlink(fakeTask(), e);
  }
  m3.umount();
  assert.equal(e2fsck(img).status, 0);
  const h = must(`dumpe2fs -h ${img} 2>/dev/null`);
  const emptyFree = Number(must(`mke2fs -q -F -t ext2 -b 1024 ${d}/empty 256M && dumpe2fs -h ${d}/empty 2>/dev/null`).match(/Free blocks:\s+(\d+)/)[1]);
  assert.equal(Number(h.match(/Free blocks:\s+(\d+)/)[1]), emptyFree);
  assert.ok(Number(freeBefore) < emptyFree);
  fs.rmSync(d, { recursive: true });
});

test('an indexed (dir_index) directory changed through ext2 stays valid for e2fsck', () => {
  const d = scratch();
  fs.mkdirSync(`${d}/t/many`, { recursive: true });
  for (let i = 0; i < 3000; i++) fs.writeFileSync(`${d}/t/many/entry-number-${i}`, '');
  must(`mke2fs -q -F -t ext2 -b 1024 -d ${d}/t ${d}/img 64M`);
  // e2fsck -D builds the hash index of the directory, as ext3/ext4 would have.
  assert.ok(sh(`e2fsck -fyD ${d}/img`).status <= 1);
  assert.match(must(`debugfs -R 'stat /many' ${d}/img 2>/dev/null`), /Flags: 0x1000/);
  const m = mount(`${d}/img`);
  const dir = m.sb.root.lookup('many');
  const t = fakeTask();
  for (let i = 0; i < 3000; i += 2) dir.unlink(t, `entry-number-${i}`);
  for (let i = 0; i < 500; i++) dir.create(t, `added-${i}`, 0o600, 0o101).put();
  m.umount();
  const fsck = e2fsck(`${d}/img`);
  assert.equal(fsck.status, 0, fsck.stdout);
  const ls = must(`debugfs -R 'ls /many' ${d}/img 2>/dev/null`);
  assert.ok(ls.includes('entry-number-2999') && ls.includes('added-499') && !ls.includes('entry-number-2 '));
  const m2 = mount(`${d}/img`, { ro: true });
  assert.equal(listDir(m2.sb.root.lookup('many')).length, 2 + 1500 + 500);
  m2.umount();
  fs.rmSync(d, { recursive: true });
});

test('a file past 4 GiB on a revision 0 filesystem turns on large_file; xattrs written are read by e2fsprogs', () => {
  const d = scratch();
  must(`mke2fs -q -F -t ext2 -r 0 -b 4096 ${d}/img 64M`);
  const m = mount(`${d}/img`);
  const t = fakeTask();
  writeFile(m.sb.root, 'huge', Buffer.alloc(0));
  const f = m.sb.root.lookup('huge').open(t, 2);
  f.write(t, Buffer.from('far away'), 5n * 2n ** 30n);
  f.put();
  m.umount();
  let fsck = e2fsck(`${d}/img`);
  assert.equal(fsck.status, 0, fsck.stdout);
  const h = must(`dumpe2fs -h ${d}/img 2>/dev/null`);
  assert.match(h, /Filesystem features:.*large_file/);
  assert.match(h, /Filesystem revision #:\s+1/);
  assert.equal(must(`debugfs -R 'cat /huge' ${d}/img 2>/dev/null | tail -c 8`), 'far away');

  must(`mke2fs -q -F -t ext2 -b 1024 ${d}/x 16M`);
  const m2 = mount(`${d}/x`);
  writeFile(m2.sb.root, 'a', Buffer.from('data'));
  const a = m2.sb.root.lookup('a');
  a.setxattr(t, 'user.one', Buffer.from('1'), 0);
  a.setxattr(t, 'user.two', Buffer.alloc(300, 'v'), 0);
  a.setxattr(t, 'security.selinux', Buffer.from('system_u:object_r:x\0'), 0);
  assert.throws(() => a.setxattr(t, 'user.one', Buffer.from('x'), 1), { message: 'EEXIST' });
  assert.throws(() => a.setxattr(t, 'user.none', Buffer.from('x'), 2), { message: 'ENODATA' });
  assert.throws(() => a.setxattr(fakeTask(1000, 1000), 'trusted.x', Buffer.from('x'), 0), { message: 'EPERM' });
  assert.throws(() => a.setxattr(t, 'user.big', Buffer.alloc(2000), 0), { message: 'ENOSPC' });
  a.setxattr(t, 'user.one', Buffer.from('uno'), 2);
  a.removexattr(t, 'user.two');
  m2.umount();
  fsck = e2fsck(`${d}/x`);
  assert.equal(fsck.status, 0, fsck.stdout);
  assert.match(must(`debugfs -R 'ea_list /a' ${d}/x 2>/dev/null`), /user\.one \(3\) = "uno"/);
  const m3 = mount(`${d}/x`, { ro: true });
  assert.deepEqual(m3.sb.root.lookup('a').listxattr().toString().split('\0').filter(Boolean).sort(), ['security.selinux', 'user.one']);
  m3.umount();
  fs.rmSync(d, { recursive: true });
});

test('a mount dropped without umount (a crash) is repaired by e2fsck -fy and keeps what was synced', () => {
  const d = scratch();
  must(`mke2fs -q -F -t ext2 ${d}/img 64M`);
  const m = mount(`${d}/img`);
  const t = fakeTask();
  writeFile(m.sb.root, 'synced', Buffer.alloc(1 << 20, 's'));
  const f = m.sb.root.lookup('synced').open(t, 2);
  f.fsync();
  f.put();
  for (let i = 0; i < 50; i++) writeFile(m.sb.root, `lost${i}`, Buffer.alloc(10000, 'l'));
  // No umount: the timer and the device go away as with kill -9.
  clearInterval(m.sb.timer);
  m.bdev.close();
  assert.match(must(`dumpe2fs -h ${d}/img 2>/dev/null`), /Filesystem state:\s+not clean/);
  const fix = e2fsck(`${d}/img`, '-fy');
  assert.ok(fix.status === 0 || fix.status === 1, fix.stdout);
  assert.equal(e2fsck(`${d}/img`).status, 0);
  assert.equal(createHash('sha256').update(must(`debugfs -R 'cat /synced' ${d}/img 2>/dev/null`)).digest('hex'),
    createHash('sha256').update(Buffer.alloc(1 << 20, 's')).digest('hex'));
  fs.rmSync(d, { recursive: true });
});

test('reserved blocks are root\'s: a user gets ENOSPC first; statfs f_bavail leaves them out', () => {
  const d = scratch();
  must(`mke2fs -q -F -t ext2 -b 1024 -m 10 ${d}/img 8M`);
  const m = mount(`${d}/img`);
  const root = fakeTask(), user = fakeTask(1000, 1000);
  m.sb.root.setattr(root, { mode: 0o777 });
  const st = m.sb.statfs();
  const bfree = st.readBigUInt64LE(24), bavail = st.readBigUInt64LE(32);
  assert.equal(bfree - bavail, BigInt(must(`dumpe2fs -h ${d}/img 2>/dev/null`).match(/Reserved block count:\s+(\d+)/)[1]));
  const fill = (task, name) => {
    const f = m.sb.root.create(task, name, 0o644, 0o101);
    let n = 0;
    try { for (;;) n += f.write(task, Buffer.alloc(65536, 1), null); } catch (e) { assert.equal(e.message, 'ENOSPC'); }
    f.put();
    return n;
  };
  fill(user, 'u');
  assert.ok(m.sb.statfs().readBigUInt64LE(32) === 0n);
  assert.ok(fill(root, 'r') > 0, 'root still writes into the reserve');
  m.umount();
  assert.equal(e2fsck(`${d}/img`).status, 0);
  fs.rmSync(d, { recursive: true });
});
