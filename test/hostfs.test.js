// hostfs with a metadata store: owners, modes, device nodes and xattrs the
// guest sets on host files last across runs, whoever the host user is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, scratch, USERS } from './helpers.js';

/** A tarball whose files belong to several users, made with python's tarfile. */
function ownersTarball(dir) {
  const tarball = join(dir, 'owners.tar');
  const py = `
import tarfile, io, time
t = tarfile.open(${JSON.stringify(tarball)}, 'w')
def add(name, uid, gid, mode, kind=tarfile.REGTYPE, data=b''):
    i = tarfile.TarInfo(name); i.uid, i.gid, i.mode, i.type, i.mtime = uid, gid, mode, kind, 1700000000
    i.uname = i.gname = ''
    if kind == tarfile.REGTYPE: i.size = len(data)
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
add('root', 0, 0, 0o755, tarfile.DIRTYPE)
add('root/alice', 1000, 1000, 0o700, tarfile.DIRTYPE)
add('root/alice/notes', 1000, 1000, 0o600, data=b'alice')
add('root/bob', 2000, 3000, 0o2775, tarfile.DIRTYPE)
add('root/bob/tool', 2000, 3000, 0o4755, data=b'#!/bin/sh\\n')
add('root/shared', 0, 100, 0o640, data=b'shared')
t.close()`;
  execFileSync('python3', ['-c', py]);
  return tarball;
}

/** A script listing what tar tvf shows of a tarball made inside of $1/root: modes, numeric owners, names. */
function listingScript(dir) {
  const f = join(dir, 'list.sh');
  writeFileSync(f, 'cd "$1" && tar cf - root | tar --numeric-owner -tvf - | awk \'{print $1, $2, $6}\' | grep -v -e null -e fifo\n', { mode: 0o755 });
  return f;
}
const EXPECTED = [
  'drwxr-xr-x 0/0 root/',
  'drwx------ 1000/1000 root/alice/',
  '-rw------- 1000/1000 root/alice/notes',
  'drwxrwsr-x 2000/3000 root/bob/',
  '-rwsr-xr-x 2000/3000 root/bob/tool',
  '-rw-r----- 0/100 root/shared',
].sort().join('\n') + '\n';
const sorted = (s) => s.split('\n').filter(Boolean).sort().join('\n') + '\n';

for (const as of USERS) {
  test(`tar --same-owner -xpf keeps several owners on the default root (${as})`, () => {
    const d = scratch();
    const tarball = ownersTarball(d);
    const r = tuml(['/bin/sh', '-c', `x=$(mktemp -d) && cd $x && tar --same-owner -xpf ${tarball} && sh ${listingScript(d)} $x`], { as, rwHost: false });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sorted(r.stdout), EXPECTED);
    rmSync(d, { recursive: true });
  });

  test(`with --upper DIR the owners, modes and device nodes are there in a second run (${as})`, () => {
    const d = scratch();
    const tarball = ownersTarball(d);
    const u = scratch();
    let r = tuml(['/bin/sh', '-c', `mkdir -p /srv/img && cd /srv/img && tar --same-owner -xpf ${tarball} && mknod root/null c 1 3 && mknod root/fifo p && chown 5:6 root/fifo && setfattr -n trusted.note -v kept root/shared`], { as, upper: u });
    assert.equal(r.status, 0, r.stderr);
    r = tuml(['/bin/sh', '-c', `sh ${listingScript(d)} /srv/img; cd /srv/img/root && stat -c '%A %t:%T %u:%g %n' null fifo && echo x > null && getfattr -n trusted.note --only-values shared && echo`], { as, upper: u });
    assert.equal(r.status, 0, r.stderr);
    const [listing, tail] = [r.stdout.split('\n').slice(0, 6).join('\n'), r.stdout.split('\n').slice(6).join('\n')];
    assert.equal(sorted(listing), EXPECTED);
    assert.equal(tail, 'crw-r--r-- 1:3 0:0 null\nprw-r--r-- 0:0 5:6 fifo\nkept\n');
    // On the host the files stay the host user's; the store has the rest.
    const host = statSync(join(u, 'upper/srv/img/root/bob/tool'));
    assert.equal(host.uid, as === 'nobody' ? 65534 : process.getuid());
    assert.equal(host.mode & 0o7000, 0, 'no setuid bit on the host');
    assert.ok(statSync(join(u, 'upper/srv/img/root/null')).isFile());
    assert.match(readFileSync(join(u, '.tuml-meta'), 'latin1'), /^# tuml hostfs metadata v1\n/);
    rmSync(d, { recursive: true });
    rmSync(u, { recursive: true });
  });
}

