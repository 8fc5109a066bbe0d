// The default root: the host's / read-only under a writable layer (overlayfs).
// Whatever the guest does, the host's files stay as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, scratch, USERS, isRoot } from './helpers.js';

/** A checksum of a host tree's names, sizes, modes, owners and contents' mtimes. */
function treeSum(dir) {
  const out = execFileSync('find', [dir, '-printf', '%P %s %m %U %G %T@ %y\n'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return createHash('sha256').update(out.split('\n').sort().join('\n')).digest('hex');
}

const sh = (script, opts = {}) => tuml(['/bin/sh', '-c', script], { rwHost: false, ...opts });

for (const as of USERS) {
  test(`rm -rf /usr/share/doc inside leaves the host's unchanged (${as})`, () => {
    const before = treeSum('/usr/share/doc');
    const r = sh('rm -rf /usr/share/doc && echo removed; ls /usr/share/doc 2>&1; test -e /usr/share/doc || echo gone', { as });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^removed\n.*No such file or directory\ngone\n$/s);
    assert.equal(treeSum('/usr/share/doc'), before);
  });

  test(`writes to /etc/passwd stay inside (${as})`, () => {
    const before = readFileSync('/etc/passwd', 'utf8');
    const r = sh('echo "intruder:x:0:0::/:/bin/sh" >> /etc/passwd && grep -c intruder /etc/passwd && touch /etc/new-file && ls /etc/new-file', { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '1\n/etc/new-file\n');
    assert.equal(readFileSync('/etc/passwd', 'utf8'), before);
    assert.equal(existsSync('/etc/new-file'), false);
  });

  test(`whiteouts and opaque directories (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'dir/sub'), { recursive: true });
    for (const f of ['a', 'b', 'dir/x', 'dir/sub/y']) writeFileSync(join(d, f), f);
    chmodSync(join(d, 'dir'), 0o777);
    const r = sh(`cd ${d} && rm a && ls && rm -r dir && mkdir dir && ls -A dir && echo new > dir/n && ls dir && ls -a && echo again > a && cat a`, { as });
    assert.equal(r.status, 0, r.stderr);
    // a hidden; dir empty once made again, then only n; a made again.
    assert.equal(r.stdout, 'b\ndir\nn\n.\n..\nb\ndir\nagain\n');
    assert.equal(readFileSync(join(d, 'a'), 'utf8'), 'a');
    assert.equal(readFileSync(join(d, 'dir/x'), 'utf8'), 'dir/x');
    rmSync(d, { recursive: true });
  });

  test(`rename: files move, lower directories are copied by mv (EXDEV) (${as})`, () => {
    const d = scratch();
    mkdirSync(join(d, 'tree/deep'), { recursive: true });
    writeFileSync(join(d, 'tree/deep/f'), 'content');
    writeFileSync(join(d, 'file'), 'F');
    chmodSync(join(d, 'tree'), 0o777);
    const py = `import os, errno
try:
    os.rename('tree', 'moved'); print('renamed')
except OSError as e:
    print(errno.errorcode[e.errno])
os.rename('file', 'file2'); print(sorted(os.listdir('.')))`;
    const r = sh(`cd ${d} && python3 -c "${py}" && mv tree moved && cat moved/deep/f && echo && ls`, { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "EXDEV\n['file2', 'tree']\ncontent\nfile2\nmoved\n");
    assert.equal(readFileSync(join(d, 'file'), 'utf8'), 'F');
    assert.equal(existsSync(join(d, 'moved')), false);
    rmSync(d, { recursive: true });
  });

  test(`copy-up keeps the inode number; hard links share it (${as})`, () => {
    const r = sh('a=$(stat -c %i /etc/hosts); echo "# x" >> /etc/hosts; b=$(stat -c %i /etc/hosts); ln /etc/hosts /etc/hosts.l; c=$(stat -c "%i %h" /etc/hosts.l); [ "$a" = "$b" ] && [ "$c" = "$a 2" ] && echo same', { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'same\n');
  });
}

for (const as of USERS) {
  test(`copy-up keeps mode, owner, times and xattrs (${as})`, { skip: !isRoot && 'needs files of several owners' }, () => {
    const d = scratch();
    const f = join(d, 'owned');
    writeFileSync(f, 'data');
    chownSync(f, 1234, 5678);
    chmodSync(f, 0o4755);
    execFileSync('setfattr', ['-n', 'user.color', '-v', 'blue', f]);
    execFileSync('touch', ['-d', '2001-02-03 04:05:06', f]);
    const r = sh(`setfattr -n user.size -v big ${f} && stat -c '%u %g %a %y' ${f} && getfattr --absolute-names -d ${f} | grep user. && cat ${f}`, { as });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '1234 5678 4755 2001-02-03 04:05:06.000000000 +0000\nuser.color="blue"\nuser.size="big"\ndata');
    assert.deepEqual(execFileSync('getfattr', ['--absolute-names', '-d', f], { encoding: 'utf8' }).match(/user\.\w+/g), ['user.color']);
    rmSync(d, { recursive: true });
  });
}

test('--upper DIR keeps the writable layer across runs', () => {
  const u = scratch();
  let r = sh('echo kept > /etc/tuml-kept && rm /etc/hostname && mkdir -p /opt/tuml-new && echo y > /opt/tuml-new/f', { upper: u });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync('/etc/tuml-kept'), false);
  r = sh('cat /etc/tuml-kept /opt/tuml-new/f; test -e /etc/hostname || echo no-hostname', { upper: u });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'kept\ny\nno-hostname\n');
  assert.ok(existsSync('/etc/hostname'));
  assert.ok(statSync(join(u, 'upper/etc/tuml-kept')).isFile());
  rmSync(u, { recursive: true });
});

test('--rw-host writes through to the host', () => {
  const d = scratch();
  const r = tuml(['/bin/sh', '-c', `echo through > ${d}/f`], { rwHost: true });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(d, 'f'), 'utf8'), 'through\n');
  rmSync(d, { recursive: true });
});

test('bad --upper directories get a clear error', () => {
  let r = sh('true', { upper: '/nonexistent/tuml-upper' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /upper layer \/nonexistent\/tuml-upper: .*no such file or directory/i);
  const f = join(scratch(), 'file');
  writeFileSync(f, '');
  r = sh('true', { upper: f });
  assert.match(r.stderr, /not a directory/);
  r = tuml(['/bin/true'], { rwHost: true, args: ['--upper', '/tmp'] });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /exclude each other/);
  if (isRoot) {
    const locked = scratch();
    chmodSync(locked, 0o700);
    r = sh('true', { upper: locked, as: 'nobody' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /permission denied/);
    rmSync(locked, { recursive: true });
  }
});
