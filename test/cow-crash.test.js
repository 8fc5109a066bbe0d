// A crash under load: tuml is killed (SIGKILL) while a guest writes to an
// ext2 filesystem on a ubd disk with a COW file over a read-only backing
// image. Afterwards the COW file is valid (tuml moo and uml_moo merge it,
// to the same bytes), e2fsck -fy repairs the merged image to clean, and a
// file the guest fsynced, and said so, before the kill is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TUML, scratch } from './helpers.js';
import { tumlCmd, sha256 } from './block-helpers.js';

const haveUmlMoo = spawnSync('uml_moo', [], { encoding: 'utf8' }).error === undefined;

/** The guest: mount, write and fsync `synced` (and its directory), print its sha256, then write without end. */
const writer = `
import os, hashlib, subprocess
subprocess.run(['mount', '/dev/ubdb', '/mnt'], check=True)
os.makedirs('/mnt/keep', exist_ok=True)
data = bytes((i * 7 + (i >> 9)) & 0xff for i in range(3 << 20))
fd = os.open('/mnt/keep/synced', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, data)
os.fsync(fd)
os.close(fd)
d = os.open('/mnt/keep', os.O_RDONLY)
os.fsync(d)
os.close(d)
print('synced', hashlib.sha256(data).hexdigest(), flush=True)
i = 0
while True:
    with open('/mnt/churn%d' % (i % 300), 'wb') as f:
        f.write(os.urandom(20000 + (i % 7) * 4096))
    if i % 50 == 0:
        try: os.unlink('/mnt/churn%d' % ((i + 150) % 300))
        except FileNotFoundError: pass
    i += 1
`;

test('kill -9 while a guest writes to ext2 over a COW file: the COW file merges, e2fsck -fy repairs, the fsynced file is intact', async () => {
  const d = scratch();
  const back = join(d, 'backing.img');
  assert.equal(spawnSync('mke2fs', ['-q', '-F', '-t', 'ext2', back, '64M']).status, 0);
  chmodSync(back, 0o444);
  const cow = join(d, 'c.cow');
  const child = spawn(process.execPath, [TUML, 'run', `ubd1=${cow},${back}`, '--', 'python3', '-c', writer],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '', err = '';
  child.stdout.on('data', (x) => { out += x; });
  child.stderr.on('data', (x) => { err += x; });
  const exited = new Promise((res) => child.once('exit', res));
  const deadline = Date.now() + 60000;
  while (!/^synced [0-9a-f]{64}$/m.test(out)) {
    assert.ok(Date.now() < deadline, `the guest never said it synced: ${out}${err}`);
    assert.equal(child.exitCode, null, `tuml exited early: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Let the churn go on past a few write-backs of the cache, then kill everything.
  await new Promise((r) => setTimeout(r, 6000));
  assert.equal(child.exitCode, null, `tuml stopped before the kill: ${out}${err}`);
  process.kill(-child.pid, 'SIGKILL');
  await exited;
  const want = out.match(/^synced ([0-9a-f]{64})$/m)[1];

  // The COW file: header intact (tuml moo parses it), merged the same by uml_moo.
  const merged = join(d, 'merged.img');
  const m = tumlCmd(['moo', cow, merged]);
  assert.equal(m.status, 0, m.stderr);
  if (haveUmlMoo) {
    const u = spawnSync('uml_moo', [cow, join(d, 'uml.img')], { encoding: 'utf8' });
    assert.equal(u.status, 0, u.stdout + u.stderr);
    assert.equal(sha256(join(d, 'uml.img')), sha256(merged));
  }
  // Killed while mounted: not clean; e2fsck -fy repairs (0: nothing to fix, 1: fixed), then -fn is clean.
  const fix = spawnSync('e2fsck', ['-fy', merged], { encoding: 'utf8' });
  assert.ok(fix.status === 0 || fix.status === 1, `e2fsck -fy: ${fix.status}\n${fix.stdout}`);
  const check = spawnSync('e2fsck', ['-fn', merged], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout);
  const cat = spawnSync('debugfs', ['-R', 'cat /keep/synced', merged], { maxBuffer: 16 << 20 });
  assert.equal(createHash('sha256').update(cat.stdout).digest('hex'), want);
  // The backing file is untouched.
  assert.equal(readFileSync(back).subarray(1024 + 56, 1024 + 58).readUInt16LE(0), 0xef53);
});
