// The console on the host's terminal (arch/um/drivers/stdio_console.c and
// chan_user.c): while the machine runs the host terminal is in raw mode and
// every byte goes through the kernel's own line discipline; output is written
// to the host as the guest's n_tty produced it. The host terminal's mode is
// put back on every way out of tuml. A resize of the host terminal is the
// console's new window size (SIGWINCH to the foreground process group).
import { ReadStream } from 'node:tty';
import { syscall } from '../../host/libc.js';
import * as sys from '../../host/sys.js';
import { E } from '../../host/errno.js';
import { POLL } from '../../fs/file.js';
import type { Kernel } from '../../kernel/kernel.js';
import { mkdev } from '../registry.js';
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

/** A console channel on host fds (con=fd:IN,fd:OUT). */
export class HostConsole {
  readonly tty: Tty;
  private paused = false;
  private stdin: NodeJS.ReadStream | null = null;
  private readonly onWinch = () => this.readWinsize();

  constructor(readonly kernel: Kernel, readonly inFd: number, readonly outFd: number) {
    const driver: TtyDriver = {
      write: (_tty, data) => this.output(data),
      writeRoom: () => 65536,
    };
    const t = Termios.std();
    // The host terminal speaks UTF-8 (as a Linux console in UTF-8 mode): erase a whole character.
    t.iflag |= I.IUTF8;
    this.tty = new Tty(kernel, driver, '/dev/console', mkdev(5, 1), t);
    this.tty.unthrottledHook = () => this.resume();
  }

  /** Puts the host terminal in raw mode and starts taking its input. */
  start(): void {
    const orig = hostTermios(this.inFd);
    if (orig && !saved) {
      saved = { fd: this.inFd, termios: orig };
      installExitHooks();
      setHostTermios(this.inFd, makeRaw(orig));
    }
    this.readWinsize();
    process.on('SIGWINCH', this.onWinch);
    const stdin = this.inFd === 0 ? process.stdin : new ReadStream(this.inFd);
    this.stdin = stdin;
    stdin.on('data', (d: Buffer) => this.input(d));
    stdin.on('error', () => { /* the host terminal went away: no more input */ });
    stdin.resume();
  }

  /** The machine is down: the host terminal gets its mode back. */
  stop(): void {
    process.off('SIGWINCH', this.onWinch);
    this.stdin?.pause();
    this.stdin?.removeAllListeners('data');
    if (this.inFd === 0) process.stdin.unref?.();
    restoreHost();
    saved = null;
  }

  private input(d: Buffer): void {
    this.tty.ldisc.receive(d);
    // n_tty throttles: stop reading the host while the guest does not read.
    if (this.tty.ldisc.receiveRoom() === 0 && this.stdin && !this.paused) { this.paused = true; this.stdin.pause(); }
  }

  private resume(): void {
    if (this.paused && this.stdin && this.tty.ldisc.receiveRoom() > 0) { this.paused = false; this.stdin.resume(); }
  }

  private output(data: Buffer): number {
    let done = 0;
    while (done < data.length) {
      const r = sys.write(this.outFd, data.subarray(done), null);
      if (r === -E.EAGAIN) { sys.poll1(this.outFd, POLL.OUT, -1); continue; }
      if (r < 0) break;   // the host terminal is gone: output is lost, as on a hung-up line
      done += r;
    }
    return data.length;
  }

  private readWinsize(): void {
    if (syscall(sys.NR.ioctl, this.outFd, TIOCGWINSZ, sys.ioAddr()) !== 0) return;
    this.tty.setWinsize(decodeWinsize(Buffer.from(sys.ioBuf.subarray(sys.IO_DATA, sys.IO_DATA + 8))));
  }
}
