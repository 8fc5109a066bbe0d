// Differential tests: every C program in test/guest/ is compiled once, then run
// natively and inside tuml (`node dist/cli/main.js run -- <binary>`); stdout and
// the exit status must be identical.
//
// Environment variables:
//   TUML_GUEST_FILTER=regex   only programs whose name (without .c) matches
//   TUML_GUEST_NATIVE_ONLY=1  self-check of the suite: compare two native runs
//                             instead of native vs tuml (tuml is not run)
//   TUML_GUEST_SETPRIV=1      run both sides as uid/gid 65534 with no groups
//                             (setpriv --reuid=65534 --regid=65534 --clear-groups);
//                             the test process itself must be root
//   TUML_GUEST_KEEP=1         keep the temp dir: binaries in bin/, each run's
//                             stdout/stderr in out/<name>.{native,tuml}.{stdout,stderr}
//   TUML_GUEST_TIMEOUT=ms     per-run timeout (default 30000)
//   TUML_GUEST_ROOT=overlay   run on tuml's default root instead of --rw-host

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const srcDir = path.join(here, 'guest');
const cli = path.join(root, 'dist', 'cli', 'main.js');

const filter = process.env.TUML_GUEST_FILTER ? new RegExp(process.env.TUML_GUEST_FILTER) : null;
const nativeOnly = process.env.TUML_GUEST_NATIVE_ONLY === '1';
const asNobody = process.env.TUML_GUEST_SETPRIV === '1';
const keep = process.env.TUML_GUEST_KEEP === '1';
// The programs write in a scratch directory of the host: by default they run
// on the host's / written through (--rw-host); TUML_GUEST_ROOT=overlay runs
// them on tuml's default root (the host's / read-only under tmpfs).
const rootArgs = process.env.TUML_GUEST_ROOT === 'overlay' ? [] : ['--rw-host'];
const timeout = Number(process.env.TUML_GUEST_TIMEOUT || 30000);
const SETPRIV = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];

const programs = fs
  .readdirSync(srcDir)
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2))
  .filter((name) => !filter || filter.test(name))
  .sort();

// The guest's environment is fixed so that both runs see the same one.
const guestEnv = {
  PATH: '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin',
  LC_ALL: 'C',
  LANG: 'C',
  HOME: '/',
};
// Pass the kernel's own knobs through to the tuml process.
for (const [k, v] of Object.entries(process.env)) {
  if (k.startsWith('TUML_') && !k.startsWith('TUML_GUEST_')) guestEnv[k] = v;
}

// Programs that show a gap the kernel still has, with the reason. They run and
// report like the others but as TODO (node:test counts them apart: a todo
// neither passes nor fails the run). An entry leaves this list when the gap
// is closed; a program that starts passing shows "# TODO" passing in the report.
const KNOWN_GAPS = {};

let workDir; // binaries in workDir/bin, scratch cwds in workDir/run-*
const compiled = new Map(); // name -> { ok, binary, log }
let runCounter = 0;

function compile(name) {
  return new Promise((resolve) => {
    const binary = path.join(workDir, 'bin', name);
    const args = ['-Wall', '-O1', '-pthread', '-o', binary, path.join(srcDir, `${name}.c`)];
    const child = spawn('gcc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', (err) => resolve({ ok: false, binary, log: `cannot run gcc: ${err.message}` }));
    child.on('close', (code) => {
      if (code === 0) fs.chmodSync(binary, 0o755); // runnable by the unprivileged user whatever the umask
      resolve({ ok: code === 0, binary, log });
    });
  });
}

before(async () => {
  if (asNobody && process.getuid() !== 0) throw new Error('TUML_GUEST_SETPRIV=1 needs the tests to run as root');
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuml-guest-suite-'));
  fs.chmodSync(workDir, 0o755); // readable by the unprivileged user too
  fs.mkdirSync(path.join(workDir, 'bin'), { mode: 0o755 });
  fs.mkdirSync(path.join(workDir, 'out'));
  // Compile in parallel, a few at a time.
  const queue = [...programs];
  const jobs = Math.max(1, Math.min(os.cpus().length, 8));
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (queue.length) {
        const name = queue.shift();
        compiled.set(name, await compile(name));
      }
    }),
  );
});

