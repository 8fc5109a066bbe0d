// UML's COW files: written bit for bit as UML and uml_mkcow write them, read
// in every version, merged by uml_moo and by tuml moo to the same image the
// guest sees; a changed or missing backing file refuses the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync, chmodSync, statSync, copyFileSync, utimesSync, truncateSync, openSync, writeSync, closeSync, renameSync } from 'node:fs';
import { randomBytes, createHash } from 'node:crypto';
import { join } from 'node:path';
import { scratch, isRoot } from './helpers.js';
import { tumlp, tumlCmd, ubdNode, py, sha256 } from './block-helpers.js';

const skip = !isRoot && 'device nodes are made with mknod on the host (root)';
const haveUml = spawnSync('uml_moo', [], { encoding: 'utf8' }).error === undefined;
const skipUml = skip || (!haveUml && 'uml-utilities is not installed');

function backing(dir, name = 'backing.img', size = 4 << 20) {
  const p = join(dir, name);
  writeFileSync(p, randomBytes(size));
  chmodSync(p, 0o444);
  return p;
}

/** Guest program: write each [sector, text] pair at 512-byte sectors, then print the sha256 of the whole disk. */
function writeAndHash(node, writes) {
  return py(`
import os, hashlib
fd = os.open('${node}', os.O_RDWR)
for s, t in ${JSON.stringify(writes)}:
    os.pwrite(fd, t.encode(), s * 512)
os.fsync(fd)
h = hashlib.sha256(); size = os.lseek(fd, 0, 2); os.lseek(fd, 0, 0)
while True:
    b = os.read(fd, 1 << 20)
    if not b: break
    h.update(b)
print(h.hexdigest())
`);
}

/** What the disk must hold: the backing file with the writes applied. */
function expected(back, writes) {
  const b = Buffer.from(readFileSync(back));
  for (const [s, t] of writes) b.write(t, s * 512);
  return createHash('sha256').update(b).digest('hex');
}

test('a COW file made by tuml is uml_mkcow\'s, byte for byte; tuml mkcow too', { skip: skipUml }, () => {
  const d = scratch();
  const back = backing(d);
  ubdNode(d, 1);
  const r = tumlp([`ubd1=${join(d, 'k.cow')},${back}`], ['/bin/true']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(spawnSync('uml_mkcow', [join(d, 'u.cow'), back]).status, 0);
  assert.equal(tumlCmd(['mkcow', join(d, 't.cow'), back]).status, 0);
  const u = readFileSync(join(d, 'u.cow'));
  assert.equal(u.length, 12288 + (4 << 20));
  assert.ok(readFileSync(join(d, 'k.cow')).equals(u));
  assert.ok(readFileSync(join(d, 't.cow')).equals(u));
  // Sparse, as UML makes it: the bitmap and data are holes.
  assert.ok(statSync(join(d, 't.cow')).blocks * 512 < 64 * 1024);
  // An existing file is kept unless -f.
  let m = tumlCmd(['mkcow', join(d, 't.cow'), back]);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /exists/);
  assert.equal(tumlCmd(['mkcow', '-f', join(d, 't.cow'), back]).status, 0);
  m = tumlCmd(['mkcow', join(d, 'n.cow'), join(d, 'nope.img')]);
  assert.equal(m.status, 1);
  assert.equal(existsSync(join(d, 'n.cow')), false);
});

test('two machines over one read-only backing file each see only their own writes', { skip }, () => {
  const d = scratch();
  const back = backing(d);
  const before = sha256(back);
  const node = ubdNode(d, 0);
  const wa = [[100, 'machine A'], [8191, 'end of A']];
  const wb = [[100, 'machine B'], [7, 'B was here']];
  const a = tumlp([`ubd0=${join(d, 'a.cow')},${back}`], writeAndHash(node, wa));
  const b = tumlp([`ubd0=${join(d, 'b.cow')},${back}`], writeAndHash(node, wb));
  assert.equal(a.stdout.trim(), expected(back, wa), a.stderr);
  assert.equal(b.stdout.trim(), expected(back, wb), b.stderr);
  // Booted again, each COW file (named alone: its header names the backing file) still holds its own writes.
  const again = tumlp([`ubd0=${join(d, 'a.cow')}`], writeAndHash(node, []));
  assert.equal(again.stdout.trim(), expected(back, wa), again.stderr);
  assert.equal(sha256(back), before);
});

