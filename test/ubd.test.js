// UBD disks (ubd<n><flags>=<file>): host files as block devices inside the
// guest, with the ioctls mkfs and fsck use, host file locks, and UML's
// refusals for bad parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync, chmodSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { scratch, USERS, isRoot } from './helpers.js';
import { tumlp, ubdNode, py, sha256 } from './block-helpers.js';

const skip = !isRoot && 'device nodes are made with mknod on the host (root)';

function image(dir, name, size) {
  const p = join(dir, name);
  writeFileSync(p, '');
  truncateSync(p, size);
  chmodSync(p, 0o666);
  return p;
}

for (const as of USERS) {
  test(`mkfs.ext2 on /dev/ubdb inside, e2fsck clean on the host (${as})`, { skip }, () => {
    const d = scratch();
    const img = image(d, 'data.img', 32 << 20);
    const node = ubdNode(d, 1);
    const r = tumlp([`ubd1=${img}`], ['/usr/sbin/mkfs.ext2', '-q', '-F', '-L', 'tumldisk', node], { as });
    assert.equal(r.status, 0, r.stderr);
    const fsck = spawnSync('e2fsck', ['-fn', img], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
    const dump = execFileSync('dumpe2fs', ['-h', img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(dump, /Filesystem volume name:\s+tumldisk/);
    assert.match(dump, /Block count:\s+32768/);
    // blkid inside reads the new filesystem through the device.
    const b = tumlp([`ubd1=${img}`], ['/usr/sbin/blkid', '-o', 'value', '-s', 'TYPE', node], { as });
    assert.equal(b.stdout, 'ext2\n', b.stderr);
  });
}

test('the block ioctls, lseek and I/O at and past the end', { skip }, () => {
  const d = scratch();
  const img = image(d, 'io.img', (5 << 20) + 1000);   // not a whole number of sectors: rounded up
  const node = ubdNode(d, 2);
  const r = tumlp([`ubdc=${img}`], py(`
import os, fcntl, struct, errno, json
fd = os.open('${node}', os.O_RDWR)
def q(cmd, fmt):
    b = bytearray(struct.calcsize(fmt)); fcntl.ioctl(fd, cmd, b); return struct.unpack(fmt, b)
out = {}
out['size64'] = q(0x80081272, 'Q')[0]
out['sectors'] = q(0x1260, 'L')[0]
out['ssz'] = q(0x1268, 'i')[0]
out['pbsz'] = q(0x127b, 'I')[0]
out['bsz'] = q(0x80081270, 'i')[0]
out['ro'] = q(0x125e, 'i')[0]
out['geo'] = list(q(0x0301, 'BBHxxxxL'))
out['end'] = os.lseek(fd, 0, 2)
try: os.lseek(fd, 1, 2)
except OSError as e: out['past'] = e.errno
os.lseek(fd, out['end'] - 10, 0)
out['short'] = len(os.read(fd, 100))
try: os.pwrite(fd, b'x', out['end'])
except OSError as e: out['wend'] = e.errno
os.pwrite(fd, b'hello, disk', 1000)
os.fsync(fd)
out['back'] = os.pread(fd, 11, 1000).decode()
try: fcntl.ioctl(fd, 0x125f)
except OSError as e: out['rrpart'] = e.errno
try: fcntl.ioctl(fd, 0x5331)
except OSError as e: out['cdrom'] = e.errno
print(json.dumps(out))
`));
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  const size = (5 << 20) + 1024;
  assert.equal(o.size64, size);
  assert.equal(o.sectors, size / 512);
  assert.equal(o.ssz, 512);
  assert.equal(o.pbsz, 512);
  assert.equal(o.bsz, 1024);
  assert.equal(o.ro, 0);
  assert.deepEqual(o.geo, [128, 32, 2, 0]);   // 5 MiB / (128 * 32 * 512)
  assert.equal(o.end, size);
  assert.equal(o.past, 22);
  assert.equal(o.short, 10);
  assert.equal(o.wend, 28);
  assert.equal(o.back, 'hello, disk');
  assert.equal(o.rrpart, 22);
  assert.equal(o.cdrom, 22);
  assert.equal(readFileSync(img).subarray(1000, 1011).toString(), 'hello, disk');
});

test('r makes the disk read-only: writes fail with EPERM and the image is unchanged', { skip }, () => {
  const d = scratch();
  const img = image(d, 'ro.img', 1 << 20);
  writeFileSync(img, Buffer.alloc(1 << 20, 7));
  const before = sha256(img);
  const node = ubdNode(d, 0);
  const r = tumlp([`ubd0r=${img}`], py(`
import os, fcntl, struct
fd = os.open('${node}', os.O_RDWR)
b = bytearray(4); fcntl.ioctl(fd, 0x125e, b); print(struct.unpack('i', b)[0])
try: os.write(fd, b'x' * 512)
except OSError as e: print(e.errno)
print(os.pread(fd, 4, 0))
`));
  assert.equal(r.stdout, "1\n1\nb'\\x07\\x07\\x07\\x07'\n", r.stderr);
  assert.equal(sha256(img), before);
});

test('O_EXCL opens are exclusive', { skip }, () => {
  const d = scratch();
  const img = image(d, 'x.img', 1 << 20);
  const node = ubdNode(d, 1);
  const r = tumlp([`ubd1=${img}`], py(`
import os
a = os.open('${node}', os.O_RDONLY | os.O_EXCL)
try: os.open('${node}', os.O_RDONLY | os.O_EXCL)
except OSError as e: print(e.errno)
b = os.open('${node}', os.O_RDONLY)
os.close(a)
c = os.open('${node}', os.O_RDONLY | os.O_EXCL)
print('ok')
`));
  assert.equal(r.stdout, '16\nok\n', r.stderr);
});

test('bad ubd parameters stop the boot with UML\'s reason, and nothing is written', () => {
  const d = scratch();
  const img = image(d, 'a.img', 1 << 20);
  const cases = [
    [[`ubd1=${join(d, 'missing.img')}`], /Couldn't determine size of device's file .*No such file/],
    [[`ubd1=${img}`, `ubdb=${img}`], /Device is already configured/],
    [[`ubd1x=${img}`], /Expected '=' or flag letter \(r, s, c, t or d\)/],
    [[`ubd1rscdtrr=${img}`], /Too many flags specified/],
    [[`ubd17=${img}`], /Device number out of range/],
    [[`ubd1d=${join(d, 'new.cow')},${img}`], /Can't specify both 'd' and a cow file/],
    [[`udb1=${img}`], /ubd -> udb TYPO/],
    [[`ubd1=${img}`, `ubd2=${img}`], /Failed to lock/],
    // A later bad word: the COW file of the good one is not created either.
    [[`ubd1=${join(d, 'new.cow')},${img}`, `ubd1=${img}`], /Device is already configured/],
  ];
  const before = sha256(img);
  for (const [params, re] of cases) {
    const r = tumlp(params, ['/bin/echo', 'booted']);
    assert.notEqual(r.status, 0, params.join(' '));
    assert.equal(r.stdout, '', params.join(' '));
    assert.match(r.stderr, re);
  }
  assert.equal(existsSync(join(d, 'new.cow')), false);
  assert.equal(existsSync(join(d, 'missing.img')), false);
  assert.equal(sha256(img), before);
});

test('the image is locked on the host unless c (shared) is given', { skip }, async () => {
  const d = scratch();
  const img = image(d, 'l.img', 1 << 20);
  const holder = spawn('python3', ['-c', `
import fcntl, time, sys
f = open('${img}', 'r+'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((res) => holder.stdout.once('data', res));
    let r = tumlp([`ubd1=${img}`], ['/bin/echo', 'booted']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`Failed to lock '${img}': file already locked by pid ${holder.pid}`));
    r = tumlp([`ubd1c=${img}`], ['/bin/echo', 'booted']);
    assert.equal(r.stdout, 'booted\n', r.stderr);
  } finally {
    holder.kill('SIGKILL');
  }
});
