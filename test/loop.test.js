// Loop devices: losetup and mkfs inside the guest over a file of the guest,
// and the LOOP_* ioctls one by one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync, chmodSync, truncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { scratch, USERS, isRoot } from './helpers.js';
import { tumlp, blockNode, ubdNode, py } from './block-helpers.js';

// losetup opens /dev/loop-control and /dev/loopN by those names; the guest's
// /dev is the host's until devtmpfs, whose nodes open the kernel's drivers.
const skipNodes = (!existsSync('/dev/loop-control') || !existsSync('/dev/loop0')) && 'no /dev/loop-control or /dev/loop0 node';

for (const as of USERS) {
  test(`losetup -f --show, mkfs.ext2 on the loop device, losetup -d; e2fsck clean on the host (${as})`, { skip: skipNodes }, () => {
    const d = scratch();
    const img = join(d, 'fs.img');
    writeFileSync(img, '');
    truncateSync(img, 16 << 20);
    chmodSync(img, 0o666);
    const r = tumlp([], ['/bin/sh', '-c', `
set -e
L=$(losetup -f --show ${img})
echo "dev $L"
mkfs.ext2 -q $L
blkid -o value -s TYPE $L
losetup -d $L
losetup -f`], { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'dev /dev/loop0\next2\n/dev/loop0\n');
    const fsck = spawnSync('e2fsck', ['-fn', img], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  });
}

test('the LOOP_* ioctls: set up, status, offset and sizelimit, read-only, autoclear, control device', { skip: !isRoot && 'device nodes are made with mknod on the host (root)' }, () => {
  const d = scratch();
  const img = join(d, 'data.img');
  const data = randomBytes(1 << 20);
  writeFileSync(img, data);
  chmodSync(img, 0o666);
  const ctl = join(d, 'loop-control');
  spawnSync('mknod', ['-m', '666', ctl, 'c', '10', '237']);
  const l3 = blockNode(d, 'loop3', 7, 3);
  const l12 = blockNode(d, 'loop12', 7, 12);
  const r = tumlp([], py(`
import os, fcntl, struct, errno, json
out = {}
def err(f):
    try: return f()
    except OSError as e: return -e.errno
def size(fd):
    b = bytearray(8); fcntl.ioctl(fd, 0x80081272, b); return struct.unpack('Q', b)[0]
def status(fd):
    b = bytearray(232); fcntl.ioctl(fd, 0x4c05, b); return b
ctl = os.open('${ctl}', os.O_RDWR)
out['free'] = fcntl.ioctl(ctl, 0x4c82)
out['add12'] = fcntl.ioctl(ctl, 0x4c80, 12)
out['add12again'] = err(lambda: fcntl.ioctl(ctl, 0x4c80, 12))
lo = os.open('${l3}', os.O_RDWR)
out['unbound_status'] = err(lambda: status(lo))
out['unbound_size'] = size(lo)
f = os.open('${img}', os.O_RDWR)
fcntl.ioctl(lo, 0x4c00, f)
out['busy'] = err(lambda: fcntl.ioctl(lo, 0x4c00, f))
out['size'] = size(lo)
out['head'] = os.pread(lo, 16, 0).hex()
st = status(lo)
out['number'] = struct.unpack_from('I', st, 40)[0]
out['inode_ok'] = struct.unpack_from('Q', st, 8)[0] == os.stat('${img}').st_ino
# offset 4096, sizelimit 64 KiB
info = bytearray(232); struct.pack_into('QQ', info, 24, 4096, 65536); info[56:56+7] = b'renamed'
fcntl.ioctl(lo, 0x4c04, bytes(info))
out['size2'] = size(lo)
out['at_offset'] = os.pread(lo, 16, 0).hex()
st = status(lo)
out['name'] = bytes(st[56:120]).rstrip(b'\\0').decode()
os.pwrite(lo, b'through the loop', 512)
os.fsync(lo)
out['ctl_remove_busy'] = err(lambda: fcntl.ioctl(ctl, 0x4c81, 3))
fcntl.ioctl(lo, 0x4c01)
out['cleared'] = err(lambda: status(lo))
# read-only when the file is opened read-only
r = os.open('${img}', os.O_RDONLY)
fcntl.ioctl(lo, 0x4c00, r)
b = bytearray(4); fcntl.ioctl(lo, 0x125e, b); out['ro'] = struct.unpack('i', b)[0]
out['ro_write'] = err(lambda: os.pwrite(lo, b'x', 0))
st = status(lo); out['ro_flags'] = struct.unpack_from('I', st, 52)[0]
# autoclear: the last close unbinds
st[52:56] = struct.pack('I', 4); fcntl.ioctl(lo, 0x4c04, bytes(st))
os.close(lo)
lo = os.open('${l3}', os.O_RDONLY)
out['autocleared'] = err(lambda: status(lo))
os.close(lo)
# LOOP_CONFIGURE with an offset and a block size
l12 = os.open('${l12}', os.O_RDWR)
cfg = bytearray(304); struct.pack_into('II', cfg, 0, f, 4096); struct.pack_into('QQ', cfg, 8 + 24, 8192, 0)
fcntl.ioctl(l12, 0x4c0a, bytes(cfg))
b = bytearray(4); fcntl.ioctl(l12, 0x1268, b); out['bsz'] = struct.unpack('i', b)[0]
out['size3'] = size(l12)
bad = bytearray(304); struct.pack_into('II', bad, 0, f, 1000)
out['badbs'] = err(lambda: fcntl.ioctl(os.open('${l3}', os.O_RDWR), 0x4c0a, bytes(bad)))
fcntl.ioctl(l12, 0x4c01)
os.close(l12)
out['remove12'] = fcntl.ioctl(ctl, 0x4c81, 12)
out['remove12again'] = err(lambda: fcntl.ioctl(ctl, 0x4c81, 12))
out['notfile'] = err(lambda: fcntl.ioctl(os.open('${l3}', os.O_RDWR), 0x4c00, ctl))
print(json.dumps(out))
`));
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.free, 0);
  assert.equal(o.add12, 12);
  assert.equal(o.add12again, -17);
  assert.equal(o.unbound_status, -6);
  assert.equal(o.unbound_size, 0);
  assert.equal(o.busy, -16);
  assert.equal(o.size, 1 << 20);
  assert.equal(o.head, data.subarray(0, 16).toString('hex'));
  assert.equal(o.number, 3);
  assert.equal(o.inode_ok, true);
  assert.equal(o.size2, 65536);
  assert.equal(o.at_offset, data.subarray(4096, 4112).toString('hex'));
  assert.equal(o.name, 'renamed');
  assert.equal(o.ctl_remove_busy, -16);
  assert.equal(o.cleared, -6);
  assert.equal(o.ro, 1);
  assert.equal(o.ro_write, -1);
  assert.equal(o.ro_flags, 1);
  assert.equal(o.autocleared, -6);
  assert.equal(o.bsz, 4096);
  assert.equal(o.size3, (1 << 20) - 8192);
  assert.equal(o.badbs, -22);
  assert.equal(o.remove12, 0);
  assert.equal(o.remove12again, -19);
  assert.equal(o.notfile, -22);
  assert.equal(readFileSync(img).subarray(4096 + 512, 4096 + 528).toString(), 'through the loop');
});

test('a loop device over a ubd disk, at an offset', { skip: !isRoot && 'device nodes are made with mknod on the host (root)' }, () => {
  const d = scratch();
  const img = join(d, 'disk.img');
  const data = randomBytes(2 << 20);
  writeFileSync(img, data);
  chmodSync(img, 0o666);
  const ubd = ubdNode(d, 1);
  const lo = blockNode(d, 'loop5', 7, 5);
  const r = tumlp([`ubd1=${img}`], py(`
import os, fcntl, struct
u = os.open('${ubd}', os.O_RDWR)
lo = os.open('${lo}', os.O_RDWR)
cfg = bytearray(304); struct.pack_into('I', cfg, 0, u); struct.pack_into('Q', cfg, 8 + 24, 1 << 20)
fcntl.ioctl(lo, 0x4c0a, bytes(cfg))
b = bytearray(8); fcntl.ioctl(lo, 0x80081272, b); print(struct.unpack('Q', b)[0])
print(os.pread(lo, 8, 0).hex())
os.pwrite(lo, b'via loop and ubd', 0)
os.fsync(lo)
`));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${1 << 20}\n${data.subarray(1 << 20, (1 << 20) + 8).toString('hex')}\n`);
  assert.equal(readFileSync(img).subarray(1 << 20, (1 << 20) + 16).toString(), 'via loop and ubd');
});
