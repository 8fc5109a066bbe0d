// Driving a terminal as a person would: a private tmux server (-L), a shell
// in a pane, keys sent with send-keys and the screen read with capture-pane.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export class Tmux {
  constructor(name, { cols = 100, rows = 30 } = {}) {
    this.sock = `tuml-${name}-${process.pid}`;
    this.t = 't';
    // A shell without rc files (this machine's root bashrc is slow) and a known prompt.
    this.run('-f', '/dev/null', 'new-session', '-d', '-s', this.t, '-x', String(cols), '-y', String(rows),
      'env', '-i', 'TERM=xterm', 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'HOME=/root', 'PS1=host$ ',
      'LC_ALL=C.UTF-8', 'bash', '--norc', '--noprofile');
  }

  run(...args) { return execFileSync('tmux', ['-L', this.sock, ...args], { encoding: 'utf8' }); }
  keys(...k) { this.run('send-keys', '-t', this.t, ...k); }
  line(text) { this.run('send-keys', '-t', this.t, '-l', text); this.keys('Enter'); }
  screen() { return this.run('capture-pane', '-p', '-t', this.t); }
  clear() { this.line('clear'); }
  resize(cols, rows) { this.run('resize-window', '-t', this.t, '-x', String(cols), '-y', String(rows)); }

  /** Waits until the screen matches re (polling); throws with the screen when it does not in time. */
  async waitFor(re, timeoutMs = 20000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      const m = s.match(re);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re} on screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The pid of the pane's shell's child (the command running in the foreground of the pane). */
  child() {
    const sh = this.run('display-message', '-p', '-t', this.t, '#{pane_pid}').trim();
    const kids = readFileSync(`/proc/${sh}/task/${sh}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : null;
  }

  kill() { try { this.run('kill-server'); } catch { /* gone */ } }
}
