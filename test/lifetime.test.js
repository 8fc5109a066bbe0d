// Every guest process dies with the kernel: kill -9 of tuml leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { TUML } from './helpers.js';

/** Host pids whose command line carries marker. */
function pidsWith(marker) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(marker)) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('kill -9 of tuml kills every guest process', async () => {
  const marker = `tuml-lifetime-${process.pid}-${Date.now()}`;
  const script = `sleep 1000 & (sleep 1000; echo) & sh -c 'sleep 1000' & echo started; wait # ${marker}`;
  const child = spawn(process.execPath, [TUML, 'run', '--', '/bin/sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  await sleep(300);
  const before = pidsWith(marker).filter((p) => p !== child.pid);
  assert.ok(before.length >= 1, 'the guest shell runs');
  const sleepers = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  assert.ok(sleepers.length >= 3, `guests are children of tuml (got ${sleepers.length})`);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 50; i++) {
    const left = sleepers.filter((p) => { try { process.kill(Number(p), 0); return readFileSync(`/proc/${p}/stat`, 'latin1').split(') ')[1][0] !== 'Z'; } catch { return false; } });
    if (left.length === 0) return;
    await sleep(100);
  }
  assert.fail('guest processes outlived tuml');
});
