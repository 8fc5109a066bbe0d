// The tty core (drivers/tty/tty_io.c): struct tty_struct with its termios,
// window size, session and foreground process group, the open files on it,
// and hangup. A driver (the console, a pty end) moves bytes in and out; the
// line discipline (n_tty.ts) stands between it and the programs.
import { Errno, E } from '../../host/errno.js';
import { sleepOn } from '../../kernel/sched.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { WaitQueue } from '../../kernel/wait.js';
import type { Inode } from '../../fs/inode.js';
import { anonStat, File, O, POLL, S_IFCHR, type Stat } from '../../fs/file.js';
import { NTty } from './n_tty.js';
import { Termios, type Winsize } from './termios.js';
import { jobControlRead, jobControlWrite, signalPgrp } from './tty_jobctrl.js';
import { ttyIoctl } from './tty_ioctl.js';

export interface TtyDriver {
  /** Takes bytes the line discipline sends to the device; returns how many it took. */
  write(tty: Tty, data: Buffer): number;
  /** How many bytes write would take now (0: the writer waits). */
  writeRoom(tty: Tty): number;
  /** Driver ioctls (TIOCGPTN, ...); undefined when the driver has none for cmd. */
  ioctl?(tty: Tty, task: Task, file: TtyFile, cmd: number, arg: bigint): number | undefined;
  /** The last file of this tty was closed. */
  shutdown?(tty: Tty): void;
  /** Output was stopped or started (^S/^Q), or flushed: packet mode reports it. */
  flowChanged?(tty: Tty): void;
  flushOutput?(tty: Tty): void;
  /** The termios changed (old is what it was). */
  termiosChanged?(tty: Tty, old: Termios): void;
}

export class Tty {
  termios: Termios;
  winsize: Winsize = { row: 0, col: 0, xpixel: 0, ypixel: 0 };
  readonly ldisc: NTty;
  /** The session whose controlling terminal this is, and its foreground process group (pids). */
  session: number | null = null;
  pgrp: number | null = null;
  /** The other end of a pty. */
  link: Tty | null = null;
  /** Open files on this tty. */
  readonly files = new Set<TtyFile>();
  /** The other end of a pty was closed (TTY_OTHER_CLOSED). */
  otherEndClosed = false;
  /** The device will deliver no more input (a console channel's end of file): reads then give 0. */
  inputEnded = false;
  /** TIOCEXCL: further opens fail with EBUSY (except for CAP_SYS_ADMIN). */
  exclusive = false;
  /** pty master: TIOCPKT packet mode and the status bits waiting to be read. */
  packet = false;
  pktStatus = 0;
  readonly readWait = new WaitQueue();
  readonly writeWait = new WaitQueue();
  private echoes: Buffer[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly driver: TtyDriver,
    /** The device's path (/dev/pts/3) and number, for /proc and ttyname. */
    readonly path: string,
    readonly rdev: bigint,
    termios: Termios,
  ) {
    this.termios = termios;
    this.ldisc = new NTty(this);
  }

  /** The tty whose session and process group the job-control ioctls concern (a master's slave). */
  get jobTty(): Tty { return this.isMaster ? this.link! : this; }
  isMaster = false;
  /** The device node that stands for this tty when a file has no path (a devpts slave). */
  node: () => Inode | null = () => null;

  otherClosed(): boolean { return this.otherEndClosed; }

  /** Readers, writers and pollers of this tty re-check. */
  wakeAll(): void {
    this.readWait.wake();
    this.writeWait.wake();
    for (const f of this.files) f.waitq.wake();
  }

  /** A reader took input: a pty writer on the other end may go on. */
  unthrottled(): void { this.link?.wakeAll(); this.unthrottledHook?.(); }
  /** The console resumes reading the host when a reader made room. */
  unthrottledHook: (() => void) | null = null;

  /** Queues an echo, output-processed now so that the column is right for the next erase. */
  echo(b: Buffer): void { this.echoes.push(this.ldisc.processOutput(b)); }

  /** Sends the queued echoes to the device. */
  flushEchoes(): void {
    if (!this.echoes.length) return;
    const data = Buffer.concat(this.echoes);
    this.echoes = [];
    this.driver.write(this, data);
  }

  flushOutput(): void { this.driver.flushOutput?.(this); }
  flowChanged(): void { this.driver.flowChanged?.(this); this.wakeAll(); }

  signalForeground(sig: number): void {
    if (this.pgrp !== null) signalPgrp(this.kernel, this.pgrp, sig);
  }

  setWinsize(w: Winsize): void {
    const same = w.row === this.winsize.row && w.col === this.winsize.col && w.xpixel === this.winsize.xpixel && w.ypixel === this.winsize.ypixel;
    this.winsize = { ...w };
    if (!same) this.signalForeground(28 /* SIGWINCH */);
  }

  setTermios(t: Termios): void {
    const old = this.termios;
    this.termios = t;
    this.ldisc.setTermios(old);
    this.driver.termiosChanged?.(this, old);
  }

  /**
   * tty_vhangup: every open file of the tty is hung up (reads give end of
   * file, writes EIO), the session leader gets SIGHUP and SIGCONT, and the
   * tty stops being anyone's controlling terminal. Files opened through
   * /dev/console are not (console_fops is not tty_fops): init's stdio
   * survives the end of a login session on the console.
   */
  hangup(): void {
    for (const f of this.files) if (!f.redirected) f.hungUp = true;
    const sid = this.session;
    if (sid !== null) {
      for (const g of this.kernel.groups.values()) {
        if (g.sid !== sid || g.tty !== this) continue;
        g.tty = null;
        if (g.pid === sid && g.exitState === 'running') {
          this.kernel.sendSignalToGroup(g, 1, { code: 0x80 });
          this.kernel.sendSignalToGroup(g, 18, { code: 0x80 });
        }
      }
    }
    this.session = null;
    this.pgrp = null;
    this.wakeAll();
  }

