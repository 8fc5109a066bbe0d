// Booting: the kernel command line of `tuml` and `tuml run`, the root it
// mounts (root=, rootfstype=, rootflags=, ro), the first process (init=, its
// arguments and environment), the kernel log, and tuml's boot script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TUML, NOBODY, USERS, scratch, tuml } from './helpers.js';

/** Runs the tuml command with raw arguments (no implicit `run --`). */
function tumlRaw(args, { as = 'self', input = '', env } = {}) {
  const pre = as === 'nobody' ? NOBODY : [];
  const argv = [...pre, process.execPath, TUML, ...args];
  const r = spawnSync(argv[0], argv.slice(1), {
    input, encoding: 'utf8', timeout: 60000,
    env: env ?? { ...process.env, TERM: 'dumb', SHELL: '/bin/sh' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function busyboxRoot() {
  const d = join(scratch(), 'root');
  for (const dir of ['bin', 'proc', 'etc', 'sbin']) mkdirSync(join(d, dir), { recursive: true });
  copyFileSync('/bin/busybox', join(d, 'bin/busybox'));
  for (const a of ['sh', 'cat', 'echo', 'ls']) symlinkSync('busybox', join(d, 'bin', a));
  writeFileSync(join(d, 'etc/marker'), 'image root\n');
  writeFileSync(join(d, 'sbin/init'), '#!/bin/sh\necho "init $# $*"; cat /etc/marker\n', { mode: 0o755 });
  return d;
}

test('tuml run: words before -- are kernel parameters; NAME=VALUE goes to the environment', () => {
  let r = tumlRaw(['run', 'FOO=bar', 'mem=512M', '--', '/bin/sh', '-c', 'echo "$FOO"; cat /proc/cmdline']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'bar\nFOO=bar mem=512M\n');
  assert.equal(r.stderr, '', 'tuml run is quiet by default');
  // Without --, the first word that is no parameter starts the command.
  r = tumlRaw(['run', 'quiet', 'FOO=baz', 'sh', '-c', 'echo "$FOO" "$0"', 'x=y']);
  assert.equal(r.stdout, 'baz x=y\n');
});

test('bad kernel parameters and arguments are refused with a clear message', () => {
  const cases = [
    [['run', 'mem=lots', '--', 'true'], 1, /^tuml: bad kernel parameter 'mem=lots': 'lots' is not a size/],
    [['run', 'mem=1M', '--', 'true'], 1, /bad kernel parameter 'mem=1M': mem=1M: at least 16M/],
    [['run', 'quiet=1', '--', 'true'], 1, /bad kernel parameter 'quiet=1': quiet takes no value/],
    [['run', 'init=sbin/init', '--', 'true'], 1, /init=sbin\/init: the program must be an absolute path/],
    [['run', 'bogus', '--', 'true'], 2, /'bogus' is not a kernel parameter \(the words before -- are kernel parameters\)/],
    [['run', '--frobnicate', 'true'], 2, /unknown option '--frobnicate'/],
    [['run', 'quiet'], 2, /run: no command given/],
    [['run', 'root=/dev/ubdz', '--', 'true'], 1, /VFS: Cannot open root device "\/dev\/ubdz": no such block device/],
    [['run', 'root=/nonexistent/dir', '--', 'true'], 1, /VFS: Cannot mount root: hostfs \/nonexistent\/dir: No such file or directory/],
  ];
  for (const [args, status, msg] of cases) {
    const r = tumlRaw(args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stdout, '');
  }
});

test('the kernel log: boot messages with loglevel=, none with quiet; dmesg reads them', () => {
  let r = tumlRaw(['run', 'loglevel=7', '--', 'true']);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /^\[\s+\d+\.\d{6}\] Linux version 6\.1\.0-tuml/m);
  assert.match(r.stderr, /Kernel command line: loglevel=7\n/);
  assert.match(r.stderr, /VFS: Mounted root \(overlay filesystem\) on device \d+:\d+\.\n/);
  r = tumlRaw(['run', 'umid=box1', '--', 'busybox', 'dmesg']);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^\[\s+\d+\.\d{6}\] Linux version/m);
  assert.match(r.stdout, /umid: box1\n/);
});

test('/dev/kmsg: one record per read, writes with <N> become log records, dmesg (util-linux) reads them', () => {
  const r = tumlRaw(['run', 'quiet', '--', '/bin/sh', '-c', `
head -n 1 /dev/kmsg | sed 's/,[0-9]*,-;/,T,-;/'
echo "<11>from the guest" > /dev/kmsg
dmesg -x | grep 'from the guest' | sed 's/\\[.*\\]/[T]/'
python3 -c '
import os
fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
os.lseek(fd, 0, os.SEEK_END)
try: os.read(fd, 8192)
except BlockingIOError: print("EAGAIN at the end")
fd = os.open("/dev/kmsg", os.O_RDONLY)
try: os.read(fd, 8)
except OSError as e: print("short buffer:", e.strerror)
'`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '5,0,T,-;Linux version 6.1.0-tuml (tuml) #1 SMP PREEMPT_DYNAMIC tuml\nuser  :err   : [T] from the guest\nEAGAIN at the end\nshort buffer: Invalid argument\n');
});

for (const as of USERS) {
  test(`root= a host directory, as hostfs; rootfstype=hostfs rootflags= as UML writes it (${as})`, () => {
    const d = busyboxRoot();
    let r = tumlRaw(['run', `root=${d}`, '--', '/bin/sh', '-c', 'cat /etc/marker; cat /proc/mounts; ls /'], { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `image root\nnone / hostfs rw,relatime,${d} 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\nbin\netc\nproc\nsbin\n`);
    // Booting it: /sbin/init of the new root runs, with the unclaimed words as its arguments.
    r = tumlRaw(['quiet', 'root=/dev/root', 'rootfstype=hostfs', `rootflags=${d}`, 'single', 'x'], { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'init 2 single x\nimage root\n');
  });

  test(`ro mounts the root read-only (${as})`, () => {
    const d = scratch();
    const r = tumlRaw(['run', '--rw-host', 'ro', '--', '/bin/sh', '-c', `touch ${d}/f; grep " / " /proc/mounts`], { as });
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(r.stdout, 'none / hostfs ro,relatime,/ 0 0\n');
    assert.equal(existsSync(join(d, 'f')), false);
  });

  test(`init=, its arguments after --, and the environment Linux gives init (${as})`, () => {
    const r = tumlRaw(['quiet', 'init=/bin/sh', 'LANG=C', '--', '-c', 'echo "$HOME $TERM $LANG"; echo "$@"; exit 7', 'arg0', 'a', 'b'], {
      as, env: { PATH: process.env.PATH },
    });
    assert.equal(r.status, 7, r.stderr);
    assert.equal(r.stdout, '/ linux C\na b\n');
    assert.equal(r.stderr, '');
  });

  test(`tuml with no arguments: the boot script sets up the machine and runs a root login shell (${as})`, () => {
    const r = tumlRaw(['quiet'], {
      as,
      input: 'hostname; id -u; echo "$HOME $TERM"; grep -c "^proc /proc proc rw,nosuid,nodev,noexec,relatime" /proc/mounts; exit 3\n',
    });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, 'tuml\n0\n/root dumb\n1\n');
  });
}

test('tuml run keeps the cwd and the whole host environment', () => {
  const d = scratch();
  const r = tuml(['/bin/sh', '-c', 'pwd; echo "$TUML_TEST_VAR"'], { cwd: d, env: { ...process.env, TUML_TEST_VAR: 'kept' } });
  assert.equal(r.stdout, `${d}\nkept\n`);
});
