// The line discipline (drivers/tty/n_tty.c): what a terminal does between the
// bytes a device delivers and what programs read and write. Canonical mode
// edits a line (erase, kill, werase, reprint, lnext) and hands it over at a
// delimiter; raw mode hands bytes over as VMIN/VTIME say. Echo, the ISIG
// characters (^C ^\ ^Z), IXON flow control and the iflag/oflag translations
// are done here too.
import { Errno, E } from '../../host/errno.js';
import { sleepOn } from '../../kernel/sched.js';
import type { Task } from '../../kernel/task.js';
import { I, L, OF, V, VDISABLE, type Termios } from './termios.js';
import type { Tty } from './tty_io.js';
import { SIG } from '../../kernel/signal.js';

export const N_TTY_BUF_SIZE = 4096;
/** TTYB_DEFAULT_MEM_LIMIT: what a tty's flip buffers hold before the driver must wait. */
const TTY_BUFFER_SIZE = 65536;
/** The mark a VEOF leaves in the buffer (__DISABLED_CHAR in Linux): it ends a line and is not read. */
const EOF_MARK = -1;

const isCntrl = (c: number) => c < 32 || c === 127;

export class NTty {
  /** Received characters (EOF_MARK for a VEOF) from tail on; delimiter flags alongside. */
  private buf: number[] = [];
  private delim: boolean[] = [];
  private tail = 0;
  /** End of the complete lines (canonical mode): what a reader may take. */
  private canonHead = 0;
  /** Output column, and the column where the line being edited began (for erasing tabs). */
  column = 0;
  private canonColumn = 0;
  /** The next character is taken literally (after VLNEXT). */
  private lnext = false;
  /** Erasing with ECHOPRT: inside the \...\/ bracket. */
  private erasing = false;
  /** ^S stopped the output (IXON). */
  stopped = false;

  constructor(readonly tty: Tty) {}

  private get t(): Termios { return this.tty.termios; }
  private get head(): number { return this.buf.length; }
  private lflag(f: number): boolean { return (this.t.lflag & f) !== 0; }
  private iflag(f: number): boolean { return (this.t.iflag & f) !== 0; }

  /** Bytes waiting to be read (FIONREAD): complete lines in canonical mode. */
  available(): number {
    const end = this.lflag(L.ICANON) ? this.canonHead : this.head;
    let n = 0;
    for (let i = this.tail; i < end; i++) if (this.buf[i] !== EOF_MARK) n++;
    return n;
  }

  /** Whether a read would not block (input_available_p). */
  readable(poll: boolean): boolean {
    if (this.lflag(L.ICANON)) return this.canonHead > this.tail;
    const min = this.t.cc[V.MIN], time = this.t.cc[V.TIME];
    const amt = poll && !time && min ? min : 1;
    return this.head - this.tail >= amt;
  }

  /** How many more bytes the buffer takes (a pty writer waits when 0). */
  receiveRoom(): number {
    const used = this.head - this.tail;
    // Outside canonical mode the device's flip buffers (64 KiB in Linux) hold input besides n_tty's 4 KiB.
    if (!this.lflag(L.ICANON)) return Math.max(0, TTY_BUFFER_SIZE + N_TTY_BUF_SIZE - 1 - used);
    let left = N_TTY_BUF_SIZE - 1 - used;
    // A canonical line that fills the buffer still takes its newline.
    if (left <= 0 && this.lflag(L.ICANON) && this.canonHead === this.tail) left = 1;
    return Math.max(0, left);
  }

  /** Drops all input (TCFLSH TCIFLUSH, ISIG without NOFLSH). */
  flushInput(): void {
    this.buf = []; this.delim = []; this.tail = 0; this.canonHead = 0;
    this.lnext = false; this.erasing = false;
    this.tty.wakeAll();
  }

  /** termios changed (n_tty_set_termios): leaving canonical mode makes the partial line readable. */
  setTermios(old: Termios): void {
    const wasCanon = (old.lflag & L.ICANON) !== 0;
    const canon = this.lflag(L.ICANON);
    if (wasCanon && !canon) { this.canonHead = this.head; this.erasing = false; }
    if (!wasCanon && canon) {
      // Bytes that came in raw mode and are still unread become one line
      // that a canonical read returns at once (n_tty_set_termios's push):
      // keys typed before a shell handed the terminal to a program are not lost.
      if (this.head > this.tail) { this.delim[this.head - 1] = true; this.canonHead = this.head; } else this.canonHead = this.tail;
      this.canonColumn = this.column;
    }
    // Turning IXON off restarts a stopped output.
    if (!this.iflag(I.IXON) && this.stopped) this.start();
    this.tty.wakeAll();
  }

