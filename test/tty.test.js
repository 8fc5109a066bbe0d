// The console on a real terminal (issue 3), driven through tmux as a person
// would: tuml runs in a tmux pane, keys go in with send-keys, the screen is
// read with capture-pane. The guest shell is `setsid -w -c bash` (a new
// session whose controlling terminal is the console).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TUML, scratch } from './helpers.js';
import { Tmux } from './tty_tmux.js';

const GUEST = `PS1='guest# ' node ${TUML} run --rw-host -- setsid -w -c bash --norc --noprofile -i`;
let tm;
const dir = scratch('tuml-tty-');

/** Starts the guest shell in the pane, remembering the host terminal's mode first. */
async function startGuest(name, cmd = GUEST) {
  tm.clear();
  await tm.waitFor(/host\$ ?$/m);
  tm.line(`stty -g > ${dir}/${name}.before; ${cmd}; echo "status=$?"; stty -g > ${dir}/${name}.after`);
  if (cmd === GUEST) await tm.waitFor(/^guest# ?$/m);
}

async function ended(name) {
  const m = await tm.waitFor(/status=(\d+)/);
  await tm.waitFor(/host\$ ?$/m);
  // stty -g of the pane before tuml ran and after it ended.
  for (let i = 0; i < 50; i++) {
    try { if (readFileSync(`${dir}/${name}.after`, 'utf8')) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { status: Number(m[1]), before: readFileSync(`${dir}/${name}.before`, 'utf8'), after: readFileSync(`${dir}/${name}.after`, 'utf8') };
}

/** Runs a command line in the guest and waits for the prompt after its output. */
async function sh(cmd, until = /^guest# ?$/m) {
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.line(cmd);
  return tm.waitFor(until);
}

before(async () => {
  tm = new Tmux('tty');
  await tm.waitFor(/host\$ ?$/m);
  await startGuest('main');
});
after(() => tm?.kill());

test('a root shell on the console: id, tty, ps, stty -a', async () => {
  await sh('id', /uid=0\(root\) gid=0\(root\)[^\n]*\n/);
  await sh('tty', /^\/dev\/console$/m);
  const m = await sh('echo pid=$$; ps -o pid=,tty=,stat=,comm= -p $$', /pid=(\d+)\n\s*(\d+) (\S+)\s+(\S+)\s+bash/);
  assert.equal(m[1], m[2], 'echo $$ and ps agree');
  assert.equal(m[3], 'console');
  assert.match(m[4], /s/, 'bash is a session leader');
  const s = (await sh('stty -a; echo END', /^END$/m)).input;
  assert.match(s, /speed 38400 baud; rows 30; columns 100; line = 0;/);
  assert.match(s, /intr = \^C; quit = \^\\; erase = \^\?; kill = \^U; eof = \^D;/);
  assert.match(s, / icrnl ixon /);
  assert.match(s, /opost [^\n]* onlcr /);
  assert.match(s, /isig icanon iexten echo echoe echok -echonl/);
});

test('^C interrupts, ^Z stops, jobs/bg/fg, cat ends on ^D', async () => {
  await sh('sleep 100', /sleep 100\n/);
  tm.keys('C-c');
  await tm.waitFor(/\^C\nguest# ?$/m);
  await sh('sleep 100', /sleep 100\n/);
  tm.keys('C-z');
  await tm.waitFor(/\[1\]\+\s+Stopped\s+sleep 100\nguest# ?$/m);
  await sh('jobs', /\[1\]\+\s+Stopped\s+sleep 100\n/);
  await sh('bg', /\[1\]\+ sleep 100 &\n/);
  await sh('jobs', /\[1\]\+\s+Running\s+sleep 100 &\n/);
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.line('fg');
  await tm.waitFor(/^sleep 100$/m);
  tm.keys('C-c');
  await tm.waitFor(/\^C\nguest# ?$/m);
  await sh('jobs; echo jobs-done', /^jobs-done$/m);
  assert.doesNotMatch(tm.screen(), /Stopped|Running/);
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.line('cat; echo "cat-status=$?"');
  tm.line('hello there');
  await tm.waitFor(/^hello there\nhello there$/m);
  tm.keys('C-d');
  await tm.waitFor(/^cat-status=0\nguest# ?$/m);
});

test('line editing: erase, werase, kill, lnext', async () => {
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.line('cat');
  tm.run('send-keys', '-t', tm.t, '-l', 'abX');
  tm.keys('BSpace');
  tm.run('send-keys', '-t', tm.t, '-l', 'c one two');
  tm.keys('C-w');
  tm.run('send-keys', '-t', tm.t, '-l', 'three');
  tm.keys('Enter');
  await tm.waitFor(/^abc one three\nabc one three$/m);
  tm.run('send-keys', '-t', tm.t, '-l', 'gone');
  tm.keys('C-u');
  tm.run('send-keys', '-t', tm.t, '-l', 'kept');
  tm.keys('Enter');
  await tm.waitFor(/^kept\nkept$/m);
  tm.keys('C-d');
  await tm.waitFor(/^guest# ?$/m);
});

test('busybox vi edits and saves a file; less pages and quits; top draws and quits', async () => {
  const file = join(dir, 'vi.txt');
  writeFileSync(file, 'first line\n');
  await sh(`busybox vi ${file}`, /first line/);
  tm.keys('G', 'o');
  tm.run('send-keys', '-t', tm.t, '-l', 'added in vi');
  await tm.waitFor(/added in vi/);
  tm.keys('Escape');
  // busybox vi takes ESC and a key within 50 ms as one escape sequence, as a
  // person typing never would: let its timeout pass before the command.
  await new Promise((r) => setTimeout(r, 300));
  tm.line(':wq');
  await tm.waitFor(/^guest# ?$/m);
  assert.equal(readFileSync(file, 'utf8'), 'first line\nadded in vi\n');

  writeFileSync(join(dir, 'long.txt'), Array.from({ length: 300 }, (_, i) => `row ${i + 1}`).join('\n') + '\n');
  await sh(`less ${dir}/long.txt`, /^row 29\n/m);
  tm.keys('Space');
  await tm.waitFor(/^row 58$/m);
  tm.keys('q');
  await tm.waitFor(/^guest# ?$/m);

  await sh('top -d 1', /PID USER[^\n]*COMMAND/);
  await tm.waitFor(/\bbash\b/);
  tm.keys('q');
  await tm.waitFor(/^guest# ?$/m);
});

test('resizing the terminal changes stty size and sends SIGWINCH', async () => {
  await sh(`trap 'echo got-WINCH' WINCH`);
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.resize(90, 25);
  await tm.waitFor(/got-WINCH/);
  await sh('stty size', /^25 90$/m);
  tm.resize(100, 30);
  await tm.waitFor(/got-WINCH/);
  await sh('stty size', /^30 100$/m);
});

test('script runs a command on a pseudo-terminal', async () => {
  await sh(`script -qc 'tty; echo ok' /dev/null`, /^\/dev\/pts\/\d+\r?\nok\r?$/m);
});

test('exit 3 ends tuml with status 3 and the terminal mode restored', async () => {
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.line('exit 3');
  const r = await ended('main');
  assert.equal(r.status, 3);
  assert.equal(r.after, r.before);
});

test('kill -9 of the guest shell in raw mode: tuml ends, the terminal mode is restored', async () => {
  await startGuest('kill9');
  // The shell leaves the console raw and dies; the console hangs up (its
  // session leader is gone) but setsid's fds came through /dev/console and
  // still work: it reports the signal and exits with the wait status, 9.
  tm.line('stty raw -echo; kill -9 $$');
  const r = await ended('kill9');
  assert.match(tm.screen(), /setsid: child \d+ did not exit normally/);
  assert.equal(r.status, 9);
  assert.equal(r.after, r.before);
});

test('SIGTERM to tuml: the terminal mode is restored', async () => {
  await startGuest('term');
  const pid = tm.child();
  assert.ok(pid, 'tuml runs in the pane');
  process.kill(pid, 'SIGTERM');
  const r = await ended('term');
  assert.equal(r.status, 143);
  assert.equal(r.after, r.before);
});

test('tuml with no arguments boots to a root login shell on the terminal', async () => {
  // The machine's own boot: the boot script mounts /dev and runs $SHELL -l as
  // a session leader on the console. The prompt is the host's root profile's;
  // any prompt ending in '# ' will do, then a known one is set.
  await startGuest('boot', `SHELL=/bin/bash node ${TUML} quiet`);
  await tm.waitFor(/# ?$/m, 60000);
  tm.line("PS1='guest# '");
  await sh('id', /uid=0\(root\) gid=0\(root\)[^\n]*\n/);
  await sh('tty', /^\/dev\/console$/m);
  const m = await sh('echo pid=$$; ps -o pid=,tty=,stat=,comm= -p $$', /pid=(\d+)\n\s*(\d+) (\S+)\s+(\S+)\s+bash/);
  assert.equal(m[1], m[2], 'echo $$ and ps agree');
  assert.match(m[4], /s/, 'the login shell leads its session');
  await sh('hostname; ps -o pid= -p 1 | wc -l', /^tuml\n1$/m);
  tm.clear();
  await tm.waitFor(/^guest# ?$/m);
  tm.line('exit 3');
  const r = await ended('boot');
  assert.equal(r.status, 3);
  assert.equal(r.after, r.before);
});

test('poweroff in the booted machine (the distribution\'s, through init) powers it off: tuml ends with status 0', async () => {
  await startGuest('poweroff', `SHELL=/bin/bash node ${TUML} quiet`);
  await tm.waitFor(/# ?$/m, 60000);
  tm.line("PS1='guest# '");
  await tm.waitFor(/^guest# ?$/m);
  tm.line('poweroff');
  const r = await ended('poweroff');
  assert.equal(r.status, 0);
  assert.equal(r.after, r.before);
  assert.match(tm.screen(), /reboot: Power down/);
});
