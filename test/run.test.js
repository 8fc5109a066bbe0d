// tuml run: exit statuses, stdio, and bad input — each gets what Linux gives,
// and the kernel keeps running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tuml, scratch, USERS } from './helpers.js';

for (const as of USERS) {
  test(`exit status and stdio pass through (${as})`, () => {
    let r = tuml(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], { as });
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.status, 3);
    r = tuml(['/bin/cat'], { as, input: 'from stdin\n' });
    assert.equal(r.stdout, 'from stdin\n');
    assert.equal(r.status, 0);
  });

  test(`death by signal is 128+N; pid 1 ignores signals it has no handler for (${as})`, () => {
    const d = scratch();
    const src = join(d, 'segv.c');
    writeFileSync(src, 'int main(void) { *(volatile int *)0 = 1; return 0; }\n');
    execFileSync('gcc', ['-o', join(d, 'segv'), src]);
    assert.equal(tuml([join(d, 'segv')], { as }).status, 128 + 11);
    // As in Linux, init is immune to a signal without a handler...
    let r = tuml(['/bin/sh', '-c', 'kill -TERM $$; echo alive'], { as });
    assert.equal(r.stdout, 'alive\n');
    // ...and any other process dies of it.
    r = tuml(['/bin/sh', '-c', 'sh -c \'kill -TERM $$\'; echo "status $?"'], { as });
    assert.equal(r.stdout, 'status 143\n');
  });

  test(`a command name is looked up in PATH, as env does (${as})`, () => {
    const r = tuml(['id', '-u'], { as });
    assert.equal(r.stdout, '0\n');
    assert.equal(r.status, 0);
  });

  test(`the first process is pid 1 and root (${as})`, () => {
    const r = tuml(['/bin/sh', '-c', 'echo $$; id -u; id -g'], { as });
    assert.equal(r.stdout, '1\n0\n0\n');
  });
}

test('bad programs get the errors Linux gives', () => {
  const d = scratch();
  const noexec = join(d, 'noexec');
  writeFileSync(noexec, '#!/bin/sh\necho hi\n');
  chmodSync(noexec, 0o644);
  const arm = join(d, 'arm');
  const elf = Buffer.alloc(128);
  Buffer.from('7f454c46020101', 'hex').copy(elf);
  elf.writeUInt16LE(2, 16); elf.writeUInt16LE(183 /* EM_AARCH64 */, 18);
  writeFileSync(arm, elf); chmodSync(arm, 0o755);
  const trunc = join(d, 'trunc');
  writeFileSync(trunc, readFileSync('/bin/ls').subarray(0, 100)); chmodSync(trunc, 0o755);

  let r = tuml(['/does/not/exist']);
  assert.equal(r.status, 127);
  assert.match(r.stderr, /No such file or directory/);
  r = tuml([noexec]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /Permission denied/);
  r = tuml([arm]);
  assert.equal(r.status, 126);
  assert.match(r.stderr, /Exec format error/);
  r = tuml([trunc]);
  assert.equal(r.status, 126);
  // Inside, a shell sees the same errors and goes on.
  r = tuml(['/bin/sh', '-c', `/does/not/exist; echo $?; ${noexec}; echo $?; ${arm}; echo $?; ${trunc}; echo $?; echo alive`]);
  assert.equal(r.stdout, '127\n126\n126\n126\nalive\n');
  assert.match(r.stderr, /not found/);
  assert.match(r.stderr, /Permission denied/);
  assert.match(r.stderr, /Exec format error/);
});

test('shebang scripts are run through the kernel', () => {
  const d = scratch();
  const s = join(d, 'script');
  writeFileSync(s, '#!/bin/sh -e\necho "args: $0 $*"\n');
  chmodSync(s, 0o755);
  const r = tuml([s, 'a', 'b']);
  assert.equal(r.stdout, `args: ${s} a b\n`);
  assert.equal(r.status, 0);
});

test('--trace prints each system call with its result', () => {
  const r = tuml(['/bin/true'], { trace: true });
  assert.equal(r.status, 0);
  assert.match(r.stderr, /\[pid 1\] execve\("\/bin\/true", .*\) = 0/);
  assert.match(r.stderr, /\[pid 1\] openat\(AT_FDCWD, ".*libc\.so\.6", .*\) = 3/);
});
