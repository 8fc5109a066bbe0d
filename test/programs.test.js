// Real programs inside tuml run, as the host user running the tests and (when
// that is root) as an unprivileged host user: the acceptance test of issue 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync, existsSync, chmodSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tuml, native, scratch, USERS, ROOT } from './helpers.js';

const BASH_SCRIPT = `
set -u
trap 'echo "trap: EXIT"' EXIT
trap 'echo "trap: USR1"' USR1
f() { echo "in f: $1"; }
f one
x=$(echo substituted | tr a-z A-Z)
echo "cmdsub: $x"
(cd /; echo "subshell pwd: $PWD"; exit 4); echo "subshell status: $?"
echo "pipe: $(printf 'c\\nb\\na\\n' | sort | head -2 | tr '\\n' ' ')"
{ echo to-file; echo again; } > "$D/out.txt"; echo appended >> "$D/out.txt"
wc -l < "$D/out.txt"
cat "$D/missing" 2>/dev/null || echo "redirect of stderr ok"
sleep 0.2 & p=$!; wait $p; echo "wait status: $?"
(exit 7) & wait $!; echo "bg status: $?"
kill -USR1 $$
for i in 1 2 3; do echo "loop $i"; done | while read l; do echo "[$l]"; done
echo done
`;

for (const as of USERS) {
  test(`bash: pipes, redirections, subshells, substitution, wait, traps (${as})`, () => {
    const d = scratch();
    const r = tuml(['/bin/bash', '-c', BASH_SCRIPT], { as, env: { ...process.env, D: d } });
    const n = native(['/bin/bash', '-c', BASH_SCRIPT], { env: { ...process.env, D: scratch() } });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, n.stdout);
    assert.equal(r.status, 0);
  });

  test(`coreutils: ls -l, cp -a, find | sort | xargs (${as})`, () => {
    const d = scratch();
    const src = join(d, 'src');
    cpSync(join(ROOT, 'test/fixtures/make'), src, { recursive: true });
    chmodSync(d, 0o777);
    const script = `cd ${d} && cp -a src copy && ls -l copy | sort && find copy -type f | sort | xargs wc -c && cmp src/main.c copy/main.c && echo same`;
    const r = tuml(['/bin/sh', '-c', script], { as });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /-rw-r--r-- +1 \S+ +\S+ +\d+ .* main\.c/);
    assert.match(r.stdout, /copy\/util\.h\n/);
    assert.match(r.stdout, / total\nsame\n$/);
    assert.deepEqual(readdirSync(join(d, 'copy')).sort(), readdirSync(src).sort());
  });

  test(`python3: a thread pool and a subprocess (${as})`, () => {
    const py = [
      'import concurrent.futures as f, subprocess, threading',
      'with f.ThreadPoolExecutor(4) as ex: print(sorted(ex.map(lambda x: x * x, range(8))))',
      'print(subprocess.run(["/bin/echo", "from child"], capture_output=True, text=True).stdout.strip())',
      'print(subprocess.run(["/bin/sh", "-c", "exit 5"]).returncode)',
      'print(threading.active_count())',
    ].join('\n');
    const r = tuml(['/usr/bin/python3', '-c', py], { as });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '[0, 1, 4, 9, 16, 25, 36, 49]\nfrom child\n5\n1\n');
    assert.equal(r.status, 0);
  });

  test(`gcc and make build and run a multi-file program (${as})`, () => {
    const d = scratch();
    cpSync(join(ROOT, 'test/fixtures/make'), d, { recursive: true });
    const r = tuml(['/bin/sh', '-c', `cd ${d} && make -s && ./prog`], { as, timeout: 120000 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'sum=55 fact=3628800\n');
    assert.equal(r.status, 0);
    assert.ok(existsSync(join(d, 'prog')));
  });

  test(`busybox (static) sh (${as})`, () => {
    const bb = ['/bin/busybox', '/usr/bin/busybox'].find(existsSync);
    assert.ok(bb, 'busybox-static must be installed (.ci/run installs it)');
    const r = tuml([bb, 'sh', '-c', 'echo $((6*7)); busybox echo static | busybox tr a-z A-Z; x=$(busybox seq 3 | busybox wc -l); echo $x'], { as });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '42\nSTATIC\n3\n');
  });
}
