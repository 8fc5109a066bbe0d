// Booting from a disk image the UML way: a busybox root made on the host by
// `mke2fs -t ext2 -d DIR`, `tuml ubd0=root.img root=/dev/ubda`, busybox init
// with an inittab or with its defaults, init= overriding it. The console is
// driven through pipes; the machine is shut down from inside (poweroff
// through init, or poweroff -f) and the image is e2fsck-clean afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { TUML, scratch } from './helpers.js';

const APPLETS = ['sh', 'ls', 'cat', 'echo', 'mount', 'umount', 'sync', 'poweroff', 'halt', 'reboot', 'sha256sum', 'mkdir'];

/** A busybox root in dir/root, made into dir/root.img by mke2fs -d; files: extra [path, content, mode]. */
function makeImage(dir, files = [], { initLink = true } = {}) {
  const root = join(dir, 'root');
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'dev', 'tmp', 'root']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  if (initLink) symlinkSync('../bin/busybox', join(root, 'sbin/init'));
  for (const [p, content, mode = 0o644] of files) writeFileSync(join(root, p), content, { mode });
  const img = join(dir, 'root.img');
  const r = spawnSync('mke2fs', ['-q', '-F', '-t', 'ext2', '-d', root, img, '32M'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return img;
}

/** tuml booting with params, its console on pipes: send() types, waitFor() reads what it printed. */
function boot(params) {
  const child = spawn(process.execPath, [TUML, ...params], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  return {
    get out() { return out; },
    send(text) { child.stdin.write(text); },
    async waitFor(re, ms = 30000) {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end) { child.kill('SIGKILL'); throw new Error(`timed out waiting for ${re}; the console said:\n${out}`); }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exit(ms = 30000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

function fsck(img) {
  const r = spawnSync('e2fsck', ['-fn', img], { encoding: 'utf8' });
  const state = spawnSync('dumpe2fs', ['-h', img], { encoding: 'utf8' }).stdout.match(/Filesystem state:\s+(\S+)/)?.[1];
  return { status: r.status, out: r.stdout + r.stderr, state };
}

const debugfsCat = (img, path) => spawnSync('debugfs', ['-R', `cat ${path}`, img], { encoding: 'utf8' }).stdout;

test('busybox init from an ext2 image: inittab, a shell on the console, poweroff through init leaves the image clean', async () => {
  const img = makeImage(scratch(), [
    ['etc/inittab', '::sysinit:/bin/mount -t proc proc /proc\n::respawn:-/bin/sh\n::shutdown:/bin/umount -a -r\n'],
  ]);
  const m = boot([`ubd0=${img}`, 'root=/dev/ubda']);
  await m.waitFor(/Run \/sbin\/init as init process/);
  m.send('echo "pid $$ of $(cat /proc/1/comm)"; grep " / " /proc/mounts\n');
  await m.waitFor(/\/dev\/ubda \/ ext2 rw/);
  assert.match(m.out, /pid \d+ of init/);
  m.send('echo written-inside > /root/note; sha256sum /bin/busybox; poweroff\n');
  const r = await m.exit();
  assert.equal(r.code, 0, m.out);
  assert.match(m.out, /The system is going down NOW!/);
  assert.match(m.out, /reboot: Power down/);
  const sum = spawnSync('sha256sum', ['/bin/busybox'], { encoding: 'utf8' }).stdout.split(' ')[0];
  assert.match(m.out, new RegExp(`${sum}  /bin/busybox`), 'busybox read from the image is the host\'s');
  // umount -a -r remounted the root read-only: everything written, the state clean.
  const f = fsck(img);
  assert.equal(f.status, 0, f.out);
  assert.equal(f.state, 'clean');
  assert.equal(debugfsCat(img, '/root/note'), 'written-inside\n');
});

test('busybox init with its defaults (no inittab): askfirst shell on the console, poweroff -f syncs and stops', async () => {
  const img = makeImage(scratch());
  const m = boot([`ubd0=${img}`, 'root=/dev/ubda']);
  await m.waitFor(/Please press Enter to activate this console/);
  m.send('\n');
  m.send('mkdir /root/d && echo "$((6 * 7))" > /root/d/answer && cat /root/d/answer\n');
  await m.waitFor(/(^|\s)42\n/);
  m.send('poweroff -f\n');
  const r = await m.exit();
  assert.equal(r.code, 0, m.out);
  assert.match(m.out, /reboot: Power down/);
  // Synced by poweroff -f but never unmounted: consistent, only not marked clean.
  const f = fsck(img);
  assert.equal(f.status, 0, f.out);
  assert.equal(debugfsCat(img, '/root/d/answer'), '42\n');
});

test('init= overrides /sbin/init; a script as /sbin/init runs through its #! interpreter on the image', async () => {
  const dir = scratch();
  const img = makeImage(dir);
  let m = boot([`ubd0=${img}`, 'root=/dev/ubda', 'init=/bin/sh']);
  await m.waitFor(/Run \/bin\/sh as init process/);
  m.send('echo "I am $0, pid $$"; halt -f\n');
  let r = await m.exit();
  assert.equal(r.code, 0, m.out);
  assert.match(m.out, /I am \/bin\/sh, pid 1/);
  assert.match(m.out, /reboot: System halted/);

  const img2 = makeImage(join(dir, 'two'), [['sbin/init', '#!/bin/sh\necho "script init: $0 $# $*"\nexec /bin/sh\n', 0o755]], { initLink: false });
  m = boot([`ubd0=${img2}`, 'root=/dev/ubda', 'single']);
  await m.waitFor(/script init: \/sbin\/init 1 single/);
  m.send('echo "shell of $(cat /proc/1/cmdline 2>/dev/null | tr "\\0" " " || echo none)"; poweroff -f\n');
  r = await m.exit();
  assert.equal(r.code, 0, m.out);
});

test('reboot(2): bad magic is EINVAL, an unprivileged caller gets EPERM, CAD_OFF is accepted', () => {
  const code = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def rb(m1, m2, cmd):
    r = libc.syscall(169, ctypes.c_uint(m1), ctypes.c_uint(m2), ctypes.c_uint(cmd), None)
    return 0 if r == 0 else -ctypes.get_errno()
print(rb(0x12345678, 672274793, 0x4321fedc), rb(0xfee1dead, 1, 0x4321fedc), rb(0xfee1dead, 672274793, 0x0), rb(0xfee1dead, 672274793, 0x11111111))
os.setuid(65534)
print(rb(0xfee1dead, 672274793, 0x4321fedc))
`;
  const r = spawnSync(process.execPath, [TUML, 'run', '--', 'python3', '-c', code], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '-22 -22 0 -22\n-1\n');
});