after(() => {
  if (!workDir) return;
  if (keep) {
    console.log(`guest test files kept in ${workDir}`);
    return;
  }
  fs.rmSync(workDir, { recursive: true, force: true });
});

function freshCwd() {
  const dir = path.join(workDir, `run-${++runCounter}`);
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o777);
  return dir;
}

// Run a command line; returns { status, stdout, stderr, error }.
// status follows the shell convention: exit code, or 128+N if killed by signal N.
function run(argv) {
  const full = asNobody ? [...SETPRIV, ...argv] : argv;
  const r = spawnSync(full[0], full.slice(1), {
    cwd: freshCwd(),
    env: guestEnv,
    input: '',
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'latin1', // byte-exact comparison of arbitrary output
  });
  let status = r.status;
  if (status === null && r.signal) status = 128 + os.constants.signals[r.signal];
  let error = null;
  if (r.error) error = r.error.code === 'ETIMEDOUT' ? `timed out after ${timeout} ms` : String(r.error);
  return { status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error };
}

// Line diff (LCS) with a little context; "-" lines are native, "+" are tuml.
function diffLines(a, b, context = 3) {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  if (n * m > 4_000_000) {
    let i = 0;
    while (i < n && i < m && x[i] === y[i]) i++;
    return `(outputs too large for a full diff; first difference at line ${i + 1})\n- ${x[i] ?? '<end>'}\n+ ${y[i] ?? '<end>'}`;
  }
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push([' ', x[i++], j++]);
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) ops.push(['+', y[j++]]);
    else ops.push(['-', x[i++]]);
  }
  const show = ops.map((op, k) => {
    if (op[0] !== ' ') return true;
    for (let d = -context; d <= context; d++) if (ops[k + d] && ops[k + d][0] !== ' ') return true;
    return false;
  });
  const out = [];
  let skipped = false;
  ops.forEach((op, k) => {
    if (show[k]) {
      out.push(`${op[0]} ${op[1]}`);
      skipped = false;
    } else if (!skipped) {
      out.push('  ...');
      skipped = true;
    }
  });
  return out.join('\n');
}

// Programs make their scratch dirs as /tmp/tuml-guest-XXXXXX, announce each on
// stderr ("tuml-guest-tmpdir: <path>") and remove it at exit. One that crashes
// or times out leaves its dir behind (and so may tuml, if guest writes reach
// the host): remove exactly the announced dirs after each test, never others,
// since other runs of the same programs may be using theirs.
const TMPDIR_LINE = /^tuml-guest-tmpdir: (\/tmp\/tuml-guest-[A-Za-z0-9]{6})$/gm;
function makeWritable(dir) {
  try {
    fs.chmodSync(dir, 0o700);
    for (const e of fs.readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) makeWritable(path.join(dir, e.name));
  } catch {
    // not ours to fix
  }
}
function removeAnnouncedDirs(...stderrs) {
  for (const text of stderrs) {
    for (const m of text.matchAll(TMPDIR_LINE)) {
      const dir = m[1];
      if (!fs.existsSync(dir)) continue;
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        makeWritable(dir); // e.g. a mode-0000 directory left by file_umask
        try {
          fs.rmSync(dir, { recursive: true, force: true });
        } catch {
          // leave it; it does not affect the results
        }
      }
    }
  }
}

