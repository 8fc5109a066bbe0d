// Simulated root that lasts (issue 4), shown as its "What it must show" list
// states it: inside `tuml run` on the default root (the host's / read-only
// under the machine's own layer), as the host's root and as an unprivileged
// host user (setpriv --reuid=65534 ...): guest root may chown, chmod, mknod,
// edit the user database, mount, chroot and pivot_root; set-id programs and
// the permission checks behave as on Linux; owners survive in the metadata
// store; the host's files never change; the tools show the guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, scratch, USERS } from './helpers.js';

const sh = (script, as, opts = {}) => tuml(['/bin/sh', '-c', script], { as, rwHost: false, ...opts });

for (const as of USERS) {
  test(`1. chown, chmod 4755, mknod of /dev/null and /dev/zero nodes that work (${as})`, () => {
    const r = sh(`cd /root && touch f && chown 1000:1000 f && chmod 4755 f && ls -ln f | cut -d' ' -f1,3,4
mknod /tmp/n c 1 3 && echo x > /tmp/n && echo "null took it"
mknod /tmp/z c 1 5 && head -c 4 /tmp/z | od -An -tx1`, as);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '-rwsr-xr-x 1000 1000\nnull took it\n 00 00 00 00\n');
  });

  test(`2. useradd on the default root; su to another user is denied root's file; a setuid-root program gets euid 0 (${as})`, () => {
    const r = sh(`useradd -m -s /bin/sh alice && grep -c '^alice:' /etc/passwd /etc/shadow /etc/group && stat -c '%U %G' /home/alice
echo secret > /root/secret && chmod 600 /root/secret && cat /root/secret
su -s /bin/sh nobody -c 'cat /root/secret' 2>&1; echo "nobody: $?"
su -s /bin/sh alice -c 'cat /root/secret' 2>&1; echo "alice: $?"
cp /usr/bin/id /usr/local/bin/suid-id && chmod 4755 /usr/local/bin/suid-id
su -s /bin/sh alice -c '/usr/local/bin/suid-id -u; /usr/local/bin/suid-id -ru'
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/local/bin/suid-id -u`, as);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '/etc/passwd:1\n/etc/shadow:1\n/etc/group:1\nalice alice\nsecret\n' +
      "cat: /root/secret: Permission denied\nnobody: 1\ncat: /root/secret: Permission denied\nalice: 1\n0\n1001\n0\n");
    assert.doesNotMatch(execFileSync('cat', ['/etc/passwd'], { encoding: 'utf8' }), /^alice:/m, "the host's /etc/passwd is untouched");
  });
}

/** A small root filesystem with static busybox. */
function busyboxTree() {
  const d = join(scratch(), 'tree');
  for (const dir of ['bin', 'proc', 'old', 'etc']) mkdirSync(join(d, dir), { recursive: true });
  copyFileSync('/bin/busybox', join(d, 'bin/busybox'));
  for (const a of ['sh', 'ls', 'cat', 'mount', 'umount', 'pivot_root', 'echo']) symlinkSync('busybox', join(d, 'bin', a));
  writeFileSync(join(d, 'etc/marker'), 'busybox tree\n');
  chmodSync(d, 0o755);
  return d;
}

for (const as of USERS) {
  test(`3. mount tmpfs, --bind, remount,ro, umount, chroot into a busybox tree and pivot_root into it (${as})`, () => {
    const tree = busyboxTree();
    const r = sh(`set -e
mkdir -p /srv/m /srv/b
mount -n -t tmpfs none /srv/m && echo hi > /srv/m/f && cat /srv/m/f
mount -n --bind /srv/m /srv/b && cat /srv/b/f
mount -n -o remount,ro /srv/m && (echo no > /srv/m/g) 2>&1 | sed 's/.*: //'
umount -n /srv/b && umount -n /srv/m && ls /srv/m | grep -c . || true
chroot ${tree} /bin/cat /etc/marker
unshare -m sh -c 'mount -n --bind ${tree} ${tree} && cd ${tree} && pivot_root . old && exec /bin/sh -c "cat /etc/marker; [ -d /old/${tree.split('/')[1]} ] && echo old root under /old"'`, as);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hi\nhi\nRead-only file system\n0\nbusybox tree\nbusybox tree\nold root under /old\n');
  });
}

