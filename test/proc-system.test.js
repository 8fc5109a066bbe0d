// The machine-wide files of /proc as procps and util-linux read them: the
// guest's CPUs, its filesystems and block devices, its load and memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tuml } from './helpers.js';

function sh(script) {
  const r = tuml(['/bin/sh', '-c', script]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('/proc/cpuinfo and /proc/stat describe the same CPUs, numbered from 0', () => {
  const out = sh('grep -c ^processor /proc/cpuinfo; grep -c "^cpu[0-9]" /proc/stat; grep ^processor /proc/cpuinfo | tail -1; grep "^cpu[0-9]" /proc/stat | tail -1 | cut -d" " -f1');
  const [nInfo, nStat, lastInfo, lastStat] = out.trim().split('\n');
  assert.equal(nInfo, nStat);
  assert.equal(lastInfo.replace(/\s+/g, ' '), `processor : ${Number(nInfo) - 1}`);
  assert.equal(lastStat, `cpu${Number(nInfo) - 1}`);
});

test('/proc/filesystems lists the registered types; /proc/partitions has its header', () => {
  const out = sh('cat /proc/filesystems; head -2 /proc/partitions');
  for (const t of ['tmpfs', 'ramfs', 'devtmpfs', 'sysfs']) assert.ok(out.includes(`nodev\t${t}\n`), t);
  assert.ok(out.endsWith('major minor  #blocks  name\n\n'));
});

test('/proc/loadavg follows a busy guest process; uptime and top read it', () => {
  const out = sh('cat /proc/loadavg; (while :; do :; done) & sleep 11; cat /proc/loadavg; kill $!; uptime; top -bn1 | head -1');
  const [before, after, uptime, top] = out.trim().split('\n');
  assert.match(before, /^0\.00 0\.00 0\.00 \d+\/\d+ \d+$/);
  const one = Number(after.split(' ')[0]);
  assert.ok(one > 0 && one < 1, after);
  assert.match(uptime, /load average: \d\.\d\d, \d\.\d\d, \d\.\d\d/);
  assert.match(top, /^top - .* load average:/);
});

test('free and ps read the guest: its processes only', () => {
  const out = sh('free | head -2 | tail -1 | cut -c1-4; ps -e -o pid= | wc -l');
  const [mem, procs] = out.trim().split('\n');
  assert.equal(mem, 'Mem:');
  assert.ok(Number(procs) <= 5, `ps saw ${procs} processes`);
});

test('mem= is the machine\'s memory: free shows it, tmpfs data shows as shared', () => {
  const r = tuml(['/bin/sh', '-c', 'free -m | sed -n 2p | tr -s " " | cut -d" " -f2; ' +
    'dd if=/dev/zero of=/dev/shm/x bs=1M count=10 status=none; grep Shmem: /proc/meminfo | tr -s " "'], { args: ['mem=128M'] });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '128\nShmem: 10240 kB\n');
});
