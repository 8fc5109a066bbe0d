// Terminal ioctls (drivers/tty/tty_ioctl.c, tty_io.c tty_ioctl,
// tty_jobctrl.c): termios, window size, the controlling terminal, the
// foreground process group, queues and flow control.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { C, decodeWinsize, encodeWinsize, Termios } from './termios.js';
import type { TtyFile } from './tty_io.js';
import { disassociateCtty, sessionClearTty, ttyCheckChange } from './tty_jobctrl.js';
import { SIG } from '../../kernel/signal.js';

export const T = {
  TCGETS: 0x5401, TCSETS: 0x5402, TCSETSW: 0x5403, TCSETSF: 0x5404, TCGETA: 0x5405, TCSETA: 0x5406,
  TCSETAW: 0x5407, TCSETAF: 0x5408, TCSBRK: 0x5409, TCXONC: 0x540a, TCFLSH: 0x540b, TIOCEXCL: 0x540c,
  TIOCNXCL: 0x540d, TIOCSCTTY: 0x540e, TIOCGPGRP: 0x540f, TIOCSPGRP: 0x5410, TIOCOUTQ: 0x5411,
  TIOCSTI: 0x5412, TIOCGWINSZ: 0x5413, TIOCSWINSZ: 0x5414, TIOCMGET: 0x5415, TIOCMBIS: 0x5416,
  TIOCMBIC: 0x5417, TIOCMSET: 0x5418, TIOCGSOFTCAR: 0x5419, TIOCSSOFTCAR: 0x541a, FIONREAD: 0x541b,
  TIOCLINUX: 0x541c, TIOCCONS: 0x541d, TIOCPKT: 0x5420, FIONBIO: 0x5421, TIOCNOTTY: 0x5422,
  TIOCSETD: 0x5423, TIOCGETD: 0x5424, TCSBRKP: 0x5425, TIOCSBRK: 0x5427, TIOCCBRK: 0x5428,
  TIOCGSID: 0x5429, TCGETS2: 0x802c542a, TCSETS2: 0x402c542b, TCSETSW2: 0x402c542c, TCSETSF2: 0x402c542d,
  TIOCGPTN: 0x80045430, TIOCSPTLCK: 0x40045431, TIOCGDEV: 0x80045432, TIOCSIG: 0x40045436,
  TIOCVHANGUP: 0x5437, TIOCGPKT: 0x80045438, TIOCGPTLCK: 0x80045439, TIOCGEXCL: 0x80045440,
  TIOCGPTPEER: 0x5441, TIOCGLCKTRMIOS: 0x5456, TIOCSLCKTRMIOS: 0x5457,
} as const;

const TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
const TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
const CAP_SYS_ADMIN = 21;

const BAUDS = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
const BAUDS_EX = [0, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000];
/** tty_termios_baud_rate: the speed the CBAUD bits of cflag say. */
function baudOf(cflag: number): number {
  const b = cflag & C.CBAUD;
  return b & 0o10000 ? BAUDS_EX[b & 0o17] : BAUDS[b];
}

/**
 * set_termios: TCSETSW would wait for the output to drain (it never queues
 * here: the driver takes it at once); TCSETSF also drops the input.
 */
async function setTermios(task: Task, file: TtyFile, arg: bigint, kind: 'S' | 'W' | 'F', two: boolean, termio = false): Promise<number> {
  const tty = file.tty.jobTty;
  ttyCheckChange(task, tty, SIG.TTOU);
  let t: Termios;
  if (termio) {
    // struct termio: u16 flags, line, cc[8]; the high bits of each flag are kept.
    const b = task.mem.read(arg, 18);
    t = tty.termios.clone();
    t.iflag = (t.iflag & 0xffff0000) | b.readUInt16LE(0);
    t.oflag = (t.oflag & 0xffff0000) | b.readUInt16LE(2);
    t.cflag = (t.cflag & 0xffff0000) | b.readUInt16LE(4);
    t.lflag = (t.lflag & 0xffff0000) | b.readUInt16LE(6);
    t.line = b.readUInt8(8);
    t.cc.set(b.subarray(9, 17));
  } else {
    t = Termios.decode(task.mem.read(arg, two ? 44 : 36), two);
  }
  if (!two || (t.cflag & C.CBAUD) !== C.BOTHER) { t.ispeed = t.ospeed = baudOf(t.cflag); }
  if (kind === 'F') tty.ldisc.flushInput();
  tty.setTermios(t);
  return 0;
}

