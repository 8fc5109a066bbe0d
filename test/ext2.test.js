// ext2 in the kernel, driven through its Inode/File API over a host-file
// block device: images made by the host's mke2fs read back identically;
// trees written through it pass e2fsck and read back identically with
// debugfs; bad images are refused with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, symlinkSync, linkSync, readFileSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { scratch } from './helpers.js';
import { mount, hostManifest, imageManifest, must, sh, fakeTask, listDir, readAll } from './ext2/fs.js';
import { KernelLog } from '../dist/kernel/printk.js';

// The kernel log that printk() writes to when no machine is booted around the filesystem.
const klog = new KernelLog();
const logRecords = () => klog.records;

const fileSha = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A source tree with every kind of file ext2 stores. */
function makeTree(dir) {
  mkdirSync(`${dir}/sub/deeper/deepest`, { recursive: true });
  writeFileSync(`${dir}/small`, 'hello\n');
  writeFileSync(`${dir}/empty`, '');
  writeFileSync(`${dir}/sub/deeper/300k`, Buffer.alloc(300 << 10, 'ab'));
  writeFileSync(`${dir}/sub/deeper/deepest/5m`, createHash('sha512').update('x').digest().toString('hex').repeat(80000));
  symlinkSync('small', `${dir}/fast`);
  symlinkSync('sub/' + 'x'.repeat(150), `${dir}/slow`);
  linkSync(`${dir}/small`, `${dir}/sub/hard`);
  must(`mknod ${dir}/null c 1 3 && mknod ${dir}/bigdev b 259 300000 && mkfifo ${dir}/fifo && chmod 4755 ${dir}/small && chown 1234:5678 ${dir}/sub && chmod 1777 ${dir}/sub/deeper`);
  // Data past 12 + 256 + 65536 blocks of 1 KiB: triple indirect on a 1024-byte block size.
  must(`truncate -s 70M ${dir}/sparse && printf 'at the end' >> ${dir}/sparse && printf 'middle' | dd of=${dir}/sparse bs=1 seek=3000000 conv=notrunc status=none`);
  mkdirSync(`${dir}/many`);
  for (let i = 0; i < 600; i++) writeFileSync(`${dir}/many/file-with-a-longish-name-${i}`, `${i}\n`);
  must(`setfattr -n user.color -v blue ${dir}/small && setfattr -n user.big -v 0x${'ab'.repeat(600)} ${dir}/sub/deeper/300k && setfattr -n trusted.t -v x ${dir}/empty`);
}

const src = scratch('ext2-src-');
makeTree(src);
const hostTree = hostManifest(src);

for (const [bs, opts] of [[1024, ''], [2048, '-O ^dir_index'], [4096, ''], [1024, '-r 0'], [4096, '-I 128']]) {
  test(`an image made by mke2fs -b ${bs} ${opts} reads back identically`, () => {
    const d = scratch();
    const img = `${d}/img`;
    must(`mke2fs -q -F -t ext2 -b ${bs} ${opts} -d ${src} ${img} 128M`);
    const before = fileSha(img);
    const m = mount(img, { ro: true });
    assert.deepEqual(imageManifest(m.sb.root), hostTree);
    const small = m.sb.root.lookup('small');
    if (!opts.includes('-r 0')) {
      assert.equal(small.getxattr('user.color').toString(), 'blue');
      assert.equal(m.sb.root.lookup('sub').lookup('deeper').lookup('300k').getxattr('user.big').toString('hex'), 'ab'.repeat(600));
      assert.equal(m.sb.root.lookup('empty').getxattr('trusted.t').toString(), 'x');
      assert.deepEqual(small.listxattr().toString().split('\0').filter(Boolean), ['user.color']);
      assert.throws(() => small.getxattr('user.none'), { message: 'ENODATA' });
    }
    // The hard link is one inode.
    assert.equal(small.getattr().ino, m.sb.root.lookup('sub').lookup('hard').getattr().ino);
    // getdents offsets resume where they say.
    const names = listDir(m.sb.root.lookup('many'));
    assert.equal(names.length, 602);
    assert.equal(new Set(names.map((e) => e.name)).size, 602);
    m.umount();
    assert.equal(fileSha(img), before, 'a read-only mount writes nothing');
    rmSync(d, { recursive: true });
  });
}

