// Every util-linux mount and umount here runs with -n: libmount would otherwise
// keep /run/mount/utab, which is the host's /run until a tmpfs is mounted there.
//
// mount(2), umount2, bind/rbind/move/remount, chroot and pivot_root inside
// tuml, as root inside even when tuml runs as an unprivileged host user; the
// formats of /proc/mounts and mountinfo, and util-linux's view of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, copyFileSync, existsSync, readdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, scratch, USERS } from './helpers.js';

const sh = (script, opts) => tuml(['/bin/sh', '-c', script], opts);

/** A small root filesystem with static busybox, in a scratch directory. */
function busyboxTree() {
  const d = join(scratch(), 'tree');
  for (const dir of ['bin', 'proc', 'old', 'mnt', 'etc']) mkdirSync(join(d, dir), { recursive: true });
  copyFileSync('/bin/busybox', join(d, 'bin/busybox'));
  for (const a of ['sh', 'ls', 'cat', 'echo', 'mount', 'umount', 'pwd', 'mkdir', 'pivot_root', 'chroot', 'readlink', 'touch', 'grep', 'wc'])
    symlinkSync('busybox', join(d, 'bin', a));
  writeFileSync(join(d, 'etc/marker'), 'busybox tree\n');
  return d;
}

/** mountinfo lines as Linux writes them (fs/proc_namespace.c show_mountinfo). */
const MOUNTINFO = /^(\d+) (\d+) (\d+):(\d+) (\S+) (\S+) (rw|ro)(,[a-z]+)*( (shared|master|propagate_from):\d+| unbindable)* - (\S+) (\S+) (rw|ro)(,\S*)?$/;

