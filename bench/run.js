#!/usr/bin/env node
// npm run bench: each workload natively and inside tuml in the same run,
// reported as a ratio (how many times slower tuml is). The floor of the
// interception mechanism (shared/reference/trap_cost.c, when present) is
// measured in the same run, to compare the kernel's cost per syscall with it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tuml = join(here, '..', 'dist/cli/main.js');
const out = mkdtempSync(join(tmpdir(), 'tuml-bench-'));
const build = (src) => { const bin = join(out, src.replace(/\.c$/, '')); execFileSync('gcc', ['-O2', '-o', bin, join(here, 'guest', src)]); return bin; };

function run(argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 26, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: status ${r.status}: ${r.stderr}`);
  return { value: Number(r.stdout.trim().split('\n').pop()), ms };
}
const inTuml = (argv) => [process.execPath, tuml, 'run', '--', ...argv];

// Fixtures: a tarball of /usr/include and a 5,000-line C file.
const tarball = join(out, 'include.tar');
execFileSync('tar', ['cf', tarball, '-C', '/usr', 'include']);
const bigC = join(out, 'big.c');
let c = '#include <stdio.h>\n';
for (let i = 0; c.split('\n').length < 5000; i++) c += `int f${i}(int x) {\n  int y = x * ${i + 3};\n  for (int k = 0; k < x; k++) y ^= (y << 3) + k;\n  return y + ${i};\n}\n`;
writeFileSync(bigC, c);

const rows = [];
/** higher: a rate (MB/s, per second), where tuml's being slower makes its number smaller. */
const row = (name, unit, nat, tum, higher = false) => rows.push({
  benchmark: name, unit, native: +nat.toFixed(2), tuml: +tum.toFixed(2), 'slower ×': +(higher ? nat / tum : tum / nat).toFixed(2),
});

// In-program measurements (the program prints its own per-operation number).
const inner = [
  ['getppid loop', 'µs/call', build('getppid.c'), ['20000']],
  ['open+close loop', 'µs/pair', build('syscalls.c'), ['open', '5000']],
  ['stat loop', 'µs/call', build('syscalls.c'), ['stat', '5000']],
  ['1-byte pipe ping-pong', 'µs/round trip', build('pingpong.c'), ['2000']],
  ['fork+exec+wait /bin/true', 'µs/round', build('spawn.c'), ['50']],
  ['AF_UNIX stream (socketpair)', 'µs/64 KiB', build('sockets.c'), ['unix-stream', '400']],
  ['pure CPU loop', 'ms', build('cpu.c'), []],
];
for (const [name, unit, bin, args] of inner) row(name, unit, run([bin, ...args]).value, run(inTuml([bin, ...args])).value);

// Whole commands, wall time (tuml's includes booting the machine, ~0.2 s).
const scratch = (n) => { const d = join(out, n); rmSync(d, { recursive: true, force: true }); mkdirSync(d); return d; };
const wall = [
  ['bash: for i in $(seq 2000)', ['/bin/bash', '-c', 'for i in $(seq 2000); do :; done']],
  ['tar xf of /usr/include', null],
  ['gcc -O2 -c of 5,000 lines', ['gcc', '-O2', '-c', '-o', join(out, 'big.o'), bigC]],
];
for (const [name, argv] of wall) {
  const cmd = (d) => argv ?? ['tar', 'xf', tarball, '-C', d];
  const nat = run(cmd(scratch('xn'))).ms;
  const tum = run(inTuml(cmd(scratch('xt')))).ms;
  row(name, 'ms (wall)', nat, tum);
}
// The network: TCP over the machine's own loopback, and to a server on the
// host (reached from the guest as 10.0.2.2, natively as 127.0.0.1).
const tcp = build('tcp.c');
row('TCP over loopback, 256 MiB', 'MB/s', run([tcp, 'loop', '256']).value, run(inTuml([tcp, 'loop', '256'])).value, true);
row('TCP connect+accept+close', 'conn/s', run([tcp, 'connect', '500']).value, run(inTuml([tcp, 'connect', '500'])).value, true);
const sink = spawn(process.execPath, ['-e', `
  const s = require('net').createServer((c) => { c.on('data', () => {}); c.on('end', () => c.end()); });
  s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => sink.stdout.once('data', (d) => r(String(d).trim())));
row('TCP to a host server, 256 MiB', 'MB/s', run([tcp, 'send', '127.0.0.1', port, '256']).value, run(inTuml([tcp, 'send', '10.0.2.2', port, '256'])).value, true);
sink.kill();