/** A tarball whose files belong to three users (made with python's tarfile). */
function ownersTarball(dir) {
  const tar = join(dir, 'owners.tar');
  execFileSync('python3', ['-c', `
import tarfile, io, sys
with tarfile.open(sys.argv[1], 'w') as t:
    for name, uid, gid, mode in [('d', 0, 0, 0o755), ('d/root-file', 0, 0, 0o644), ('d/alice', 1000, 1000, 0o640), ('d/bob', 1001, 50, 0o4750)]:
        i = tarfile.TarInfo(name); i.uid, i.gid, i.mode = uid, gid, mode
        i.uname = i.gname = ''
        if name == 'd': i.type = tarfile.DIRTYPE; t.addfile(i)
        else: data = name.encode(); i.size = len(data); t.addfile(i, io.BytesIO(data))
`, tar]);
  chmodSync(tar, 0o644);
  return tar;
}

for (const as of USERS) {
  test(`4. tar --same-owner -xpf keeps several owners; with the metadata store they are there in a second run (${as})`, () => {
    const d = scratch();
    const tar = ownersTarball(d);
    const upper = join(d, 'layer');
    mkdirSync(upper);
    chmodSync(upper, 0o777);
    const list = "tar tvf /tmp/again.tar | awk '{print $1, $2, $6}'";
    const first = sh(`mkdir -p /srv/x && cd /srv/x && tar --same-owner -xpf ${tar} && tar --numeric-owner -cf /tmp/again.tar d && ${list}`, as, { upper });
    assert.equal(first.status, 0, first.stderr);
    const sorted = (s) => s.trim().split('\n').sort().join('\n');
    assert.equal(sorted(first.stdout), sorted('drwxr-xr-x 0/0 d/\n-rw-r--r-- 0/0 d/root-file\n-rw-r----- 1000/1000 d/alice\n-rwsr-x--- 1001/50 d/bob\n'));
    const second = sh('cd /srv/x && ls -ln d | awk \'NR > 1 {print $1, $3, $4, $9}\'', as, { upper });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, '-rw-r----- 1000 1000 alice\n-rwsr-x--- 1001 50 bob\n-rw-r--r-- 0 0 root-file\n');
    rmSync(d, { recursive: true, force: true });
  });
}

for (const as of USERS) {
  test(`5. rm -rf /usr/share/doc on the default root succeeds; the host's /usr/share/doc is unchanged (${as})`, () => {
    const before = readdirSync('/usr/share/doc').sort().join('\n');
    const r = sh('rm -rf /usr/share/doc && echo removed && ls /usr/share/doc 2>&1 | sed "s/.*: //"', as);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'removed\nNo such file or directory\n');
    assert.equal(readdirSync('/usr/share/doc').sort().join('\n'), before);
  });

  test(`6. ps, top, free, df, mount and uptime show the machine, not the host (${as})`, () => {
    const r = sh(`ps -eo pid=,comm= | awk '{print $1}' | head -1
ps aux | wc -l
top -bn1 | grep -c '^ *[0-9]\\+ ' 
free -m | awk '/^Mem:/ {print $2}'
df -P / | awk 'NR == 2 {print $1, $6}'
mount | grep ' on / ' | cut -d' ' -f1,3,5
uptime | grep -o 'up [0-9]* min'`, as, { args: ['mem=256M'] });
    assert.equal(r.status, 0, r.stderr);
    const [pid1, psLines, topTasks, memMiB, df, mnt, up] = r.stdout.trim().split('\n');
    assert.equal(pid1, '1', 'the first process is the machine\'s init');
    assert.ok(Number(psLines) <= 8, `ps aux lists the machine's few processes: ${psLines}`);
    assert.ok(Number(topTasks) <= 8, `top lists the machine's few processes: ${topTasks}`);
    assert.ok(Number(memMiB) >= 240 && Number(memMiB) <= 256, `free shows mem=256M: ${memMiB}`);
    assert.equal(df, 'overlay /');
    assert.equal(mnt, 'overlay / overlay');
    assert.equal(up, 'up 0 min');
  });
}