for (const as of USERS) {
  test(`mount a hostfs directory, see it in mountinfo, umount it (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'src')); mkdirSync(join(d, 'mnt'));
    writeFileSync(join(d, 'src/f'), 'hello\n');
    const r = sh(`mount -n -t hostfs none ${d}/mnt -o ${d}/src && cat ${d}/mnt/f && grep " ${d}/mnt " /proc/self/mountinfo && grep " ${d}/mnt " /proc/mounts && umount -n ${d}/mnt && ls ${d}/mnt | wc -l`, { as });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'hello');
    const m = MOUNTINFO.exec(lines[1]);
    assert.ok(m, `mountinfo line: ${lines[1]}`);
    assert.equal(m[5], '/');
    assert.equal(m[6], `${d}/mnt`);
    assert.equal(m[11], 'hostfs');
    assert.equal(lines[2], `none ${d}/mnt hostfs rw,relatime,${d}/src 0 0`);
    assert.equal(lines[3], '0');
  });

  test(`bind mounts of a directory and of a file; rbind takes the mounts below along (${as})`, () => {
    const d = scratch();
    for (const p of ['a/sub', 'b', 'c', 'x']) mkdirSync(join(d, p), { recursive: true });
    writeFileSync(join(d, 'a/file'), 'A\n');
    writeFileSync(join(d, 'x/inner'), 'X\n');
    writeFileSync(join(d, 'target'), 'T\n');
    const r = sh([
      `cd ${d}`,
      'mount -n --bind a b && cat b/file',
      'mount -n -t hostfs none a/sub -o $PWD/x',
      'ls b/sub | wc -l',            // plain bind: the mount on a/sub is not in b
      'mount -n --rbind a c && cat c/sub/inner',
      'mount -n --bind a/file target && cat target',
      `awk '$5 == "${d}/b" || $5 == "${d}/target" {print $4}' /proc/self/mountinfo`,
      'umount -n target; umount -n c/sub; umount -n c; umount -n a/sub; umount -n b; cat target; ls b | wc -l',
    ].join(' && '), { as });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n'), ['A', '0', 'X', 'A', `${d}/a`, `${d}/a/file`, 'T', '0', '']);
    assert.equal(existsSync(join(d, 'b/file')), false, 'the host directory is untouched');
  });

  test(`mount --move, and the refusals Linux gives (${as})`, () => {
    const d = scratch();
    for (const p of ['src', 'one', 'two']) mkdirSync(join(d, p));
    writeFileSync(join(d, 'src/f'), 'moved\n');
    const r = sh([
      `cd ${d}`,
      'mount -n -t hostfs none one -o $PWD/src',
      'mount -n --move one two && cat two/f && ls one | wc -l',
      'mount -n --move two two/x 2>&1; echo "into itself $?"',
      'mount -n --move src one 2>&1; echo "not a mount $?"',
      'umount -n two',
    ].join('; '), { as });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    assert.deepEqual(out.slice(0, 2), ['moved', '0']);
    assert.match(r.stdout, /into itself 32/);
    assert.match(r.stdout, /not a mount 32/);
  });

  test(`remount read-only: every change through the mount is EROFS, reads work, rw again (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'm'), { mode: 0o777 }); mkdirSync(join(d, 'm/dir'), { mode: 0o777 });
    writeFileSync(join(d, 'm/f'), 'data\n', { mode: 0o666 });
    chmodSync(join(d, 'm'), 0o777); chmodSync(join(d, 'm/dir'), 0o777); chmodSync(join(d, 'm/f'), 0o666);
    const r = sh([
      `cd ${d}`,
      'mount -n --bind m m',
      'mount -n -o remount,bind,ro m',
      'cat m/f',
      'for op in "touch m/new" "mkdir m/d2" "rm m/f" "rmdir m/dir" "mv m/f m/g" "chmod 600 m/f" "ln m/f m/l" "ln -s f m/s" "truncate -s 0 m/f" "touch -d 2001-01-01 m/f"; do $op 2>&1 | grep -q "Read-only file system" && echo "$op: refused" || echo "$op: not EROFS"; done',
      'sh -c "echo x >> m/f" 2>&1 | grep -c "Read-only file system"',
      `awk '$5 == "${d}/m" {print $6}' /proc/self/mountinfo`,
      'mount -n -o remount,bind,rw m && touch m/new && echo rw-again',
      'umount -n m',
    ].join('; '), { as });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    assert.equal(out[0], 'data');
    for (const l of out.slice(1, 11)) assert.match(l, /: refused$/);
    assert.equal(out[11], '1');
    assert.equal(out[12], 'ro,relatime');
    assert.equal(out[13], 'rw-again');
    assert.ok(existsSync(join(d, 'm/new')));
  });

  test(`umount of a busy mount is EBUSY; umount -l detaches it and its users keep it (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'src')); mkdirSync(join(d, 'm'));
    writeFileSync(join(d, 'src/f'), 'still here\n');
    const r = sh([
      `mount -n -t hostfs none ${d}/m -o ${d}/src`,
      `cd ${d}/m`,
      `umount -n ${d}/m 2>&1; echo "busy $?"`,
      'exec 3<f',
      'cd /',
      `umount -n ${d}/m 2>&1; echo "open file $?"`,
      `umount -n -l ${d}/m; echo "lazy $?"`,
      'cat <&3',
      `grep -c " ${d}/m " /proc/self/mountinfo`,
    ].join('; '), { as });
    assert.match(r.stdout, /target is busy\.\nbusy 32\n/);
    assert.match(r.stdout, /open file 32\nlazy 0\nstill here\n0\n$/);
  });

  test(`mount needs CAP_SYS_ADMIN; bad calls fail as on Linux (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'm'));
    const r = sh([
      `busybox mount -t nosuchfs none ${d}/m 2>&1; echo "type $?"`,
      `mount -n -t proc proc ${d}/nowhere 2>&1; echo "target $?"`,
      `umount -n ${d} 2>&1; echo "not mounted $?"`,
    ].join('; '), { as });
    assert.match(r.stdout, /No such device\ntype 255\n/);
    assert.match(r.stdout, /target 32\n/);
    assert.match(r.stdout, /not mounted\.\nnot mounted 32\n/);
  });

  test(`chroot into a busybox tree; a cwd left outside the root is unreachable (${as})`, () => {
    const t = busyboxTree();
    const r = sh(`chroot ${t} /bin/sh -c 'cat /etc/marker; ls /; mount -n -t proc proc /proc && readlink /proc/self/root && cat /proc/mounts; cd /etc && pwd && cd ../.. && pwd'`, { as });
    assert.equal(r.status, 0, r.stderr);
    // The root's own mount lies above the chroot: only what is below it shows; ".." stops at the root.
    assert.equal(r.stdout, 'busybox tree\nbin\netc\nmnt\nold\nproc\n/\nproc /proc proc rw,relatime 0 0\n/etc\n/\n');
    // chroot(2) without chdir: the cwd stays outside; /proc names it from the
    // namespace's root, getcwd(2) says "(unreachable)" (glibc then fails with ENOENT).
    const py = [
      'import os, ctypes, sys',
      `os.chdir("/tmp"); os.chroot("${t}")`,
      'print(os.readlink("/proc/self/cwd"))',
      'buf = ctypes.create_string_buffer(4096)',
      'n = ctypes.CDLL(None, use_errno=True).syscall(79, buf, 4096)',
      'print(buf.value.decode())',
      'try: os.getcwd()',
      'except FileNotFoundError: print("getcwd: ENOENT")',
    ].join('\n');
    const c = sh(`mount -n -t proc proc ${t}/proc && python3 -c '${py}'`, { as });
    assert.equal(c.stdout, '/tmp\n(unreachable)/tmp\ngetcwd: ENOENT\n', c.stderr);
  });

  test(`pivot_root into a busybox tree (${as})`, () => {
    const t = busyboxTree();
    const r = sh([
      `mount -n --bind ${t} ${t}`,
      `cd ${t}`,
      'pivot_root . old',
      'exec /bin/sh -c "mount -n -t proc proc /proc; cat /etc/marker; pwd; ls /old/bin | grep -q . && echo old-root-at-old; umount -n -l /old; cat /proc/mounts; ls /old | wc -l"',
    ].join(' && '), { as });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 3), ['busybox tree', '/', 'old-root-at-old']);
    assert.match(lines[3], new RegExp(`^none / hostfs rw,relatime,/ 0 0$`));
    assert.equal(lines[4], 'proc /proc proc rw,relatime 0 0');
    assert.equal(lines[5].trim(), '0');
  });

  test(`pivot_root refuses what Linux refuses (${as})`, () => {
    const t = busyboxTree();
    const d = scratch();
    mkdirSync(join(d, 'other'));
    const r = sh([
      `pivot_root ${t} ${t}/old 2>&1; echo "same mount as the root $?"`,
      `mount -n --bind ${t} ${t}`,
      `mount -n -t hostfs none ${d}/other -o ${d}`,
      `pivot_root ${t} ${d}/other 2>&1; echo "put_old not under new_root $?"`,
      `pivot_root ${t}/bin ${t}/old 2>&1; echo "new_root not a mount $?"`,
    ].join('; '), { as });
    assert.match(r.stdout, /Device or resource busy\nsame mount as the root 1\n/);
    assert.match(r.stdout, /Invalid argument\nput_old not under new_root 1\n/);
    assert.match(r.stdout, /Invalid argument\nnew_root not a mount 1\n/);
  });

  test(`unshare -m: a new mount namespace's mounts stay in it (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'm')); mkdirSync(join(d, 'src'));
    writeFileSync(join(d, 'src/f'), 'inside\n');
    const r = sh([
      `unshare -m sh -c 'mount -n -t hostfs none ${d}/m -o ${d}/src && cat ${d}/m/f && grep -c " ${d}/m " /proc/self/mountinfo'`,
      `grep -c " ${d}/m " /proc/self/mountinfo`,
      `ls ${d}/m | wc -l`,
    ].join('; '), { as });
    assert.deepEqual(r.stdout.split('\n'), ['inside', '1', '0', '0', '']);
  });

  test(`mount, umount, pivot_root and chroot need their capabilities (${as})`, () => {
    const t = busyboxTree();
    const user = 'setpriv --reuid=1000 --regid=1000 --clear-groups';
    const r = sh([
      `${user} busybox mount -t proc proc ${t}/proc 2>&1; echo "mount $?"`,
      `${user} chroot ${t} /bin/true 2>&1; echo "chroot $?"`,
      `mount -n --bind ${t} ${t}; ${user} pivot_root ${t} ${t}/old 2>&1; echo "pivot_root $?"`,
      `${user} umount -n ${t} 2>&1; echo "umount $?"`,
    ].join('; '), { as });
    // busybox mount exits 1 here natively too (EPERM from mount(2) as uid 1000).
    assert.match(r.stdout, /permission denied \(are you root\?\)\nmount 1\n/);
    assert.match(r.stdout, /Operation not permitted\nchroot 125\n/);
    assert.match(r.stdout, /Operation not permitted\npivot_root 1\n/);
    assert.match(r.stdout, /umount 32\n/);
  });

  test(`findmnt and mount show the guest's mounts (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'm'));
    const r = sh(`mount -n -t proc -o nodev,noexec proc ${d}/m && findmnt -n -o TARGET,FSTYPE,OPTIONS ${d}/m && mount | grep " ${d}/m " && findmnt -n -o TARGET / && mount -n --make-shared ${d}/m && findmnt -n -o PROPAGATION ${d}/m && busybox mount | grep -c "^proc on ${d}/m type proc"`, { as });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], new RegExp(`^${d}/m\\s+proc\\s+rw,nodev,noexec,relatime$`));
    assert.equal(lines[1], `proc on ${d}/m type proc (rw,nodev,noexec,relatime)`);
    assert.equal(lines[2], '/');
    assert.equal(lines[3], 'shared');
    assert.equal(lines[4], '1');
  });
}

