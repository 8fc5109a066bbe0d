// tmpfs inside guests (`mount -t tmpfs`), as root in the guest whatever the
// host user is: device nodes that open the kernel's drivers, owners and
// modes, sparse files, links, xattrs, size= limits, /proc/mounts and df.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tuml, scratch, USERS } from './helpers.js';

/** Runs a shell script in a guest with a fresh tmpfs mounted on $T (a scratch directory). */
function onTmpfs(script, { as = 'self', opts = '' } = {}) {
  const dir = scratch();
  try {
    const r = tuml(['/bin/sh', '-c', `set -e; T=${dir}; mount -t tmpfs ${opts ? `-o ${opts} ` : ''}none $T; cd $T; ${script}`], { as });
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const as of USERS) {
  test(`device nodes made by mknod open the kernel's drivers (${as})`, () => {
    const r = onTmpfs('mknod n c 1 3 && echo x > n && mknod z c 1 5 && head -c 4 z | od -An -tx1 && ls -l n | cut -c1', { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, ' 00 00 00 00\nc\n');
  });

  test(`chown and chmod persist; the sticky root of a tmpfs (${as})`, () => {
    const r = onTmpfs('touch f && chown 1000:1000 f && chmod 4755 f && ls -ln f | cut -d" " -f1,3,4 && stat -c %a .', { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '-rwsr-xr-x 1000 1000\n1777\n');
  });

  test(`sparse files, hard links and xattrs (${as})`, () => {
    const r = onTmpfs([
      'truncate -s 10M s && printf y | dd of=s bs=1 seek=5000000 conv=notrunc status=none',
      'ls -l s | cut -d" " -f5 && du -k s | cut -f1',
      'echo data > a && ln a b && stat -c %h a && cat b',
      'setfattr -n user.k -v v1 a && getfattr --only-values -n user.k b && echo',
    ].join(' && '), { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '10485760\n4\n2\ndata\nv1\n');
  });
}

test('size= is a limit: ENOSPC, and df and /proc/mounts show the mount', () => {
  const r = onTmpfs([
    // dd's message goes to the pipe: the full tmpfs could not take it.
    '(dd if=/dev/zero of=big bs=64k count=32 2>&1 || true) | grep -o "No space left on device"',
    'ls -l big | cut -d" " -f5',
    'grep " $T " /proc/mounts | cut -d" " -f1,3,4',
    'df -k $T | tail -1 | tr -s " " | cut -d" " -f2',
  ].join('; '), { opts: 'size=1m,mode=700' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'No space left on device\n1048576\nnone tmpfs rw,relatime,size=1024k,mode=700\n1024\n');
});

test('bad tmpfs options are refused with EINVAL', () => {
  const r = onTmpfs('true', { opts: 'size=lots' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /invalid argument|bad option|wrong fs type/i);
});
