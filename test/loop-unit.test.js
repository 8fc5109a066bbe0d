// Loop devices through the kernel's interfaces, without a guest: sysfs
// shows a bound device's loop/ attributes (what losetup -a reads), ubd's serial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { O } from '../dist/fs/file.js';
import { Cred } from '../dist/kernel/cred.js';
import { getFilesystem } from '../dist/fs/filesystems.js';
import { getBdev } from '../dist/block/blkdev.js';
import { mkdev } from '../dist/drivers/registry.js';
import { HostFile } from '../dist/fs/hostfs/file.js';
import { LOOP } from '../dist/drivers/block/loop.js';
import '../dist/fs/sysfs/sysfs.js';
import { scratch } from './helpers.js';

const task = { cred: new Cred(), fs: { root: { path: '/' } }, files: null, mem: null };

function cat(rootInode, path) {
  let inode = rootInode;
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    inode = inode.lookup(parts[i]);
    if (inode.isLink() && i < parts.length - 1) {
      // block/loop0 -> ../devices/virtual/block/loop0
      inode = cat(rootInode, `${inode.readlink().replace(/^\.\.\//, '')}/${parts.slice(i + 1).join('/')}`);
      return inode;
    }
  }
  const f = inode.open(task, O.RDONLY);
  const s = f.read(task, 65536, 0n).toString('latin1');
  f.put();
  return s;
}

test('sysfs: /sys/block/loopN/loop/backing_file and offset while bound, gone when cleared', () => {
  const sb = getFilesystem('sysfs').mount({ kernel: { bootTime: Date.now() }, task: null, source: 'sysfs', data: '', flags: 0 });
  const d = scratch();
  const img = join(d, 'f.img');
  writeFileSync(img, Buffer.alloc(1 << 20));
  const file = new HostFile(openSync(img, 'r+'), O.RDWR, img);
  const lo = getBdev(mkdev(7, 0));
  const t = { ...task, files: { get: () => file }, mem: null };
  lo.ioctl(t, LOOP.SET_FD, 9n, { writable: true });
  try {
    assert.equal(cat(sb.root, 'block/loop0/loop/backing_file'), `${img}\n`);
    assert.equal(cat(sb.root, 'block/loop0/loop/offset'), '0\n');
    assert.equal(cat(sb.root, 'block/loop0/loop/autoclear'), '0\n');
    assert.equal(cat(sb.root, 'block/loop0/size'), '2048\n');
  } finally {
    lo.ioctl(t, LOOP.CLR_FD, 0n, { writable: true });
  }
  assert.throws(() => cat(sb.root, 'block/loop0/loop/backing_file'), (e) => e.errno === 2);
  assert.equal(cat(sb.root, 'block/loop0/size'), '0\n');
});
