// devtmpfs and sysfs through their inode interface: the nodes the drivers
// announce, the links udev would make, and the sysfs files lsblk and lscpu
// read for a block device attached at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { Cred } from '../dist/kernel/cred.js';
import { O, S_IFBLK, S_IFCHR } from '../dist/fs/file.js';
import { getFilesystem } from '../dist/fs/filesystems.js';
import { addDeviceNode, removeDeviceNode, mkdev } from '../dist/drivers/registry.js';
import { addBdev, removeBdev } from '../dist/block/blkdev.js';
import { E } from '../dist/host/errno.js';
import { NR_CPUS } from '../dist/kernel/cpus.js';
import '../dist/drivers/char/mem.js';
import '../dist/drivers/base/devtmpfs.js';
import '../dist/fs/sysfs/sysfs.js';

const root = { cred: new Cred(), fs: { root: { path: '/' } } };
const kernel = { bootTime: Date.now() };

/** Walks path from the root, following relative symlinks in the middle as namei does. */
function walk(rootInode, path) {
  const parts = path.split('/').filter(Boolean);
  const stack = [rootInode];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === '..') { stack.pop(); continue; }
    const next = stack[stack.length - 1].lookup(p);
    if (next.isLink() && i < parts.length - 1) {
      parts.splice(i + 1, 0, ...next.readlink().split('/').filter(Boolean));
      continue;
    }
    stack.push(next);
  }
  return stack[stack.length - 1];
}
function cat(inode, path) {
  const f = walk(inode, path).open(root, O.RDONLY);
  const s = f.read(root, 65536, 0n).toString('latin1');
  f.put();
  return s;
}
function ls(inode, path) {
  const d = walk(inode, path);
  return d.children ? d.children().map(([n]) => n) : [...d.entries.keys()];
}

test('devtmpfs: the mem devices, the udev links, one shared instance kept current', () => {
  const fs = getFilesystem('devtmpfs');
  const sb = fs.mount({ task: null, source: 'devtmpfs', data: '', flags: 0 });
  assert.equal(fs.mount({ task: null, source: 'devtmpfs', data: '', flags: 0 }), sb);
  assert.equal(sb.type, 'devtmpfs');
  const st = walk(sb.root, 'zero').getattr();
  assert.deepEqual([st.mode, st.rdev, st.uid], [S_IFCHR | 0o666, mkdev(1, 5), 0]);
  for (const n of ['null', 'full', 'random', 'urandom']) assert.ok(walk(sb.root, n).getattr().rdev >> 8n === 1n, n);
  assert.equal(walk(sb.root, 'fd').readlink(), '/proc/self/fd');
  assert.equal(walk(sb.root, 'stderr').readlink(), '/proc/self/fd/2');
  assert.equal(walk(sb.root, 'shm').getattr().mode & 0o7777, 0o1777);
  assert.ok(walk(sb.root, 'pts').isDir());
  const f = walk(sb.root, 'zero').open(root, O.RDONLY);
  assert.deepEqual([...f.read(root, 3, null)], [0, 0, 0]);
  f.put();
  // A device that comes and goes, in a subdirectory.
  addDeviceNode({ name: 'disk/test0', type: S_IFBLK, rdev: mkdev(240, 3), mode: 0o660 });
  assert.equal(walk(sb.root, 'disk/test0').getattr().mode, S_IFBLK | 0o660);
  removeDeviceNode('disk/test0');
  assert.throws(() => walk(sb.root, 'disk'), (e) => e.errno === E.ENOENT);
});

test('sysfs: /sys/block, /sys/dev/block and the disk attributes lsblk reads', () => {
  const sb = getFilesystem('sysfs').mount({ kernel, task: null, source: 'sysfs', data: '', flags: 0 });
  assert.equal(sb.statfs().readBigInt64LE(0), 0x62656572n);
  const dev = {
    name: 'ubdz', rdev: mkdev(98, 400), readOnly: true, sectorSize: 512,
    size: () => 1048576n, read: () => Buffer.alloc(0), write() {}, flush() {},
  };
  addBdev(dev);
  try {
    assert.ok(ls(sb.root, 'block').includes('ubdz'));
    assert.equal(walk(sb.root, 'block/ubdz').readlink(), '../devices/virtual/block/ubdz');
    assert.equal(walk(sb.root, 'dev/block/98:400').readlink(), '../../devices/virtual/block/ubdz');
    assert.equal(cat(sb.root, 'block/ubdz/size'), '2048\n');
    assert.equal(cat(sb.root, 'block/ubdz/ro'), '1\n');
    assert.equal(cat(sb.root, 'block/ubdz/dev'), '98:400\n');
    assert.equal(cat(sb.root, 'block/ubdz/queue/logical_block_size'), '512\n');
    assert.match(cat(sb.root, 'class/block/ubdz/uevent'), /DEVNAME=ubdz\nDEVTYPE=disk/);
  } finally {
    removeBdev(dev.rdev);
  }
  assert.ok(!ls(sb.root, 'block').includes('ubdz'));
  assert.throws(() => walk(sb.root, 'block/ubdz'), (e) => e.errno === E.ENOENT);
});

test('sysfs: character devices by class, CPUs, empty cgroup directory', () => {
  const sb = getFilesystem('sysfs').mount({ kernel, task: null, source: 'sysfs', data: '', flags: 0 });
  assert.equal(cat(sb.root, 'class/mem/null/dev'), '1:3\n');
  assert.equal(walk(sb.root, 'dev/char/1:5').readlink(), '../../devices/virtual/mem/zero');
  assert.equal(cat(sb.root, 'dev/char/1:5/dev'), '1:5\n');
  assert.equal(cat(sb.root, 'devices/system/cpu/online'), NR_CPUS === 1 ? '0\n' : `0-${NR_CPUS - 1}\n`);
  assert.ok(NR_CPUS <= availableParallelism() || NR_CPUS >= 1);
  assert.ok(ls(sb.root, 'devices/system/cpu').includes('cpu0'));
  assert.ok(!ls(sb.root, 'devices/system/cpu').includes(`cpu${NR_CPUS}`));
  assert.deepEqual(ls(sb.root, 'fs/cgroup'), []);
});