// Every program reaps its children, so once a test is over any process still
// executing one of our binaries (they live in this run's private workDir) is
// a stray, e.g. the child of a run that timed out. Kill those.
function killStrays(binary) {
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let exe;
    try {
      exe = fs.readlinkSync(`/proc/${e}/exe`);
    } catch {
      continue;
    }
    if (exe === binary || exe === `${binary} (deleted)`) {
      try {
        process.kill(Number(e), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

// stderr without the tmpdir announcements
function quiet(s) {
  return s.replace(TMPDIR_LINE, '').replace(/^\n+/gm, '').trim();
}

function tail(s, max = 4000) {
  return s.length > max ? `...${s.slice(-max)}` : s;
}

// Programs that set up files of other users (chown) as root before dropping
// to them say TUML_GUEST_NEEDS_ROOT in their source: the unprivileged host
// user can do that neither natively nor behind hostfs, so the comparison
// would show nothing; they are skipped (and reported so) in the nobody run.
const needsRoot = (name) => fs.readFileSync(path.join(srcDir, `${name}.c`), 'latin1').includes('TUML_GUEST_NEEDS_ROOT');

for (const name of programs) {
  const todo = !nativeOnly && KNOWN_GAPS[name];
  const skip = asNobody && needsRoot(name) ? 'needs root on the host to set up other users\' files' : undefined;
  test(`guest/${name}${asNobody ? ' (nobody)' : ''}${rootArgs.length ? '' : ' (default root)'}`, { timeout: 3 * timeout, ...(todo ? { todo } : {}), ...(skip ? { skip } : {}) }, (t) => {
    const stderrs = [];
    const c = compiled.get(name);
    t.after(() => {
      if (c) killStrays(c.binary);
      removeAnnouncedDirs(...stderrs);
    });
    assert.ok(c, `${name} was not compiled`);
    assert.ok(c.ok, `${name}.c failed to compile:\n${c.log}`);
    if (c.log.trim()) t.diagnostic(`gcc warnings:\n${c.log}`);

    const native = run([c.binary]);
    stderrs.push(native.stderr);
    assert.equal(native.error, null, `native run of ${name}: ${native.error}\nstderr:\n${tail(native.stderr)}`);
    // Every program exits 0 natively; anything else is a problem with the
    // program or the host, and comparing against it would prove nothing.
    assert.equal(
      native.status,
      0,
      `native run of ${name} exited ${native.status}\nstdout:\n${tail(native.stdout)}\nstderr:\n${tail(native.stderr)}`,
    );

    let guest;
    let label;
    if (nativeOnly) {
      label = 'second native run';
      guest = run([c.binary]);
    } else {
      assert.ok(fs.existsSync(cli), `${cli} does not exist (build the kernel with npm run build)`);
      label = 'tuml';
      guest = run([process.execPath, cli, 'run', ...rootArgs, '--', c.binary]);
    }
    stderrs.push(guest.stderr);
    if (keep) {
      const base = path.join(workDir, 'out', name);
      fs.writeFileSync(`${base}.native.stdout`, native.stdout, 'latin1');
      fs.writeFileSync(`${base}.native.stderr`, native.stderr, 'latin1');
      const tag = nativeOnly ? 'native2' : 'tuml';
      fs.writeFileSync(`${base}.${tag}.stdout`, guest.stdout, 'latin1');
      fs.writeFileSync(`${base}.${tag}.stderr`, guest.stderr, 'latin1');
    }
    const problems = [];
    if (guest.error) problems.push(`${label} run: ${guest.error}`);
    if (guest.status !== native.status)
      problems.push(`exit status: native ${native.status}, ${label} ${guest.status}`);
    if (guest.stdout !== native.stdout)
      problems.push(`stdout differs (- native, + ${label}):\n${diffLines(native.stdout, guest.stdout)}`);
    if (problems.length) {
      const gErr = quiet(guest.stderr);
      const nErr = quiet(native.stderr);
      if (gErr) problems.push(`${label} stderr:\n${tail(gErr)}`);
      if (nErr) problems.push(`native stderr:\n${tail(nErr)}`);
      assert.fail(`${name}:\n${problems.join('\n\n')}`);
    }
  });
}