test('uml_moo and tuml moo merge a tuml COW file into the image the guest saw', { skip: skipUml }, () => {
  const d = scratch();
  const back = backing(d);
  const node = ubdNode(d, 1);
  const w = [[0, 'first'], [9, 'x'], [10, 'y'.repeat(1000)], [4000, 'middle'], [8191, 'last']];
  const r = tumlp([`ubd1=${join(d, 'c.cow')},${back}`], writeAndHash(node, w));
  assert.equal(r.status, 0, r.stderr);
  const seen = r.stdout.trim();
  assert.equal(seen, expected(back, w));
  assert.equal(spawnSync('uml_moo', [join(d, 'c.cow'), join(d, 'uml.img')]).status, 0);
  const m = tumlCmd(['moo', join(d, 'c.cow'), join(d, 'tuml.img')]);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(sha256(join(d, 'uml.img')), seen);
  assert.equal(sha256(join(d, 'tuml.img')), seen);
  // In place (-d) into a writable copy of the backing file with the same mtime.
  const copy = join(d, 'copy.img');
  copyFileSync(back, copy);
  const st = statSync(back);
  utimesSync(copy, st.atime, st.mtime);
  const dm = tumlCmd(['moo', '-d', '-b', copy, join(d, 'c.cow')]);
  assert.equal(dm.status, 0, dm.stderr);
  assert.equal(sha256(copy), seen);
});

test('a COW file made by uml_mkcow is used by tuml, and uml_moo reads what tuml wrote', { skip: skipUml }, () => {
  const d = scratch();
  const back = backing(d);
  const node = ubdNode(d, 2);
  assert.equal(spawnSync('uml_mkcow', [join(d, 'u.cow'), back]).status, 0);
  const w = [[33, 'written through a uml_mkcow file']];
  const r = tumlp([`ubd2=${join(d, 'u.cow')}`], writeAndHash(node, w));
  assert.equal(r.stdout.trim(), expected(back, w), r.stderr);
  assert.equal(spawnSync('uml_moo', [join(d, 'u.cow'), join(d, 'm.img')]).status, 0);
  assert.equal(sha256(join(d, 'm.img')), expected(back, w));
});