  opened(f: TtyFile): void { this.files.add(f); }
  closed(f: TtyFile): void {
    this.files.delete(f);
    if (this.files.size === 0) this.driver.shutdown?.(this);
  }
}

const TTY_DEV_MODE = S_IFCHR | 0o620;

/** An open file of a tty. */
export class TtyFile extends File {
  /** This file was open when the tty hung up (hung_up_tty_fops). */
  hungUp = false;
  /** Opened through /dev/console (console_fops, redirected_tty_write): never hung up. */
  redirected = false;

  constructor(readonly tty: Tty, flags: number) {
    super(flags);
    tty.opened(this);
  }

  describe(): string { return this.location?.path ?? this.tty.path; }
  override isTty(): boolean { return true; }
  protected override release(): void { this.tty.closed(this); }

  override stat(): Stat {
    if (this.location) return this.location.inode.getattr();
    const node = this.tty.node();
    if (node) return node.getattr();
    return { ...anonStat(TTY_DEV_MODE, 6n), rdev: this.tty.rdev };
  }

  override async read(task: Task, len: number): Promise<Buffer> {
    if (this.hungUp) return Buffer.alloc(0);
    const tty = this.tty;
    jobControlRead(task, tty);
    if (!tty.packet) return tty.ldisc.read(task, len, this.nonblock, () => this.hungUp);
    // Packet mode (a pty master): a status byte alone, or a 0 byte before the data.
    if (tty.pktStatus) { const b = Buffer.from([tty.pktStatus]); tty.pktStatus = 0; return b; }
    if (len < 2) throw new Errno(E.EINVAL);
    const data = await tty.ldisc.read(task, len - 1, this.nonblock, () => this.hungUp || tty.pktStatus !== 0);
    if (!data.length && tty.pktStatus) { const b = Buffer.from([tty.pktStatus]); tty.pktStatus = 0; return b; }
    return data.length ? Buffer.concat([Buffer.from([0]), data]) : data;
  }

  override async write(task: Task, data: Buffer): Promise<number> {
    const tty = this.tty;
    if (this.hungUp) throw new Errno(E.EIO);
    jobControlWrite(task, tty);
    let done = 0;
    while (done < data.length) {
      if (this.hungUp) { if (done) return done; throw new Errno(E.EIO); }
      const room = tty.ldisc.stopped ? 0 : tty.driver.writeRoom(tty);
      if (room > 0) {
        // Output processing may double a byte (ONLCR): take what surely fits.
        const k = Math.min(data.length - done, Math.max(1, room >> 1));
        const out = tty.ldisc.processOutput(data.subarray(done, done + k));
        tty.driver.write(tty, out);
        done += k;
        continue;
      }
      if (this.nonblock) { if (done) return done; throw new Errno(E.EAGAIN); }
      try {
        await sleepOn(task, [tty.writeWait]);
      } catch (e) {
        if (done) return done;
        throw e;
      }
    }
    return done;
  }

  override poll(): number {
    const tty = this.tty;
    if (this.hungUp) return POLL.IN | POLL.OUT | POLL.ERR | POLL.HUP | POLL.RDNORM | POLL.WRNORM;
    let ev = 0;
    if (tty.ldisc.readable(true)) ev |= POLL.IN | POLL.RDNORM;
    if (tty.packet && tty.pktStatus) ev |= POLL.PRI | POLL.IN | POLL.RDNORM;
    if (tty.otherClosed()) ev |= POLL.HUP;
    if (tty.inputEnded && !(ev & POLL.IN)) ev |= POLL.IN | POLL.HUP;
    if (!tty.ldisc.stopped && tty.driver.writeRoom(tty) > 0) ev |= POLL.OUT | POLL.WRNORM;
    return ev;
  }

  override ioctl(task: Task, cmd: number, arg: bigint): number | Promise<number> {
    if (this.hungUp) throw new Errno(cmd === 0x5410 /* TIOCSPGRP */ ? E.ENOTTY : E.EIO);
    return ttyIoctl(task, this, cmd, arg);
  }

  override fsync(): void { /* tty_fsync: nothing to write back */ }

  setNonblock(on: boolean): void { this.flags = on ? this.flags | O.NONBLOCK : this.flags & ~O.NONBLOCK; }
}

/**
 * tty_open's controlling-terminal rule (tty_open_proc_set_tty): a session
 * leader with no controlling terminal that opens a tty without O_NOCTTY gets
 * it, unless another session has it. /dev/console, /dev/tty0 and pty masters
 * never become one by open (noctty).
 */
export function openSetCtty(task: Task, tty: Tty, flags: number, noctty: boolean): void {
  const g = task.group;
  if (noctty || (flags & O.NOCTTY)) return;
  if (g.sid !== g.pid || g.tty !== null || tty.session !== null) return;
  tty.session = g.sid;
  tty.pgrp = g.pgid;
  g.tty = tty;
}

/** Opens a file on tty, with tty_open's checks (a hung-up or exclusive tty). */
export function ttyOpen(task: Task, tty: Tty, flags: number, noctty: boolean, redirected = false): TtyFile {
  if (tty.exclusive && !task.cred.capable(21 /* CAP_SYS_ADMIN */)) throw new Errno(E.EBUSY);
  const f = new TtyFile(tty, flags);
  f.redirected = redirected;
  openSetCtty(task, tty, flags, noctty);
  return f;
}