// Raw sequential I/O on a ubd disk (dd to /dev/ubdb, a node made here) and
// natively on the same image file: MB/s as dd reports it.
function ddRate(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 600000 });
  const m = /([\d.]+) ([kMG]?B)\/s/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return Number(m[1]) * { B: 1e-6, kB: 1e-3, MB: 1, GB: 1e3 }[m[2]];
}
if (process.getuid?.() === 0) {
  const img = join(out, 'disk.img');
  const node = join(out, 'ubdb');
  execFileSync('truncate', ['-s', '256M', img]);
  execFileSync('mknod', [node, 'b', '98', '16']);
  const dd = (dev, dir) => (dir === 'write'
    ? ['dd', 'if=/dev/zero', `of=${dev}`, 'bs=1M', 'count=256', 'conv=fsync,notrunc']
    : ['dd', `if=${dev}`, 'of=/dev/null', 'bs=1M', 'count=256']);
  for (const dir of ['write', 'read']) {
    const nat = ddRate(dd(img, dir));
    const tum = ddRate([process.execPath, tuml, 'run', `ubd1=${img}`, '--', ...dd(node, dir)]);
    // Throughput: the ratio is native / tuml, so "slower ×" still reads as how many times slower.
    rows.push({ benchmark: `dd ${dir} 256 MiB, ubd vs file`, unit: 'MB/s', native: +nat.toFixed(1), tuml: +tum.toFixed(1), 'slower ×': +(nat / tum).toFixed(2) });
  }
}

// ext2 on a ubd disk against the same work on the host's filesystem: dd of
// 256 MiB (write with conv=fsync; read in a fresh machine, so ext2's buffer
// cache is cold while the host's page cache is warm on both sides), and
// untar of /usr/include (tuml: mount, tar xf, umount; native: tar xf, sync -f).
{
  const img = join(out, 'ext2.img');
  const guest = (script) => [process.execPath, tuml, 'run', `ubd1=${img}`, '--', 'sh', '-c', `set -e; ${script}`];
  const mkfs = () => { rmSync(img, { force: true }); execFileSync('truncate', ['-s', '512M', img]); run(guest('mkfs.ext2 -q /dev/ubdb')); };
  const file = join(scratch('ext2n'), 'f');
  mkfs();
  const w = [ddRate(['dd', 'if=/dev/zero', `of=${file}`, 'bs=1M', 'count=256', 'conv=fsync']),
    ddRate(guest('mount /dev/ubdb /mnt; dd if=/dev/zero of=/mnt/f bs=1M count=256 conv=fsync'))];
  row('ext2 on ubd: dd write 256 MiB (conv=fsync)', 'MB/s', w[0], w[1], true);
  const r = [ddRate(['dd', `if=${file}`, 'of=/dev/null', 'bs=1M']),
    ddRate(guest('mount -o ro /dev/ubdb /mnt; dd if=/mnt/f of=/dev/null bs=1M'))];
  row('ext2 on ubd: dd read 256 MiB (fresh mount)', 'MB/s', r[0], r[1], true);
  mkfs();
  const d = scratch('ext2x');
  const nat = run(['sh', '-c', `tar xf ${tarball} -C ${d} && sync -f ${d} && echo 0`]).ms;
  const tum = run(guest(`mount /dev/ubdb /mnt; tar xf ${tarball} -C /mnt; umount /mnt; echo 0`)).ms;
  row('ext2 on ubd: tar xf of /usr/include', 'ms (wall)', nat, tum);
  rmSync(img, { force: true });
}
console.table(rows);

// The floor: the same getppid loop under each interception mechanism, in C.
const ref = join(here, '..', '..', 'shared', 'reference', 'trap_cost.c');
if (existsSync(ref)) {
  const bin = join(out, 'trap_cost');
  execFileSync('cc', ['-O2', '-o', bin, ref]);
  const r = spawnSync(bin, ['20000'], { encoding: 'utf8' });
  const txt = r.stdout + r.stderr;   // trap_cost prints from the tracer and the tracee
  const floor = Object.fromEntries([...txt.matchAll(/^(\w+)\s+(\d+) ns\/call/gm)].map((m) => [m[1], Number(m[2]) / 1000]));
  const ours = rows[0].tuml;
  console.log(`trap_cost.c in this run (µs/call): ${Object.entries(floor).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  console.log(`tuml getppid: ${ours} µs = ${(ours / floor.rettrace).toFixed(2)}× the seccomp RET_TRACE floor (target ≤ 1.5×)`);
} else {
  console.log(`(${ref} not found: no interception floor measured)`);
}
rmSync(out, { recursive: true, force: true });