/** A COW file of version 1 (host order, either endianness), 2, or the broken 64-bit v3 layout. */
function oldCow(path, version, back, { bigEndian = true, sectors }) {
  const st = statSync(back);
  const size = st.size, mtime = Math.floor(st.mtimeMs / 1000), ss = 512;
  let h, bitmapOff;
  const u32 = (b, v, o, be) => (be ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  if (version === 1) {
    h = Buffer.alloc(280); bitmapOff = 280;
    u32(h, 0x4f4f4f4d, 0, bigEndian); u32(h, 1, 4, bigEndian); h.write(back, 8);
    u32(h, mtime, 264, bigEndian);
    if (bigEndian) h.writeBigUInt64BE(BigInt(size), 268); else h.writeBigUInt64LE(BigInt(size), 268);
    u32(h, ss, 276, bigEndian);
  } else if (version === 2) {
    h = Buffer.alloc(4120); bitmapOff = 4120;
    h.writeUInt32BE(0x4f4f4f4d, 0); h.writeUInt32BE(2, 4); h.write(back, 8);
    h.writeUInt32BE(mtime, 4104); h.writeBigUInt64BE(BigInt(size), 4108); h.writeUInt32BE(ss, 4116);
  } else {
    // struct cow_header_v3 without packing on x86-64: s64 mtime written as htonl() of it.
    h = Buffer.alloc(4136); bitmapOff = 8192;
    h.writeUInt32BE(0x4f4f4f4d, 0); h.writeUInt32BE(3, 4);
    h.writeUInt32BE(mtime, 8); h.writeBigUInt64BE(BigInt(size), 16);
    h.writeUInt32BE(ss, 24); h.writeUInt32BE(4096, 28); h.writeUInt32BE(0, 32); h.write(back, 36);
  }
  const bitmapLen = version < 3 ? Math.floor((size + ss - 1) / (8 * ss)) : Math.ceil(Math.ceil(size / ss) / 8);
  const align = version < 3 ? ss : 4096;
  const dataOff = Math.ceil((bitmapOff + bitmapLen) / align) * align;
  const bitmap = Buffer.alloc(bitmapLen);
  const fd = openSync(path, 'w');
  writeSync(fd, h, 0, h.length, 0);
  for (const [s, t] of sectors) {
    bitmap[s >> 3] |= 1 << (s & 7);
    const sec = Buffer.alloc(512); sec.write(t);
    writeSync(fd, sec, 0, 512, dataOff + s * 512);
  }
  writeSync(fd, bitmap, 0, bitmapLen, bitmapOff);
  closeSync(fd);
  chmodSync(path, 0o666);
}

test('COW files of version 1 (both byte orders), 2 and the broken 64-bit v3 are read', { skip }, () => {
  const d = scratch();
  const back = backing(d, 'backing.img', 1 << 20);
  const node = ubdNode(d, 3);
  const sectors = [[3, 'sector three'], [2047, 'the last one']];
  // The sectors written are whole: the rest of each is zeros.
  const want = (() => {
    const b = Buffer.from(readFileSync(back));
    for (const [s, t] of sectors) { b.fill(0, s * 512, s * 512 + 512); b.write(t, s * 512); }
    return createHash('sha256').update(b).digest('hex');
  })();
  for (const [version, bigEndian] of [[1, false], [1, true], [2, true], [3, true]]) {
    const cow = join(d, `v${version}${bigEndian ? 'be' : 'le'}.cow`);
    oldCow(cow, version, back, { bigEndian, sectors });
    const r = tumlp([`ubd3r=${cow}`], writeAndHash(node, []).map((a) => a.replace("os.O_RDWR", "os.O_RDONLY").replace('os.fsync(fd)', '')));
    assert.equal(r.stdout.trim(), want, `v${version} ${bigEndian ? 'BE' : 'LE'}: ${r.stderr}`);
    if (haveUml && !(version === 1 && bigEndian)) {
      // uml_moo (an x86 binary) reads the same files to the same image (a BE v1 only a BE host wrote).
      assert.equal(spawnSync('uml_moo', [cow, join(d, 'm.img')]).status, 0);
      assert.equal(sha256(join(d, 'm.img')), want);
    }
  }
});

test('a backing file found under a new path with the same size and mtime is taken, the header updated', { skip }, () => {
  const d = scratch();
  const back = backing(d);
  const node = ubdNode(d, 1);
  const cow = join(d, 'c.cow');
  const w = [[5, 'kept']];
  assert.equal(tumlp([`ubd1=${cow},${back}`], writeAndHash(node, w)).status, 0);
  const moved = join(d, 'moved.img');
  renameSync(back, moved);
  const r = tumlp([`ubd1=${cow},${moved}`], writeAndHash(node, []));
  assert.equal(r.stdout.trim(), expected(moved, w), r.stderr);
  assert.equal(readFileSync(cow).subarray(32, 32 + moved.length + 1).toString('latin1'), `${moved}\0`);
});

test('a changed, missing or truncated file refuses the device with a clear message, and nothing is written', { skip }, () => {
  const d = scratch();
  const back = backing(d, 'backing.img', 1 << 20);
  const node = ubdNode(d, 0);
  const cow = join(d, 'c.cow');
  assert.equal(tumlp([`ubd0=${cow},${back}`], writeAndHash(node, [[1, 'x']])).status, 0);
  const cowSum = sha256(cow);
  const refuse = (params, re) => {
    const r = tumlp(params, ['/bin/echo', 'booted']);
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, re);
  };
  // mtime changed.
  const st = statSync(back);
  utimesSync(back, st.atime, new Date(st.mtimeMs + 5000));
  refuse([`ubd0=${cow}`], /mtime mismatch \(\d+ vs \d+\) of COW header vs backing file/);
  utimesSync(back, st.atime, st.mtime);
  // size changed (the mtime put back).
  chmodSync(back, 0o644);
  truncateSync(back, (1 << 20) + 512);
  utimesSync(back, st.atime, st.mtime);
  refuse([`ubd0=${cow},${back}`], /Size mismatch \(1048576 vs 1049088\) of COW header vs backing file/);
  truncateSync(back, 1 << 20);
  utimesSync(back, st.atime, st.mtime);
  assert.equal(sha256(cow), cowSum);
  // missing backing file.
  const away = join(d, 'away.img');
  renameSync(back, away);
  refuse([`ubd0=${cow}`], /Couldn't determine size of device's file .*backing\.img.*No such file/);
  renameSync(away, back);
  assert.equal(sha256(cow), cowSum);
  // truncated COW files: inside the header, inside the bitmap.
  const t1 = join(d, 't1.cow'), t2 = join(d, 't2.cow');
  copyFileSync(cow, t1); truncateSync(t1, 100);
  copyFileSync(cow, t2); truncateSync(t2, 8192 + 100);
  refuse([`ubd0=${t1}`], /truncated COW header/);
  refuse([`ubd0=${t2}`], /truncated COW file/);
  refuse([`ubd0=${t1},${back}`], /truncated COW header/);
  assert.equal(statSync(t1).size, 100);
  assert.equal(statSync(t2).size, 8192 + 100);
  // And uml_moo / tuml moo refuse the changed backing file too.
  utimesSync(back, st.atime, new Date(st.mtimeMs + 5000));
  const m = tumlCmd(['moo', cow, join(d, 'out.img')]);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /mtime mismatch/);
  assert.equal(existsSync(join(d, 'out.img')), false);
});