export function ttyIoctl(task: Task, file: TtyFile, cmd: number, arg: bigint): number | Promise<number> {
  const tty = file.tty;
  const real = tty.jobTty;
  const g = task.group;
  const mem = task.mem;
  const fromDriver = tty.driver.ioctl?.(tty, task, file, cmd, arg);
  if (fromDriver !== undefined) return fromDriver;
  switch (cmd) {
    // tty_mode_ioctl: the termios of a pty master's is its slave's.
    case T.TCGETS: mem.write(arg, real.termios.encode()); return 0;
    case T.TCGETS2: mem.write(arg, real.termios.encode(true)); return 0;
    case T.TCGETA: {
      const t = real.termios, b = Buffer.alloc(18);
      b.writeUInt16LE(t.iflag & 0xffff, 0); b.writeUInt16LE(t.oflag & 0xffff, 2);
      b.writeUInt16LE(t.cflag & 0xffff, 4); b.writeUInt16LE(t.lflag & 0xffff, 6);
      b.writeUInt8(t.line, 8); Buffer.from(t.cc.subarray(0, 8)).copy(b, 9);
      mem.write(arg, b);
      return 0;
    }
    case T.TCSETS: return setTermios(task, file, arg, 'S', false);
    case T.TCSETSW: return setTermios(task, file, arg, 'W', false);
    case T.TCSETSF: return setTermios(task, file, arg, 'F', false);
    case T.TCSETS2: return setTermios(task, file, arg, 'S', true);
    case T.TCSETSW2: return setTermios(task, file, arg, 'W', true);
    case T.TCSETSF2: return setTermios(task, file, arg, 'F', true);
    case T.TCSETA: return setTermios(task, file, arg, 'S', false, true);
    case T.TCSETAW: return setTermios(task, file, arg, 'W', false, true);
    case T.TCSETAF: return setTermios(task, file, arg, 'F', false, true);
    case T.TIOCGLCKTRMIOS: mem.write(arg, new Termios().encode()); return 0;
    case T.TIOCSLCKTRMIOS:
      if (!task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
      return 0;
    case T.TIOCGWINSZ: mem.write(arg, encodeWinsize(real.winsize)); return 0;
    case T.TIOCSWINSZ: {
      // tty_do_resize: the slave's size is the pty's size (a master's TIOCSWINSZ sets it).
      real.setWinsize(decodeWinsize(mem.read(arg, 8)));
      return 0;
    }
    case T.TIOCGSOFTCAR: mem.writeI32(arg, (real.termios.cflag & C.CLOCAL) ? 1 : 0); return 0;
    case T.TIOCSSOFTCAR: {
      const on = mem.readI32(arg);
      real.termios.cflag = (real.termios.cflag & ~C.CLOCAL) | (on ? C.CLOCAL : 0);
      return 0;
    }
    case T.TIOCGETD: mem.writeI32(arg, 0); return 0;   // N_TTY
    case T.TIOCSETD: if (mem.readI32(arg) !== 0) throw new Errno(E.EINVAL); return 0;
    case T.FIONREAD: mem.writeI32(arg, tty.ldisc.available()); return 0;
    case T.TIOCOUTQ: mem.writeI32(arg, 0); return 0;   // output goes to the device at once
    case T.FIONBIO: file.setNonblock(mem.readI32(arg) !== 0); return 0;
    case T.TIOCEXCL: tty.exclusive = true; return 0;
    case T.TIOCNXCL: tty.exclusive = false; return 0;
    case T.TIOCGEXCL: mem.writeI32(arg, tty.exclusive ? 1 : 0); return 0;
    case T.TIOCSTI: {
      // Faking input: only on one's own controlling terminal, or as CAP_SYS_ADMIN.
      if (g.tty !== tty && !task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
      if (!file.readable && !task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
      tty.ldisc.receive(mem.read(arg, 1));
      return 0;
    }
    case T.TCXONC: {
      ttyCheckChange(task, tty, SIG.TTOU);
      const a = Number(arg);
      if (a === TCOOFF) tty.ldisc.stop();
      else if (a === TCOON) tty.ldisc.start();
      else if (a === TCIOFF || a === TCION) {
        const c = tty.termios.cc[a === TCIOFF ? 9 : 8];
        if (c) tty.driver.write(tty, Buffer.from([c]));
      } else throw new Errno(E.EINVAL);
      return 0;
    }
    case T.TCFLSH: {
      ttyCheckChange(task, tty, SIG.TTOU);
      const a = Number(arg);
      if (a === TCIFLUSH || a === TCIOFLUSH) tty.ldisc.flushInput();
      if (a === TCOFLUSH || a === TCIOFLUSH) tty.flushOutput();
      if (a > TCIOFLUSH) throw new Errno(E.EINVAL);
      return 0;
    }
    case T.TCSBRK: case T.TCSBRKP: case T.TIOCSBRK: case T.TIOCCBRK:
      return 0;   // output is never queued; there is no line to break
    case T.TIOCMGET: case T.TIOCMBIS: case T.TIOCMBIC: case T.TIOCMSET:
      throw new Errno(E.ENOTTY);  // no modem lines (tty->ops->tiocmget is NULL)
    case T.TIOCSCTTY: return tiocsctty(task, file, arg);
    case T.TIOCNOTTY: {
      if (g.tty !== real) throw new Errno(E.ENOTTY);
      if (g.sid === g.pid) disassociateCtty(task.kernel, g, false);
      g.tty = null;
      return 0;
    }
    case T.TIOCGPGRP: {
      if (tty === real && g.tty !== real) throw new Errno(E.ENOTTY);
      mem.writeI32(arg, real.pgrp ?? 0);
      return 0;
    }
    case T.TIOCSPGRP: return tiocspgrp(task, file, arg);
    case T.TIOCGSID: {
      if (tty === real && g.tty !== real) throw new Errno(E.ENOTTY);
      if (real.session === null) throw new Errno(E.ENOTTY);
      mem.writeI32(arg, real.session);
      return 0;
    }
    case T.TIOCVHANGUP:
      if (!task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
      tty.hangup();
      return 0;
    case T.TIOCGDEV: mem.writeU32(arg, Number(((tty.rdev >> 8n) & 0xfffn) << 20n | (tty.rdev & 0xffn))); return 0;
    case T.TIOCCONS:
      if (!task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
      throw new Errno(E.EBUSY);
  }
  throw new Errno(E.ENOTTY);
}

/** tiocsctty: make this terminal the caller's controlling terminal. */
function tiocsctty(task: Task, file: TtyFile, arg: bigint): number {
  const tty = file.tty.jobTty;
  const g = task.group;
  const k = task.kernel;
  if (g.sid === g.pid && g.tty === tty) return 0;
  if (g.sid !== g.pid || g.tty !== null) throw new Errno(E.EPERM);
  if (!file.readable && !task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
  if (tty.session !== null) {
    // Another session has it: only CAP_SYS_ADMIN with arg 1 takes it away.
    if (Number(arg) !== 1 || !task.cred.capable(CAP_SYS_ADMIN)) throw new Errno(E.EPERM);
    sessionClearTty(k, tty.session);
  }
  tty.session = g.sid;
  tty.pgrp = g.pgid;
  g.tty = tty;
  return 0;
}

async function tiocspgrp(task: Task, file: TtyFile, arg: bigint): Promise<number> {
  const real = file.tty.jobTty;
  const g = task.group;
  try {
    ttyCheckChange(task, real, SIG.TTOU);
  } catch (e) {
    if (e instanceof Errno && e.errno === E.EIO) throw new Errno(E.ENOTTY);
    throw e;
  }
  if (g.tty !== real || real.session !== g.sid) throw new Errno(E.ENOTTY);
  const pgrp = task.mem.readI32(arg);
  if (pgrp < 0) throw new Errno(E.EINVAL);
  const members = [...task.kernel.groups.values()].filter((x) => x.pgid === pgrp && x.exitState === 'running');
  if (!members.length) throw new Errno(E.ESRCH);
  if (members[0].sid !== g.sid) throw new Errno(E.EPERM);
  real.pgrp = pgrp;
  return 0;
}