test('a torn last record of the metadata store is ignored; a foreign file is refused', () => {
  const u = scratch();
  let r = tuml(['/bin/sh', '-c', 'touch /etc/m && chown 42:43 /etc/m'], { upper: u });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(join(u, '.tuml-meta'), readFileSync(join(u, '.tuml-meta'), 'latin1') + 'a upper/etc/m 7', { encoding: 'latin1' });
  r = tuml(['/bin/stat', '-c', '%u:%g', '/etc/m'], { upper: u });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '42:43\n');
  writeFileSync(join(u, '.tuml-meta'), 'something else\n');
  r = tuml(['/bin/true'], { upper: u });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /not a tuml metadata store/);
  rmSync(u, { recursive: true });
});

test('hostfs=DIR confines hostfs mounts: paths are inside DIR, .. and host symlinks cannot leave it', async () => {
  const { parseCmdline } = await import('../dist/init/params.js');
  const { hostfsDir } = await import('../dist/fs/hostfs/fs_type.js');
  const d = scratch();
  execFileSync('mkdir', ['-p', join(d, 'jail/sub/dir'), join(d, 'outside')]);
  execFileSync('ln', ['-s', join(d, 'outside'), join(d, 'jail/escape')]);
  const jail = join(d, 'jail');
  const kernel = {};
  for (const c of parseCmdline([`hostfs=${jail}`]).claimed) c.fn(c.value, kernel, c.key);
  assert.equal(hostfsDir(kernel, 'sub/dir'), join(jail, 'sub/dir'));
  assert.equal(hostfsDir(kernel, '/sub/dir'), join(jail, 'sub/dir'));
  assert.equal(hostfsDir(kernel, ''), jail);
  assert.throws(() => hostfsDir(kernel, '../outside'), { message: 'EACCES' });
  assert.throws(() => hostfsDir(kernel, 'sub/../../outside'), { message: 'EACCES' });
  assert.throws(() => hostfsDir(kernel, 'escape'), { message: 'EACCES' });
  assert.throws(() => hostfsDir(kernel, '/etc'), { message: 'ENOENT' });
  // Without hostfs=, a data path is the host's.
  assert.equal(hostfsDir({}, join(d, 'outside')), join(d, 'outside'));
  assert.throws(() => { for (const c of parseCmdline([`hostfs=${join(d, 'nope')}`]).claimed) c.fn(c.value, {}, c.key); }, /no such directory/);
  rmSync(d, { recursive: true });
});

test('plain hostfs: chown fails when the host user cannot do it (EPERM), as in UML', { skip: !USERS.includes('nobody') && 'needs root to run as nobody' }, () => {
  const d = scratch();
  writeFileSync(join(d, 'f'), '');
  execFileSync('chown', ['65534:65534', join(d, 'f')]);
  const r = tuml(['/bin/sh', '-c', `chown 1000:1000 ${d}/f; echo $?; chown 0:0 ${d}/f && stat -c %u:%g ${d}/f`], { as: 'nobody', rwHost: true });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Operation not permitted/);
  assert.equal(r.stdout, '1\n0:0\n');
  assert.equal(statSync(join(d, 'f')).uid, 65534);
  rmSync(d, { recursive: true });
});
