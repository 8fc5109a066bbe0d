// The kernel's own permission checks (src/fs/permission.ts) and set-id exec
// (src/kernel/exec_creds.ts), seen the way a user sees them: root inside
// the guest, other users made with setpriv (which drops ids with setresuid
// and setgroups, as su does after PAM), in scratch directories. Run as the
// current host user and, when the tests are root, as an unprivileged host
// user too: the guest's users must not depend on the host's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, scratch, USERS, isRoot } from './helpers.js';

const AS1000 = 'setpriv --reuid=1000 --regid=1000 --clear-groups';
const AS1001 = 'setpriv --reuid=1001 --regid=1001 --clear-groups';

/** Runs a shell script inside tuml with cwd in a fresh scratch directory. */
function sh(script, as) {
  const d = scratch('tuml-perm-');
  return tuml(['/bin/sh', '-c', `cd ${d} && ${script}`], { as });
}

let ids; // a program that prints its ids and, given a path, tries to read it
before(() => {
  const d = scratch('tuml-perm-bin-');
  const src = join(d, 'ids.c');
  writeFileSync(src, `#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
int main(int argc, char **argv) {
  uid_t r, e, s; gid_t rg, eg, sg;
  getresuid(&r, &e, &s); getresgid(&rg, &eg, &sg);
  printf("uid %u euid %u suid %u gid %u egid %u secure %lu\\n", r, e, s, rg, eg, getauxval(AT_SECURE));
  if (argc > 1) {
    int fd = open(argv[1], O_RDONLY);
    printf("open %s: %s\\n", argv[1], fd < 0 ? strerror(errno) : "ok");
  }
  return 0;
}
`);
  ids = join(d, 'ids');
  execFileSync('gcc', ['-o', ids, src]);
  chmodSync(ids, 0o755);
});

