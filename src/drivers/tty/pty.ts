// Pseudo-terminals (drivers/tty/pty.c, the Unix98 kind): a master and a
// slave tty joined back to back. What the master writes is the slave's input
// (through the slave's line discipline: echo, ^C, canonical mode); what the
// slave's programs write is the master's input. /dev/ptmx (5:2) makes a pair;
// the slave appears in devpts as /dev/pts/N (136:N).
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { mkdev } from '../registry.js';
import { C, I, L, Termios } from './termios.js';
import { Tty, ttyOpen, TtyFile, type TtyDriver } from './tty_io.js';
import { signalPgrp } from './tty_jobctrl.js';
import { T } from './tty_ioctl.js';
import type { Inode } from '../../fs/inode.js';

export const PTY_SLAVE_MAJOR = 136;
const TIOCPKT = { DATA: 0, FLUSHREAD: 1, FLUSHWRITE: 2, STOP: 4, START: 8, NOSTOP: 16, DOSTOP: 32 } as const;

/** What devpts offers the pty code: the slave's node and the end of the pair. */
export interface PtyHost {
  slaveNode(index: number): Inode | null;
  /** The pair's master is gone: the slave's node goes away. */
  release(index: number): void;
  /** Opens the slave as TIOCGPTPEER does (the devpts path of the pair's instance). */
  openPeer(task: Task, pair: PtyPair, flags: number): TtyFile;
}

export class PtyPair {
  readonly master: Tty;
  readonly slave: Tty;
  /** TIOCSPTLCK: the slave cannot be opened while locked (unlockpt clears it). */
  locked = true;

  constructor(readonly kernel: Kernel, readonly index: number, readonly host: PtyHost) {
    const mt = Termios.std();
    mt.iflag = 0; mt.oflag = 0; mt.lflag = 0;
    mt.cflag = C.B38400 | C.CS8 | C.CREAD;
    const st = Termios.std();
    st.cflag = C.B38400 | C.CS8 | C.CREAD;
    this.master = new Tty(kernel, masterDriver(this), '/dev/ptmx', mkdev(5, 2), mt);
    this.slave = new Tty(kernel, slaveDriver(this), `/dev/pts/${index}`, mkdev(PTY_SLAVE_MAJOR, index), st);
    this.master.isMaster = true;
    this.master.link = this.slave;
    this.slave.link = this.master;
    this.slave.node = () => host.slaveNode(index);
  }
}

/** pty_write: bytes go straight into the other end's line discipline. */
function writeTo(peer: Tty, data: Buffer): number {
  peer.ldisc.receive(data);
  return data.length;
}

function masterDriver(pair: PtyPair): TtyDriver {
  return {
    write: (_tty, data) => writeTo(pair.slave, data),
    writeRoom: () => pair.slave.ldisc.receiveRoom(),
    ioctl: (tty, task, file, cmd, arg) => masterIoctl(pair, tty, task, file, cmd, arg),
    shutdown: () => {
      // pty_close of the master: the slave is hung up and its node goes away.
      // Readers asleep on the slave wake first and see EIO (TTY_OTHER_CLOSED); then the hangup.
      pair.slave.otherEndClosed = true;
      pair.slave.wakeAll();
      pair.slave.hangup();
      pair.host.release(pair.index);
    },
  };
}

function slaveDriver(pair: PtyPair): TtyDriver {
  const pkt = (bits: number, clear: number) => {
    const m = pair.master;
    if (!m.packet) return;
    m.pktStatus = (m.pktStatus & ~clear) | bits;
    m.wakeAll();
  };
  return {
    write: (_tty, data) => writeTo(pair.master, data),
    writeRoom: () => pair.master.ldisc.receiveRoom(),
    shutdown: () => { pair.master.otherEndClosed = true; pair.master.wakeAll(); },
    flowChanged: (tty) => (tty.ldisc.stopped ? pkt(TIOCPKT.STOP, TIOCPKT.START) : pkt(TIOCPKT.START, TIOCPKT.STOP)),
    flushOutput: () => { pair.master.ldisc.flushInput(); pkt(TIOCPKT.FLUSHWRITE, 0); },
    termiosChanged: (tty, old) => {
      // Packet mode tells the master when the slave's IXON use of ^S/^Q changes.
      const was = (old.iflag & I.IXON) !== 0 && old.cc[9] === 19 && old.cc[8] === 17;
      const now = (tty.termios.iflag & I.IXON) !== 0 && tty.termios.cc[9] === 19 && tty.termios.cc[8] === 17;
      if (was !== now) pkt(now ? TIOCPKT.DOSTOP : TIOCPKT.NOSTOP, now ? TIOCPKT.NOSTOP : TIOCPKT.DOSTOP);
    },
  };
}

function masterIoctl(pair: PtyPair, tty: Tty, task: Task, _file: TtyFile, cmd: number, arg: bigint): number | undefined {
  const mem = task.mem;
  switch (cmd) {
    case T.TIOCGPTN: mem.writeU32(arg, pair.index); return 0;
    case T.TIOCSPTLCK: pair.locked = mem.readI32(arg) !== 0; return 0;
    case T.TIOCGPTLCK: mem.writeI32(arg, pair.locked ? 1 : 0); return 0;
    case T.TIOCPKT: {
      const on = mem.readI32(arg) !== 0;
      if (on && !tty.packet) tty.pktStatus = 0;
      tty.packet = on;
      return 0;
    }
    case T.TIOCGPKT: mem.writeI32(arg, tty.packet ? 1 : 0); return 0;
    case T.TIOCSIG: {
      const sig = Number(arg);
      if (sig <= 0 || sig >= 65) throw new Errno(E.EINVAL);
      const s = pair.slave;
      if (s.pgrp === null) return 0;
      // The signal first, so that a reader it interrupts is not merely woken by the flush.
      signalPgrp(task.kernel, s.pgrp, sig);
      if (!(s.termios.lflag & L.NOFLSH)) s.ldisc.flushInput();
      return 0;
    }
    case T.TIOCGPTPEER: {
      const flags = Number(BigInt.asIntN(32, arg));
      const f = pair.host.openPeer(task, pair, flags);
      return task.files.install(f, (flags & 0o2000000) !== 0, task.group.rlimits.nofile());
    }
  }
  return undefined;
}

/** Opens the slave of pair (pts_open / pty_open): EIO while the pair is locked or its master gone. */
export function openSlave(task: Task, pair: PtyPair, flags: number): TtyFile {
  if (pair.locked || pair.master.files.size === 0) throw new Errno(E.EIO);
  const f = ttyOpen(task, pair.slave, flags, false);
  pair.master.otherEndClosed = false;
  return f;
}

/** The master side of a new pair, as an open of /dev/ptmx gives it. */
export function openMaster(task: Task, pair: PtyPair, flags: number): TtyFile {
  return ttyOpen(task, pair.master, flags, true);
}