test('kill -9 of tuml while the guest writes leaves a valid COW file', { skip }, async () => {
  const d = scratch();
  const back = backing(d);
  const node = ubdNode(d, 1);
  const cow = join(d, 'c.cow');
  assert.equal(tumlCmd(['mkcow', cow, back]).status, 0);
  const header = readFileSync(cow).subarray(0, 8192);
  const { TUML } = await import('./helpers.js');
  const child = spawn(process.execPath, [TUML, 'run', `ubd1=${cow}`, '--', ...py(`
import os, sys
fd = os.open('${node}', os.O_RDWR)
print('writing', flush=True)
i = 0
while True:
    os.pwrite(fd, os.urandom(4096), (i * 4096) % (4 << 20)); i += 1
`)], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  await new Promise((res) => child.stdout.once('data', res));
  await new Promise((res) => setTimeout(res, 500));
  process.kill(-child.pid, 'SIGKILL');
  await new Promise((res) => child.once('exit', res));
  assert.ok(readFileSync(cow).subarray(0, 8192).equals(header));
  // It boots again, and merges.
  const r = tumlp([`ubd1=${cow}`], writeAndHash(node, []));
  assert.equal(r.status, 0, r.stderr);
  const m = tumlCmd(['moo', cow, join(d, 'm.img')]);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(sha256(join(d, 'm.img')), r.stdout.trim());
});

// UML itself (user-mode-linux) as the oracle: its COW files and ours are the same format.
const haveLinuxUml = existsSync('/usr/bin/linux.uml');

/** Boots UML with the host's / as root, ubd1 as given, and a shell script as init; returns what it wrote to out. */
function umlRun(dir, ubd, script) {
  const init = join(dir, 'uml-init.sh');
  const out = join(dir, 'uml.out');
  writeFileSync(init, `#!/bin/sh
mount -t proc proc /proc
[ -b /dev/ubdb ] || mount -t devtmpfs devtmpfs /dev
{ ${script} ; } > ${out} 2>&1
sync
echo o > /proc/sysrq-trigger
`);
  chmodSync(init, 0o755);
  const r = spawnSync('/usr/bin/linux.uml', ['mem=128M', 'root=/dev/root', 'rootfstype=hostfs', 'rootflags=/', 'rw', `init=${init}`,
    `ubd1=${ubd}`, `uml_dir=${dir}`, 'umid=tumltest', 'con=null', 'quiet'], { encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.error, undefined);
  return readFileSync(out, 'utf8');
}

test('UML 6.1 reads the COW files tuml writes, and tuml reads UML\'s', { skip: skipUml || (!haveLinuxUml && 'user-mode-linux is not installed') }, () => {
  const d = scratch();
  const back = backing(d);
  const node = ubdNode(d, 1);
  // UML writes (whole 4 KiB pages, copying unchanged sectors into the COW file).
  const umlCow = join(d, 'uml.cow');
  const seenByUml = umlRun(d, `${umlCow},${back}`,
    "printf 'written by UML' | dd of=/dev/ubdb bs=512 seek=9 conv=notrunc,fsync 2>/dev/null; printf end | dd of=/dev/ubdb bs=512 seek=8191 conv=notrunc,fsync 2>/dev/null; sha256sum < /dev/ubdb").split(' ')[0];
  const w = [[9, 'written by UML'], [8191, 'end']];
  assert.equal(seenByUml, expected(back, w));
  const r = tumlp([`ubd1=${umlCow}`], writeAndHash(node, []));
  assert.equal(r.stdout.trim(), seenByUml, r.stderr);
  assert.equal(tumlCmd(['moo', umlCow, join(d, 'm.img')]).status, 0);
  assert.equal(sha256(join(d, 'm.img')), seenByUml);
  // tuml writes; UML reads the same disk.
  const ours = join(d, 'tuml.cow');
  const w2 = [[1, 'from tuml'], [4095, 'x'.repeat(700)]];
  const t = tumlp([`ubd1=${ours},${back}`], writeAndHash(node, w2));
  assert.equal(t.stdout.trim(), expected(back, w2), t.stderr);
  assert.equal(umlRun(d, ours, 'sha256sum < /dev/ubdb').split(' ')[0], expected(back, w2));
});
