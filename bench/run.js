#!/usr/bin/env node
// npm run bench: each workload natively and inside tuml in the same run; the
// result is the ratio (tuml / native, or native / tuml for throughputs).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tuml = join(here, '..', 'dist/cli/main.js');
const out = mkdtempSync(join(tmpdir(), 'tuml-bench-'));

const benches = [
  { name: 'syscall (getppid), µs/call', src: 'getppid.c', args: ['20000'], lowerIsBetter: true },
  { name: 'pipe throughput, MiB/s', src: 'pipe.c', args: [], lowerIsBetter: false },
  { name: 'fork+exec+wait, µs/round', src: 'spawn.c', args: ['50'], lowerIsBetter: true },
];

function runOnce(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: status ${r.status}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

const rows = [];
for (const b of benches) {
  const bin = join(out, b.src.replace(/\.c$/, ''));
  execFileSync('gcc', ['-O2', '-o', bin, join(here, 'guest', b.src)]);
  const nat = runOnce([bin, ...b.args]);
  const tum = runOnce([process.execPath, tuml, 'run', '--', bin, ...b.args]);
  const ratio = b.lowerIsBetter ? tum / nat : nat / tum;
  rows.push({ benchmark: b.name, native: nat, tuml: tum, 'slowdown ×': Number(ratio.toFixed(1)) });
}
console.table(rows);
