// The console on the host's terminal (arch/um/drivers/stdio_console.c and
// chan_user.c): while the machine runs the host terminal is in raw mode and
// every byte goes through the kernel's own line discipline; output is written
// to the host as the guest's n_tty produced it. The host terminal's mode is
// put back on every way out of tuml. A resize of the host terminal is the
// console's new window size (SIGWINCH to the foreground process group).
import { read } from 'node:fs';
import { Socket } from 'node:net';
import { ReadStream } from 'node:tty';
import { syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import { E } from '../../host/errno.js';
import { POLL } from '../../fs/file.js';
import type { Kernel } from '../../kernel/kernel.js';
import { mkdev } from '../registry.js';
import { setupParam } from '../../init/params.js';
import { decodeWinsize, I, L, OF, C, Termios, V } from './termios.js';
import { Tty, type TtyDriver } from './tty_io.js';

const TCGETS = 0x5401, TCSETSW = 0x5403, TIOCGWINSZ = 0x5413;

/** Whether host fd is a terminal. */
export function hostIsTty(fd: number): boolean {
  return syscall(sys.NR.ioctl, fd, TCGETS, sys.ioAddr()) === 0;
}

function hostTermios(fd: number): Buffer | null {
  if (syscall(sys.NR.ioctl, fd, TCGETS, sys.ioAddr()) !== 0) return null;
  return Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + 36));
}

function setHostTermios(fd: number, b: Buffer): void {
  b.copy(sys.ioBuf, sys.IO_DATA);
  syscall(sys.NR.ioctl, fd, TCSETSW, sys.ioAddr());
}

/** The host terminal's saved mode, put back at exit (one per process: there is one host terminal). */
let saved: { fd: number; termios: Buffer } | null = null;
function restoreHost(): void {
  if (saved) setHostTermios(saved.fd, saved.termios);
}
let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // 'exit' also runs after an uncaught exception of the kernel.
  process.on('exit', restoreHost);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'] as const) {
    process.on(sig, () => {
      restoreHost();
      saved = null;
      // Die of the same signal, as without the handler.
      process.removeAllListeners(sig);
      process.kill(process.pid, sig);
    });
  }
}

/** cfmakeraw of the host terminal: every byte reaches the kernel as typed; nothing is added to the output. */
function makeRaw(b: Buffer): Buffer {
  const t = Termios.decode(b);
  t.iflag &= ~(I.IGNBRK | I.BRKINT | I.PARMRK | I.ISTRIP | I.INLCR | I.IGNCR | I.ICRNL | I.IXON);
  t.oflag &= ~OF.OPOST;
  t.lflag &= ~(L.ECHO | L.ECHONL | L.ICANON | L.ISIG | L.IEXTEN);
  t.cflag = (t.cflag & ~(C.CSIZE | C.PARENB)) | C.CS8;
  t.cc[V.MIN] = 1; t.cc[V.TIME] = 0;
  return t.encode();
}

/**
 * A console channel (UML's con=): where the console's input comes from and
 * its output goes. fd:N is a host fd (fd:N,fd:M input and output apart),
 * null none at all, pts a new host pseudo-terminal that a terminal program
 * (screen, minicom) attaches to.
 */
export interface ConChannel { inFd: number | null; outFd: number | null; pts?: string }

/** Parses a con= value; throws an Error with the reason for a bad one. */
export function parseConSpec(spec: string): 'pts' | ConChannel {
  if (spec === 'null') return { inFd: null, outFd: null };
  if (spec === 'pts') return 'pts';
  const parts = spec.split(',');
  const fds = parts.map((p) => {
    const m = /^fd:(\d+)$/.exec(p);
    if (!m) throw new Error(`con=${spec}: unknown channel '${p}' (fd:N, fd:N,fd:M, null or pts)`);
    return Number(m[1]);
  });
  if (fds.length > 2) throw new Error(`con=${spec}: at most an input and an output channel`);
  return { inFd: fds[0], outFd: fds[fds.length - 1] };
}

const TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TCSETS = 0x5402;

/** con=pts: a host pty (posix_openpt, unlockpt, ptsname) whose master is the channel. */
export function openHostPts(): ConChannel {
  const m = sys.openat('/dev/ptmx', 0o2 | 0o400 | 0o2000000);   // O_RDWR | O_NOCTTY | O_CLOEXEC
  if (m < 0) throw new Error(`con=pts: cannot open /dev/ptmx: errno ${-m}`);
  sys.ioBuf.writeInt32LE(0, sys.IO_DATA);
  syscall(sys.NR.ioctl, m, TIOCSPTLCK, sys.ioAddr());
  if (syscall(sys.NR.ioctl, m, TIOCGPTN, sys.ioAddr()) !== 0) throw new Error('con=pts: TIOCGPTN failed');
  const n = sys.ioBuf.readUInt32LE(sys.IO_DATA);
  // The host slave passes bytes through untouched: the guest's n_tty does the work.
  const t = hostTermios(m);
  if (t) { makeRaw(t).copy(sys.ioBuf, sys.IO_DATA); syscall(sys.NR.ioctl, m, TCSETS, sys.ioAddr()); }
  return { inFd: m, outFd: m, pts: `/dev/pts/${n}` };
}