for (const as of USERS) {
  test(`root's 0600 file in a 0700 directory: root reads it, another user is denied (${as})`, () => {
    const r = sh(`mkdir -m 700 root && echo secret > root/secret && chmod 600 root/secret &&
      cat root/secret && ${AS1000} cat root/secret; echo "status $?";
      ${AS1000} ls root; echo "status $?"`, as);
    assert.equal(r.stdout, 'secret\nstatus 1\nstatus 2\n');
    assert.match(r.stderr, /cat: root\/secret: Permission denied/);
    assert.match(r.stderr, /ls: cannot open directory 'root': Permission denied/);
  });

  test(`su to nobody: root's secret is denied to nobody, root reads it (${as})`, () => {
    const r = sh(`mkdir -m 700 root && echo secret > root/secret && chmod 600 root/secret && cat root/secret &&
      su -s /bin/sh nobody -c 'id -u; cat root/secret'; echo "status $?"`, as);
    assert.equal(r.stdout, 'secret\n65534\nstatus 1\n');
    assert.match(r.stderr, /cat: root\/secret: Permission denied/);
  });

  test(`a setuid-root program run by uid 1000 gets euid 0 and AT_SECURE, not under no_new_privs (${as})`, () => {
    const r = sh(`cp ${ids} ./ids && chmod 4755 ids && mkdir -m 700 root && echo s > root/secret && chmod 600 root/secret &&
      ${AS1000} ./ids root/secret && ${AS1000} --no-new-privs ./ids root/secret &&
      chgrp 0 ids && chmod 2755 ids && ${AS1000} ./ids`, as);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, [
      'uid 1000 euid 0 suid 0 gid 1000 egid 1000 secure 1', 'open root/secret: ok',
      'uid 1000 euid 1000 suid 1000 gid 1000 egid 1000 secure 0', 'open root/secret: Permission denied',
      'uid 1000 euid 1000 suid 1000 gid 1000 egid 0 secure 1', ''].join('\n'));
  });

  test(`capabilities follow Linux's root rules across exec (${as})`, () => {
    // uid 1000 has none after exec; a setuid-root program has them all; a
    // program that drops to 1000 with keepcaps keeps none across exec.
    const r = sh(`cp ${ids} ./ids && chmod 4755 ids && ${AS1000} grep CapEff /proc/self/status &&
      cp /bin/grep ./sgrep && chmod 4755 sgrep && ${AS1000} ./sgrep CapEff /proc/self/status`, as);
    assert.equal(r.stdout, 'CapEff:\t0000000000000000\nCapEff:\t000001ffffffffff\n');
  });

  test(`a sticky directory keeps another user's file from being removed or renamed (${as})`, () => {
    const r = sh(`mkdir -m 1777 st && chmod 1777 st && echo a > st/a && chmod 666 st/a &&
      ${AS1001} rm -f st/a; ${AS1001} mv st/a st/b; ls st; rm st/a && echo removed by root`, as);
    assert.match(r.stderr, /rm: cannot remove 'st\/a': Operation not permitted/);
    assert.match(r.stderr, /mv: cannot move 'st\/a' to 'st\/b': Operation not permitted/);
    assert.equal(r.stdout, 'a\nremoved by root\n');
  });

  test(`chmod, chown and utimes by a user who does not own the file fail with EPERM (${as})`, () => {
    // touch -c: times to now need write permission (EACCES), other times ownership (EPERM).
    const r = sh(`echo x > f && ${AS1000} chmod 777 f; ${AS1000} chown 1000 f; ${AS1000} touch -c f; ${AS1000} touch -c -d @5 f; stat -c %a f`, as);
    assert.equal(r.stderr, [
      "chmod: changing permissions of 'f': Operation not permitted",
      "chown: changing ownership of 'f': Operation not permitted",
      "touch: setting times of 'f': Permission denied",
      "touch: setting times of 'f': Operation not permitted", ''].join('\n'));
    assert.equal(r.stdout, '644\n');
  });

  test(`a write by another user clears the setuid and setgid bits; root's does not (${as})`, () => {
    const r = sh(`echo x > f && chmod 6777 f && echo y >> f && stat -c %a f &&
      ${AS1000} sh -c 'echo z >> f' && stat -c %a f && chmod 4777 f && ${AS1000} truncate -s 0 f && stat -c %a f`, as);
    assert.equal(r.stderr, '');
    // Behind hostfs, an unprivileged host user's write clears the bits on
    // the host whoever the guest's writer is (the host's rule, as in UML).
    assert.equal(r.stdout, `${as === 'nobody' ? '777' : '6777'}\n777\n777\n`);
  });

  test(`creating needs write and search permission on the directory (${as})`, () => {
    const r = sh(`mkdir -m 755 d && ${AS1000} touch d/f; ${AS1000} mkdir d/e; ${AS1000} ln -s x d/l; chmod 777 d && ${AS1000} sh -c ': > d/f' && ls d`, as);
    assert.match(r.stderr, /touch: cannot touch 'd\/f': Permission denied/);
    assert.match(r.stderr, /mkdir: cannot create directory .d\/e.: Permission denied/);
    assert.match(r.stderr, /ln: failed to create symbolic link 'd\/l': Permission denied/);
    assert.equal(r.stdout, 'f\n');
  });
}

test('chown and chmod by root show in ls -ln; a setgid directory gives its group to new files and its bit to new directories',
  { skip: !isRoot && 'chown on hostfs needs the host user to be root' }, () => {
  // As the host user that owns the files (root): the unprivileged host user
  // cannot chown on hostfs (UML's semantics); tmpfs and the overlay root can.
  const r = sh(`echo hi > f && chown 1000:1000 f && chmod 4755 f && ls -ln f | cut -d' ' -f1,3,4 &&
    mkdir -m 2775 sg && chgrp 1002 sg && chmod 2777 sg &&
    setpriv --reuid=1000 --regid=1000 --groups=1002 sh -c 'touch sg/f && mkdir sg/d && chmod 2755 sg/f' &&
    ${AS1001} sh -c 'touch sg/g && chmod 2755 sg/g' && stat -c '%n %u %g %a' sg/f sg/d sg/g`, 'self');
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '-rwsr-xr-x 1000 1000\nsg/f 1000 1002 2755\nsg/d 1000 1002 2755\nsg/g 1001 1002 755\n');
});
