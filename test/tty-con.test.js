// con= channels (UML's console channels) chosen with `tuml run --con SPEC`:
// the console is the kernel's tty on whatever channel it is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import tty from 'node:tty';
import { TUML } from './helpers.js';

function run(args, input) {
  return spawnSync('node', [TUML, 'run', ...args], { input, encoding: 'utf8', timeout: 60000 });
}

test('con=fd:0,fd:1 makes a pipe the console: a terminal to the guest, with echo and end of file', () => {
  const r = run(['--con', 'fd:0,fd:1', '--', 'bash', '--norc', '--noprofile', '-c',
    'tty; test -t 0 && echo stdin-is-tty; while read x; do echo "got=$x"; done; echo end'], 'hello\nworld\n');
  assert.equal(r.status, 0, r.stderr);
  // The line discipline echoes the input and turns \n into \r\n on output.
  assert.match(r.stdout, /hello\r\nworld\r\n/);
  assert.match(r.stdout, /\/dev\/console\r\nstdin-is-tty\r\ngot=hello\r\ngot=world\r\nend\r\n/);
});

test('without con=, pipes stay pipes: not a terminal, bytes untouched', () => {
  const r = run(['--', 'bash', '--norc', '--noprofile', '-c', 'tty; cat'], 'a\nb\n');
  assert.equal(r.stdout, 'not a tty\na\nb\n');
  assert.equal(r.status, 0);
});

test('con=null: the console output goes nowhere, the exit status still comes back', () => {
  const r = run(['--con', 'null', '--', 'sh', '-c', 'echo hidden; tty; exit 4']);
  assert.equal(r.stdout, '');
  assert.equal(r.status, 4);
});

test('a bad con= is refused with the reason', () => {
  const r = run(['--con', 'serial:1', '--', 'true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /con=serial:1: unknown channel 'serial:1'/);
});

test('con=pts: the console is a new host pty, named on stderr, usable from the host', async () => {
  const p = spawn('node', [TUML, 'run', '--con', 'pts', '--', 'sh', '-c', 'tty; read x; echo "got=$x"; exit 7'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const path = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pts named: ${err}`)), 30000);
    p.stderr.on('data', (d) => {
      err += d;
      const m = /virtual console 0 assigned device '(\/dev\/pts\/\d+)'/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const s = new tty.ReadStream(fd);
  s.setRawMode(true);
  let out = '';
  s.on('data', (d) => { out += d; });
  s.on('error', () => { /* EIO once tuml closed the master */ });
  fs.writeSync(fd, 'hi\r');
  const code = await new Promise((resolve) => p.on('exit', resolve));
  s.destroy();
  assert.equal(code, 7);
  assert.match(out, /\/dev\/console\r\n/);
  assert.match(out, /got=hi\r\n/);
});

test('vhangup hangs up the caller\'s terminal: its open files then fail with EIO (in a pty made by script)', () => {
  const dir = fs.mkdtempSync('/tmp/tuml-vhangup-');
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(`${dir}/vh.py`, `
import ctypes, os, signal
signal.signal(signal.SIGHUP, signal.SIG_IGN)
r = ctypes.CDLL(None, use_errno=True).syscall(153)
try:
    os.write(1, b"x")
    res = "written"
except OSError as e:
    res = os.strerror(e.errno)
print(r, res, file=open("/run/vh", "w"))
`);
  const r = run(['--', '/bin/sh', '-c', `script -qc "python3 ${dir}/vh.py" /dev/null </dev/null; cat /run/vh`]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0 Input/output error\n');
});