  private compact(): void {
    if (this.tail > 1024 && this.tail * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.tail); this.delim = this.delim.slice(this.tail);
      this.canonHead -= this.tail; this.tail = 0;
    }
  }

  private put(c: number, delim = false): void {
    this.buf.push(c); this.delim.push(delim);
  }

  // ---- input ----

  /** The driver delivers bytes (n_tty_receive_buf); returns how many it took. */
  receive(data: Buffer): number {
    let n = 0;
    if (this.isRealRaw()) {
      // n_tty_receive_buf_real_raw: nothing to look at, the bytes go in as they are.
      for (const b of data) { this.buf.push(b); this.delim.push(false); }
      n = data.length;
    } else {
      for (const b of data) { this.receiveChar(b); n++; }
    }
    this.tty.flushEchoes();
    this.tty.wakeAll();
    return n;
  }

  /** No input processing at all (a pty master, a raw program): the fast path. */
  private isRealRaw(): boolean {
    const t = this.t;
    return !this.lnext && !(t.lflag & (L.ISIG | L.ICANON | L.ECHO | L.ECHONL | L.IEXTEN)) &&
      !(t.iflag & (I.IXON | I.ISTRIP | I.IUCLC | I.ICRNL | I.INLCR | I.IGNCR | I.PARMRK));
  }

  private receiveChar(c: number): void {
    const t = this.t;
    if (this.iflag(I.ISTRIP)) c &= 0x7f;
    if (this.iflag(I.IUCLC) && this.lflag(L.IEXTEN) && c >= 65 && c <= 90) c += 32;
    if (this.lnext) { this.lnext = false; this.receiveLiteral(c); return; }
    const cc = (v: number) => t.cc[v] !== VDISABLE && c === t.cc[v];
    if (this.iflag(I.IXON)) {
      if (cc(V.START)) { this.start(); return; }
      if (cc(V.STOP)) { this.stop(); return; }
      if (this.stopped && this.iflag(I.IXANY)) this.start();
    }
    if (this.lflag(L.ISIG)) {
      if (cc(V.INTR)) { this.signalChar(SIG.INT, c); return; }
      if (cc(V.QUIT)) { this.signalChar(SIG.QUIT, c); return; }
      if (cc(V.SUSP)) { this.signalChar(SIG.TSTP, c); return; }
    }
    if (c === 13) {
      if (this.iflag(I.IGNCR)) return;
      if (this.iflag(I.ICRNL)) c = 10;
    } else if (c === 10 && this.iflag(I.INLCR)) c = 13;
    if (this.lflag(L.ICANON)) {
      if (cc(V.ERASE) || cc(V.KILL) || (cc(V.WERASE) && this.lflag(L.IEXTEN))) { this.eraser(c); return; }
      if (cc(V.LNEXT) && this.lflag(L.IEXTEN)) {
        this.lnext = true;
        if (this.lflag(L.ECHO)) { this.finishErasing(); if (this.lflag(L.ECHOCTL)) this.tty.echo(Buffer.from('^\b')); }
        return;
      }
      if (cc(V.REPRINT) && this.lflag(L.ECHO) && this.lflag(L.IEXTEN)) { this.reprint(c); return; }
      if (c === 10) {
        if (this.lflag(L.ECHO) || this.lflag(L.ECHONL)) { this.finishErasing(); this.tty.echo(Buffer.from([10])); }
        this.endLine(10);
        return;
      }
      if (cc(V.EOF)) { this.finishErasing(); this.endLine(EOF_MARK); return; }
      if (cc(V.EOL) || (cc(V.EOL2) && this.lflag(L.IEXTEN))) {
        if (this.lflag(L.ECHO)) { this.finishErasing(); this.echoChar(c); }
        this.endLine(c);
        return;
      }
    }
    if (this.lflag(L.ECHO)) {
      this.finishErasing();
      if (c === 10) this.tty.echo(Buffer.from([10])); else this.echoChar(c);
    }
    this.put(c);
  }

  private receiveLiteral(c: number): void {
    if (this.lflag(L.ECHO)) { this.finishErasing(); if (c === 10) this.tty.echo(Buffer.from([10])); else this.echoChar(c); }
    this.put(c);
  }

  private endLine(c: number): void {
    this.put(c, true);
    this.canonHead = this.head;
    this.canonColumn = this.column;
  }

  /** echo_char: control characters as ^X with ECHOCTL (but tab, newline, and ^Q/^S as typed). */
  private echoChar(c: number): void {
    if (this.lflag(L.ECHOCTL) && isCntrl(c) && c !== 9 && c !== 10) this.tty.echo(Buffer.from([0x5e, c ^ 0o100]));
    else this.tty.echo(Buffer.from([c]));
  }

  private finishErasing(): void {
    if (this.erasing) { this.tty.echo(Buffer.from('/')); this.erasing = false; }
  }

  /** ^C ^\ ^Z (n_tty_receive_signal_char): flush unless NOFLSH, signal the foreground group, echo. */
  private signalChar(sig: number, c: number): void {
    // The signal first: a reader asleep here is interrupted by it rather than woken by the flush.
    this.tty.signalForeground(sig);
    if (!this.lflag(L.NOFLSH)) { this.flushInput(); this.tty.flushOutput(); }
    if (this.iflag(I.IXON)) this.start();
    if (this.lflag(L.ECHO)) this.echoChar(c);
    // The line being edited is gone; the echo starts a new one.
    this.canonColumn = this.column;
  }

  /** The characters of the line being edited. */
  private lineStart(): number { return Math.max(this.canonHead, this.tail); }

  /** ERASE, WERASE, KILL (eraser()). */
  private eraser(c: number): void {
    const t = this.t;
    if (this.head === this.lineStart()) return;
    const kill = c === t.cc[V.KILL];
    const werase = !kill && c === t.cc[V.WERASE] && c !== t.cc[V.ERASE];
    if (kill) {
      if (!this.lflag(L.ECHO)) { this.truncate(this.lineStart()); return; }
      if (!this.lflag(L.ECHOK) || !this.lflag(L.ECHOKE) || !this.lflag(L.ECHOE)) {
        this.truncate(this.lineStart());
        this.finishErasing();
        this.echoChar(c);
        if (this.lflag(L.ECHOK)) this.tty.echo(Buffer.from([10]));
        this.canonColumn = this.column;
        return;
      }
    }
    let seenAlnum = false;
    while (this.head > this.lineStart()) {
      const ch = this.buf[this.head - 1];
      if (werase) {
        const alnum = (ch >= 48 && ch <= 57) || ((ch | 32) >= 97 && (ch | 32) <= 122) || ch === 95;
        if (alnum) seenAlnum = true; else if (seenAlnum) break;
      }
      this.buf.pop(); this.delim.pop();
      if (this.lflag(L.ECHO)) this.echoErase(ch);
      if (!kill && !werase) break;
    }
  }

  private truncate(to: number): void { this.buf.length = to; this.delim.length = to; }

  private echoErase(ch: number): void {
    if (this.lflag(L.ECHOPRT)) {
      if (!this.erasing) { this.tty.echo(Buffer.from('\\')); this.erasing = true; }
      this.echoChar(ch);
      return;
    }
    if (!this.lflag(L.ECHOE)) { this.echoChar(this.t.cc[V.ERASE]); return; }
    if (ch === 9) {
      // Back up to where the tab began: the column the rest of the line reaches.
      let col = this.canonColumn;
      for (let i = this.lineStart(); i < this.head; i++) {
        const x = this.buf[i];
        if (x === 9) col = (col | 7) + 1;
        else if (isCntrl(x)) { if (this.lflag(L.ECHOCTL)) col += 2; }
        else if ((x & 0xc0) !== 0x80 || !this.iflag(I.IUTF8)) col++;
      }
      const n = Math.max(0, this.column - col);
      this.tty.echo(Buffer.alloc(n, 8));
      return;
    }
    // A UTF-8 continuation byte takes no column of its own.
    if (this.iflag(I.IUTF8) && (ch & 0xc0) === 0x80) return;
    const cols = isCntrl(ch) ? (this.lflag(L.ECHOCTL) ? 2 : 0) : 1;
    for (let i = 0; i < cols; i++) this.tty.echo(Buffer.from('\b \b'));
  }

  private reprint(c: number): void {
    this.finishErasing();
    this.echoChar(c);
    this.tty.echo(Buffer.from([10]));
    for (let i = this.lineStart(); i < this.head; i++) this.echoChar(this.buf[i]);
  }

  // ---- flow control ----

  stop(): void { if (!this.stopped) { this.stopped = true; this.tty.flowChanged(); } }
  start(): void { if (this.stopped) { this.stopped = false; this.tty.flowChanged(); } }

  // ---- read ----

  /** What a read takes now: a line (canonical) or up to len bytes; null when nothing is ready. */
  private take(len: number): Buffer | null {
    if (this.lflag(L.ICANON)) {
      if (this.canonHead <= this.tail) return null;
      const out: number[] = [];
      while (this.tail < this.canonHead && out.length < len) {
        const c = this.buf[this.tail], d = this.delim[this.tail];
        if (c === EOF_MARK) { this.tail++; if (out.length) { /* the EOF stays consumed: ends this line */ } break; }
        out.push(c); this.tail++;
        if (d) break;
      }
      this.compact();
      return Buffer.from(out);
    }
    if (this.head === this.tail) return null;
    const n = Math.min(len, this.head - this.tail);
    const out = Buffer.from(this.buf.slice(this.tail, this.tail + n).map((c) => (c === EOF_MARK ? 0 : c)));
    this.tail += n;
    this.canonHead = Math.max(this.canonHead, this.tail);
    this.compact();
    return out;
  }

  /** n_tty_read. The caller checked job control; nonblock is O_NONBLOCK. */
  async read(task: Task, len: number, nonblock: boolean, hungUp: () => boolean): Promise<Buffer> {
    const tty = this.tty;
    if (len === 0) return Buffer.alloc(0);
    if (this.lflag(L.ICANON)) {
      for (;;) {
        const got = this.take(len);
        if (got) { tty.unthrottled(); return got; }
        if (tty.otherClosed()) throw new Errno(E.EIO);
        if (hungUp() || tty.inputEnded) return Buffer.alloc(0);
        if (nonblock) throw new Errno(E.EAGAIN);
        await sleepOn(task, [tty.readWait]);
      }
    }
    const min = this.t.cc[V.MIN], time = this.t.cc[V.TIME] * 100;
    const minimum = min ? Math.min(min, len) : 1;
    // VMIN 0: TIME is the whole wait; VMIN > 0: TIME is the gap allowed between bytes once one came.
    let timeout: number | null = min ? null : time;
    const parts: Buffer[] = [];
    let n = 0;
    for (;;) {
      const got = this.take(len - n);
      if (got) { parts.push(got); n += got.length; tty.unthrottled(); if (min && time) timeout = time; }
      if (n >= minimum || n >= len) break;
      if (tty.otherClosed()) { if (n) break; throw new Errno(E.EIO); }
      if (hungUp() || tty.inputEnded) break;
      if (!min && !time) break;
      if (nonblock) { if (n) break; throw new Errno(E.EAGAIN); }
      let woke: boolean;
      try {
        woke = await sleepOn(task, [tty.readWait], timeout);
      } catch (e) {
        if (n) break;   // what was read is returned; the signal is taken after
        throw e;
      }
      if (!woke) { const last = this.take(len - n); if (last) { parts.push(last); n += last.length; } break; }
    }
    return Buffer.concat(parts, n);
  }

  // ---- write ----

  /** Output processing of one chunk (do_output_char / process_output_block): the bytes to send. */
  processOutput(data: Buffer): Buffer {
    const t = this.t;
    if (!(t.oflag & OF.OPOST)) {
      for (const c of data) this.trackColumn(c);
      return data;
    }
    const out = Buffer.allocUnsafe(data.length * 8);
    let o = 0;
    for (let i = 0; i < data.length; i++) {
      let c = data[i];
      switch (c) {
        case 10:
          if (t.oflag & OF.ONLRET) this.column = 0;
          if (t.oflag & OF.ONLCR) { out[o++] = 13; out[o++] = 10; this.column = 0; this.canonColumn = 0; continue; }
          this.canonColumn = this.column;
          break;
        case 13:
          if ((t.oflag & OF.ONOCR) && this.column === 0) continue;
          if (t.oflag & OF.OCRNL) { c = 10; if (t.oflag & OF.ONLRET) { this.column = 0; this.canonColumn = 0; } break; }
          this.column = 0; this.canonColumn = 0;
          break;
        case 9: {
          const spaces = 8 - (this.column & 7);
          this.column += spaces;
          if ((t.oflag & OF.TABDLY) === OF.XTABS) { out.fill(32, o, o + spaces); o += spaces; continue; }
          break;
        }
        case 8: if (this.column > 0) this.column--; break;
        default:
          if (!isCntrl(c)) {
            if ((t.oflag & OF.OLCUC) && c >= 97 && c <= 122) c -= 32;
            if (!((t.iflag & I.IUTF8) && (c & 0xc0) === 0x80)) this.column++;
          }
      }
      out[o++] = c;
    }
    return out.subarray(0, o);
  }

  private trackColumn(c: number): void {
    if (c === 10 || c === 13) this.column = 0;
    else if (c === 9) this.column = (this.column | 7) + 1;
    else if (c === 8) { if (this.column > 0) this.column--; }
    else if (!isCntrl(c) && (c & 0xc0) !== 0x80) this.column++;
  }
}