test('the scratch trees are left as they were', () => {
  // Guards the write-through root: a bind mount never copied files on the host.
  const d = scratch();
  mkdirSync(join(d, 'a')); mkdirSync(join(d, 'b'));
  writeFileSync(join(d, 'a/f'), '1');
  sh(`mount -n --bind ${d}/a ${d}/b && touch ${d}/b/g`);
  assert.deepEqual(readdirSync(join(d, 'a')).sort(), ['f', 'g']);
  assert.deepEqual(readdirSync(join(d, 'b')), []);
});

test('a block device has one superblock while mounted: mount -o loop keeps its loop device, a second mount shares it, ro elsewhere and mkfs are refused', () => {
  const r = tuml(['/bin/sh', '-c', `
truncate -s 16M /dev/shm/img && mkfs.ext2 -q /dev/shm/img && mkdir -p /mnt/e /mnt/f
mount -n -o loop /dev/shm/img /mnt/e && losetup -a
echo data > /mnt/e/f && mkfifo /mnt/e/fifo && ls -l /mnt/e/fifo | cut -c1
mount -n /dev/loop0 /mnt/f && cat /mnt/f/f
mount -n -o ro /dev/loop0 /mnt/e 2>/dev/null; echo "ro mount: $?"
mkfs.ext2 -q /dev/loop0 2>&1; echo "mkfs: $?"
umount -n /mnt/f && losetup -a | wc -l
umount -n /mnt/e && losetup -a | wc -l
e2fsck -fn /dev/shm/img >/dev/null && echo clean`], { rwHost: false });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '/dev/loop0: [0037]:2 (/dev/shm/img)\np\ndata\nro mount: 32\n/dev/loop0 is mounted; will not make a filesystem here!\nmkfs: 1\n1\n0\nclean\n'.replace('[0037]:2', r.stdout.match(/\[\w+\]:\d+/)?.[0] ?? '?'));
});