test('holes, SEEK_DATA/SEEK_HOLE and a file past 4 GiB', () => {
  const d = scratch();
  must(`mkdir ${d}/t && truncate -s 5G ${d}/t/huge && printf 'end' >> ${d}/t/huge && printf 'mid' | dd of=${d}/t/huge bs=1 seek=3000000000 conv=notrunc status=none`);
  must(`mke2fs -q -F -t ext2 -b 4096 -d ${d}/t ${d}/img 64M`);
  const m = mount(`${d}/img`, { ro: true });
  const t = fakeTask();
  const f = m.sb.root.lookup('huge').open(t, 0);
  assert.equal(f.stat().size, 5n * 2n ** 30n + 3n);
  assert.equal(f.read(t, 3, 3000000000n).toString(), 'mid');
  assert.equal(f.read(t, 10, 5n * 2n ** 30n).toString(), 'end');
  assert.deepEqual(f.read(t, 8, 1000n), Buffer.alloc(8));
  assert.equal(f.llseek(0n, 3), 3000000000n - 3000000000n % 4096n);
  assert.equal(f.llseek(3000000000n, 4), 3000000000n - 3000000000n % 4096n + 4096n);
  assert.equal(f.llseek(3000000010n, 3), 3000000010n);
  assert.throws(() => f.llseek(6n * 2n ** 30n, 3), { message: 'ENXIO' });
  f.put();
  m.umount();
  rmSync(d, { recursive: true });
});

test('an ext4 image (extents, flex_bg, 64bit, metadata_csum, htree) reads back identically, read-only only', () => {
  const d = scratch();
  must(`mke2fs -q -F -t ext4 -d ${src} ${d}/img 128M`);
  const before = fileSha(`${d}/img`);
  const m = mount(`${d}/img`, { type: 'ext4', ro: true });
  assert.deepEqual(imageManifest(m.sb.root), hostTree);
  m.umount();
  assert.throws(() => mount(`${d}/img`, { type: 'ext4' }), { message: 'EINVAL' });
  assert.match(logRecords().at(-1).text, /EXT4-fs \(ubdb\): error: couldn't mount RDWR because of unsupported optional features \(2c0\): extents 64bit flex_bg/);
  assert.throws(() => mount(`${d}/img`, { type: 'ext2', ro: true }), { message: 'EINVAL' });
  assert.match(logRecords().at(-1).text, /EXT2-fs \(ubdb\): error: couldn't mount because of unsupported optional features \(2c0\): extents 64bit flex_bg/);
  assert.equal(fileSha(`${d}/img`), before);
  rmSync(d, { recursive: true });
});

test('bad images are refused with a message and nothing written', () => {
  const d = scratch();
  const cases = [];
  must(`dd if=/dev/zero of=${d}/zero bs=1M count=8 status=none`);
  cases.push([`${d}/zero`, 'ext2', /can't find an ext2 filesystem on dev ubdb/]);
  must(`mke2fs -q -F -t ext2 ${d}/trunc 64M && truncate -s 20M ${d}/trunc`);
  cases.push([`${d}/trunc`, 'ext2', /bad geometry: block count 65536 exceeds size of device \(20480 blocks\)/]);
  // An incompatible feature no ext4 knows (bit 31 of s_feature_incompat).
  must(`mke2fs -q -F -t ext4 ${d}/unk 64M`);
  const fd = openSync(`${d}/unk`, 'r+');
  const b = Buffer.alloc(4);
  const sbuf = readFileSync(`${d}/unk`).subarray(1024 + 96, 1024 + 100);
  b.writeUInt32LE((sbuf.readUInt32LE(0) | 0x80000000) >>> 0);
  writeSync(fd, b, 0, 4, 1024 + 96);
  closeSync(fd);
  cases.push([`${d}/unk`, 'ext4', /couldn't mount because of unsupported optional features \(80000000\): FEATURE_80000000/]);
  for (const [img, type, msg] of cases) {
    const before = fileSha(img);
    for (const ro of [true, false]) {
      assert.throws(() => mount(img, { type, ro }), { message: 'EINVAL' }, img);
      assert.match(logRecords().at(-1).text, msg);
    }
    assert.equal(fileSha(img), before);
  }
  assert.throws(() => mount(`${d}/trunc`, { data: 'bogus' }), { message: 'EINVAL' });
  assert.match(logRecords().at(-1).text, /Unrecognized mount option "bogus"/);
  rmSync(d, { recursive: true });
});