export class HostConsole {
  readonly tty: Tty;
  private paused = false;
  private stdin: (NodeJS.ReadableStream & { pause(): unknown; resume(): unknown; destroy(): unknown }) | null = null;
  private stopped = false;
  private readonly onWinch = () => this.readWinsize();
  readonly inFd: number | null;
  readonly outFd: number | null;

  constructor(readonly kernel: Kernel, readonly chan: ConChannel) {
    this.inFd = chan.inFd;
    this.outFd = chan.outFd;
    const driver: TtyDriver = {
      write: (_tty, data) => this.output(data),
      writeRoom: () => 65536,
    };
    const t = Termios.std();
    // A terminal speaks UTF-8 (as a Linux console in UTF-8 mode): erase a whole character.
    t.iflag |= I.IUTF8;
    this.tty = new Tty(kernel, driver, '/dev/console', mkdev(5, 1), t);
    this.tty.unthrottledHook = () => this.resume();
  }

  /** Puts a host terminal in raw mode and starts taking its input. */
  start(): void {
    const inFd = this.inFd;
    if (this.chan.pts) process.stderr.write(`tuml: virtual console 0 assigned device '${this.chan.pts}'\n`);
    if (inFd === null) return;
    const orig = this.chan.pts ? null : hostTermios(inFd);
    if (orig && !saved) {
      saved = { fd: inFd, termios: orig };
      installExitHooks();
      setHostTermios(inFd, makeRaw(orig));
    }
    this.readWinsize();
    process.on('SIGWINCH', this.onWinch);
    this.attach(inFd);
  }

  /**
   * Reads the channel with libuv watching it (no thread blocks in read, so
   * tuml can always exit): a terminal or pty master as a tty stream, a pipe
   * or socket as a stream, a regular file with plain reads.
   */
  private attach(fd: number): void {
    if (this.stopped) return;
    const { r, st } = sys.fstat(fd);
    const type = r === 0 ? st.readUInt32LE(24) & 0o170000 : 0;
    if (type === 0o100000) { this.readFile(fd); return; }
    let stream: NodeJS.ReadableStream & { pause(): unknown; resume(): unknown; destroy(): unknown };
    if (fd === 0) stream = process.stdin;
    else if (hostIsTty(fd)) {
      // A stream closes its fd when it ends: it gets its own copy.
      const dup = syscall(sys.NR.dup, fd);
      if (dup < 0) return;
      stream = new ReadStream(dup);
    } else stream = new Socket({ fd, readable: true, writable: false });
    this.stdin = stream;
    stream.on('data', (d: Buffer) => this.input(d));
    stream.on('end', () => this.ended());
    stream.on('error', () => {
      // A host pty whose slave nobody has open (yet, or any more) reads EIO: look again soon.
      if (this.chan.pts) {
        this.stdin = null;
        stream.destroy();
        setTimeout(() => this.attach(fd), 200).unref();
      } else this.ended();
    });
    if (!this.paused) stream.resume();
  }

  private readFile(fd: number): void {
    if (this.stopped || this.paused) return;
    const buf = Buffer.alloc(4096);
    read(fd, buf, 0, buf.length, null, (err, n) => {
      if (this.stopped) return;
      if (err || n === 0) { this.ended(); return; }
      this.input(buf.subarray(0, n));
      this.readFile(fd);
    });
  }

  /** The channel ended (a pipe's end): once what came is read, reads give end of file. */
  private ended(): void {
    this.tty.inputEnded = true;
    this.tty.wakeAll();
  }

  /** The machine is down: the host terminal gets its mode back. */
  stop(): void {
    this.stopped = true;
    process.off('SIGWINCH', this.onWinch);
    const s = this.stdin;
    if (s) {
      s.removeAllListeners('data');
      s.pause();
      if (s === process.stdin) process.stdin.unref?.(); else s.destroy();
    }
    restoreHost();
    saved = null;
  }

  private input(d: Buffer): void {
    this.tty.ldisc.receive(d);
    // n_tty throttles: stop reading the host while the guest does not read.
    if (this.tty.ldisc.receiveRoom() === 0 && !this.paused) { this.paused = true; this.stdin?.pause(); }
  }

  private resume(): void {
    if (!this.paused || this.tty.ldisc.receiveRoom() === 0) return;
    this.paused = false;
    if (this.stdin) this.stdin.resume();
    else if (this.inFd !== null) this.readFile(this.inFd);
  }

  private output(data: Buffer): number {
    if (this.outFd === null) return data.length;   // con=null: output is dropped
    let done = 0;
    while (done < data.length) {
      const r = sys.write(this.outFd, data.subarray(done), null);
      if (r === -E.EAGAIN) { sys.poll1(this.outFd, POLL.OUT, -1); continue; }
      if (r < 0) break;   // the channel is gone: output is lost, as on a hung-up line
      done += r;
    }
    return data.length;
  }

  private readWinsize(): void {
    if (this.outFd === null || this.chan.pts) return;
    if (syscall(sys.NR.ioctl, this.outFd, TIOCGWINSZ, sys.ioAddr()) !== 0) return;
    this.tty.setWinsize(decodeWinsize(Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + 8))));
  }
}

// con=SPEC and con0=SPEC choose the console's channel (UML's line_setup);
// tuml has one console, so con1= and beyond are refused.
setupParam('con', (value, kernel, key) => {
  if (key !== 'con' && key !== 'con0') throw new Error(`${key}=: tuml has one console (con0)`);
  parseConSpec(value);
  kernel.consoleSpec = value;
}, { prefix: true });