test('setns: nsenter -m enters the mount namespace of a process that unshared one; /proc/PID/ns/mnt names each namespace', () => {
  const r = tuml(['/bin/sh', '-c', `
readlink /proc/self/ns/mnt
unshare -m sh -c 'mount -n -t tmpfs none /mnt && touch /mnt/inside && exec sleep 30' &
while ! [ -e /proc/$!/ns/mnt ] || [ "$(readlink /proc/$!/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ]; do sleep 0.1; done
P=$!
while [ "$(nsenter -t $P -m ls /mnt)" != inside ]; do sleep 0.1; done
readlink /proc/$P/ns/mnt
ls /mnt | grep -c inside
nsenter -t $P -m ls /mnt
nsenter -t $P -m sh -c 'readlink /proc/self/ns/mnt; pwd'
nsenter -t $P -a true && echo "all namespaces: ok"
kill $P`], { rwHost: false });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'mnt:[4026531841]\nmnt:[4026531842]\n0\ninside\nmnt:[4026531842]\n/\nall namespaces: ok\n');
});

test('sysfs(2) answers from the kernel\'s filesystem types, in /proc/filesystems order', () => {
  const r = tuml(['python3', '-c', `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
names = [l.split()[-1] for l in open('/proc/filesystems')]
print(libc.syscall(139, 3) == len(names))
i = libc.syscall(139, 1, b'ext2')
buf = ctypes.create_string_buffer(64)
print(names[i], libc.syscall(139, 2, i, buf), buf.value.decode())
print(libc.syscall(139, 1, b'nosuchfs'), ctypes.get_errno())
`], { rwHost: false });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'True\next2 0 ext2\n-1 22\n');
});
