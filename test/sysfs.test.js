// sysfs and devtmpfs as the guest sees them at /sys and /dev (mounted by the
// boot): the memory devices with Linux's numbers, the links udev would make,
// the device classes and the guest's CPUs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tuml } from './helpers.js';

function sh(script) {
  const r = tuml(['/bin/sh', '-c', script]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('/dev is devtmpfs: mem devices 1:N, fd links, shm; nodes open their drivers', () => {
  const out = sh('stat -c "%n %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom; readlink /dev/fd /dev/stderr; ' +
    'echo gone > /dev/null; head -c 3 /dev/zero | od -An -tx1; echo x > /dev/full 2>&1 || echo full; grep " /dev " /proc/mounts | cut -d" " -f1,3');
  assert.equal(out, [
    '/dev/null 1:3 666', '/dev/zero 1:5 666', '/dev/full 1:7 666', '/dev/random 1:8 666', '/dev/urandom 1:9 666',
    '/proc/self/fd', '/proc/self/fd/2', ' 00 00 00', 'full', 'devtmpfs devtmpfs', '',
  ].join('\n'));
});

test('/sys: classes, /sys/dev/char links, the CPUs as /proc/cpuinfo counts them', () => {
  const out = sh('ls /sys/class/mem; cat /sys/class/mem/zero/dev; readlink /sys/dev/char/1:3; ' +
    'ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l; grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online; ' +
    'stat -f -c %T /sys; ls /sys/fs/cgroup | wc -l');
  const lines = out.trim().split('\n');
  assert.deepEqual(lines.slice(0, 8), ['full', 'kmsg', 'null', 'random', 'urandom', 'zero', '1:5', '../../devices/virtual/mem/null']);
  assert.equal(lines[8], lines[9]);
  assert.match(lines[10], /^0(-\d+)?$/);
  assert.deepEqual(lines.slice(11), ['sysfs', '0']);
});
