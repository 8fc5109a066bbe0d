// ext2 made and written by programs inside a guest, checked on the host:
// mkfs.ext2 on /dev/ubdb (4096- and 1024-byte blocks) and on a loop device
// over a file on the guest's /dev/shm, a tree of 2,000 files and ~100 MiB
// copied in with cp -a, umount; then e2fsck -fn finds the image clean and
// debugfs rdump gives back the same tree (types, modes, link targets,
// sha256 of every file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { scratch } from './helpers.js';
import { tumlp } from './block-helpers.js';

/** A pseudo-random generator, so the tree is the same on every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** 2,000 files in 20 directories (~36 MiB), a 64 MiB file, a sparse file and symlinks. */
function makeTree(dir) {
  const r = rng(7);
  for (let d = 0; d < 20; d++) {
    const sub = join(dir, `g${d % 4}`, `d${d}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let i = 0; i < 100; i++) {
      const b = Buffer.alloc(Math.floor(r() * r() * 100000));
      for (let k = 0; k + 4 <= b.length; k += 1024) b.writeUInt32LE((r() * 2 ** 32) >>> 0, k);
      fs.writeFileSync(join(sub, `f${i}`), b, { mode: i % 3 ? 0o644 : 0o755 });
    }
  }
  const big = Buffer.alloc(64 << 20);
  for (let k = 0; k < big.length; k += 512) big.writeUInt32LE(k ^ 0x5a5a5a5a, k);
  fs.writeFileSync(join(dir, 'big'), big);
  const sparse = fs.openSync(join(dir, 'sparse'), 'w');
  fs.writeSync(sparse, 'tail', 30 << 20);
  fs.closeSync(sparse);
  fs.symlinkSync('g0/d0/f1', join(dir, 'fast'));
  fs.symlinkSync('g1/' + 'y'.repeat(150), join(dir, 'slow'));
}

/** path → type, mode, sha256 or link target, for every entry under root. */
function manifest(root) {
  const out = {};
  const walk = (rel) => {
    for (const name of fs.readdirSync(join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const full = join(root, p);
      const st = fs.lstatSync(full);
      if (st.isSymbolicLink()) out[p] = { link: fs.readlinkSync(full) };
      else if (st.isDirectory()) { out[p] = { dir: st.mode & 0o7777 }; walk(p); }
      else out[p] = { mode: st.mode & 0o7777, size: st.size, sha: createHash('sha256').update(fs.readFileSync(full)).digest('hex') };
    }
  };
  walk('');
  return out;
}

const src = scratch('ext2-guest-src-');
makeTree(src);
const tree = manifest(src);

/** e2fsck -fn is clean and debugfs rdump of the image gives back the source tree. */
function checkImage(img) {
  const f = spawnSync('e2fsck', ['-fn', img], { encoding: 'utf8' });
  assert.equal(f.status, 0, f.stdout + f.stderr);
  const out = join(scratch(), 'out');
  fs.mkdirSync(out);
  spawnSync('debugfs', ['-R', `rdump / ${out}`, img], { encoding: 'utf8' });
  fs.rmSync(join(out, 'lost+found'), { recursive: true });
  const got = manifest(out);
  // rdump makes directories 0755 whatever they were; the source's are too.
  assert.deepEqual(got, tree);
  assert.equal(Object.keys(got).length, 2000 + 20 + 4 + 4);
  fs.rmSync(out, { recursive: true });
}

for (const bs of [4096, 1024]) {
  test(`mkfs.ext2 -b ${bs} on /dev/ubdb inside, cp -a of 2,000 files and 100 MiB, umount: clean, the same tree`, () => {
    const img = join(scratch(), 'disk.img');
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 256 << 20);
    const r = tumlp([`ubd1=${img}`], ['sh', '-c', `set -e
mkfs.ext2 -q -b ${bs} /dev/ubdb
mount /dev/ubdb /mnt
cp -a ${src}/. /mnt/
grep ' /mnt ' /proc/mounts
umount /mnt`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\/dev\/ubdb \/mnt ext2 rw/);
    checkImage(img);
  });
}

test('ext2 on a loop device over a file on the guest\'s /dev/shm (tmpfs), copied out to a ubd: clean, the same tree', () => {
  const img = join(scratch(), 'out.img');
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 192 << 20);
  const r = tumlp(['mem=1G', `ubd1=${img}`], ['sh', '-c', `set -e
truncate -s 192M /dev/shm/fs.img
mkfs.ext2 -q /dev/shm/fs.img
mount -o loop /dev/shm/fs.img /mnt
cp -a ${src}/. /mnt/
losetup -a | grep -q /dev/shm/fs.img
umount /mnt
dd if=/dev/shm/fs.img of=/dev/ubdb bs=1M status=none conv=fsync`]);
  assert.equal(r.status, 0, r.stderr);
  checkImage(img);
});

test('sync(1) then kill -9: what was written before the sync is on the image, e2fsck -fy repairs the rest', async () => {
  const { spawn } = await import('node:child_process');
  const { TUML } = await import('./helpers.js');
  const img = join(scratch(), 'sync.img');
  assert.equal(spawnSync('mke2fs', ['-q', '-F', '-t', 'ext2', img, '64M']).status, 0);
  // Files written and synced, then more written but never synced, then the kill.
  const child = spawn(process.execPath, [TUML, 'run', `ubd1=${img}`, '--', 'sh', '-c', `set -e
mount /dev/ubdb /mnt
mkdir /mnt/a
for i in $(seq 1 50); do echo "file $i" > /mnt/a/f$i; done
head -c 3000000 /usr/bin/python3 > /mnt/a/blob
sync
echo synced
while :; do echo more >> /mnt/a/unsynced; done`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '', err = '';
  child.stdout.on('data', (x) => { out += x; });
  child.stderr.on('data', (x) => { err += x; });
  const exited = new Promise((res) => child.once('exit', res));
  const end = Date.now() + 60000;
  while (!out.includes('synced')) {
    assert.ok(Date.now() < end && child.exitCode === null, `no sync: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Less than the 5 s of the periodic write-back: only sync(2) has written.
  await new Promise((r) => setTimeout(r, 500));
  process.kill(-child.pid, 'SIGKILL');
  await exited;
  const fix = spawnSync('e2fsck', ['-fy', img], { encoding: 'utf8' });
  assert.ok(fix.status === 0 || fix.status === 1, fix.stdout);
  assert.equal(spawnSync('e2fsck', ['-fn', img]).status, 0);
  const cat = (p) => spawnSync('debugfs', ['-R', `cat ${p}`, img], { maxBuffer: 16 << 20 }).stdout;
  for (const i of [1, 25, 50]) assert.equal(cat(`/a/f${i}`).toString(), `file ${i}\n`);
  assert.ok(cat('/a/blob').equals(fs.readFileSync('/usr/bin/python3').subarray(0, 3000000)));
});
