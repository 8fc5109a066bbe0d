// struct termios and its flags (include/uapi/asm-generic/termbits.h, x86-64),
// and the default settings of a terminal (drivers/tty/tty_io.c tty_std_termios).

export const I = {
  IGNBRK: 0o1, BRKINT: 0o2, IGNPAR: 0o4, PARMRK: 0o10, INPCK: 0o20, ISTRIP: 0o40, INLCR: 0o100,
  IGNCR: 0o200, ICRNL: 0o400, IUCLC: 0o1000, IXON: 0o2000, IXANY: 0o4000, IXOFF: 0o10000,
  IMAXBEL: 0o20000, IUTF8: 0o40000,
} as const;
export const OF = {
  OPOST: 0o1, OLCUC: 0o2, ONLCR: 0o4, OCRNL: 0o10, ONOCR: 0o20, ONLRET: 0o40, OFILL: 0o100,
  OFDEL: 0o200, TABDLY: 0o14000, XTABS: 0o14000,
} as const;
export const C = {
  CBAUD: 0o10017, B38400: 0o17, CSIZE: 0o60, CS8: 0o60, CSTOPB: 0o100, CREAD: 0o200, PARENB: 0o400,
  PARODD: 0o1000, HUPCL: 0o2000, CLOCAL: 0o4000, BOTHER: 0o10000, CIBAUD: 0o2003600000,
} as const;
export const L = {
  ISIG: 0o1, ICANON: 0o2, XCASE: 0o4, ECHO: 0o10, ECHOE: 0o20, ECHOK: 0o40, ECHONL: 0o100,
  NOFLSH: 0o200, TOSTOP: 0o400, ECHOCTL: 0o1000, ECHOPRT: 0o2000, ECHOKE: 0o4000, FLUSHO: 0o10000,
  PENDIN: 0o40000, IEXTEN: 0o100000, EXTPROC: 0o200000,
} as const;
/** c_cc indices. */
export const V = {
  INTR: 0, QUIT: 1, ERASE: 2, KILL: 3, EOF: 4, TIME: 5, MIN: 6, SWTC: 7, START: 8, STOP: 9,
  SUSP: 10, EOL: 11, REPRINT: 12, DISCARD: 13, WERASE: 14, LNEXT: 15, EOL2: 16,
} as const;
export const NCCS = 19;
/** ^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0 (INIT_C_CC) */
const INIT_C_CC = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0];
/** POSIX _POSIX_VDISABLE for Linux: a cc of 0 is disabled. */
export const VDISABLE = 0;

export class Termios {
  iflag = 0; oflag = 0; cflag = 0; lflag = 0; line = 0;
  cc = new Uint8Array(NCCS);
  ispeed = 38400; ospeed = 38400;

  static std(): Termios {
    const t = new Termios();
    t.iflag = I.ICRNL | I.IXON;
    t.oflag = OF.OPOST | OF.ONLCR;
    t.cflag = C.B38400 | C.CS8 | C.CREAD | C.HUPCL;
    t.lflag = L.ISIG | L.ICANON | L.ECHO | L.ECHOE | L.ECHOK | L.ECHOCTL | L.ECHOKE | L.IEXTEN;
    t.cc.set(INIT_C_CC);
    return t;
  }

  clone(): Termios {
    const t = new Termios();
    Object.assign(t, this);
    t.cc = new Uint8Array(this.cc);
    return t;
  }

  /** struct termios (36 bytes) or, with two, struct termios2 (44 bytes: + c_ispeed, c_ospeed). */
  encode(two = false): Buffer {
    const b = Buffer.alloc(two ? 44 : 36);
    b.writeUInt32LE(this.iflag >>> 0, 0); b.writeUInt32LE(this.oflag >>> 0, 4);
    b.writeUInt32LE(this.cflag >>> 0, 8); b.writeUInt32LE(this.lflag >>> 0, 12);
    b.writeUInt8(this.line, 16);
    Buffer.from(this.cc).copy(b, 17);
    if (two) { b.writeUInt32LE(this.ispeed, 36); b.writeUInt32LE(this.ospeed, 40); }
    return b;
  }

  static decode(b: Buffer, two = false): Termios {
    const t = new Termios();
    t.iflag = b.readUInt32LE(0); t.oflag = b.readUInt32LE(4); t.cflag = b.readUInt32LE(8);
    t.lflag = b.readUInt32LE(12); t.line = b.readUInt8(16);
    t.cc = new Uint8Array(b.subarray(17, 17 + NCCS));
    if (two) { t.ispeed = b.readUInt32LE(36); t.ospeed = b.readUInt32LE(40); }
    return t;
  }
}

/** struct winsize: rows, cols, xpixel, ypixel (u16 each). */
export interface Winsize { row: number; col: number; xpixel: number; ypixel: number }

export function encodeWinsize(w: Winsize): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(w.row, 0); b.writeUInt16LE(w.col, 2); b.writeUInt16LE(w.xpixel, 4); b.writeUInt16LE(w.ypixel, 6);
  return b;
}
export function decodeWinsize(b: Buffer): Winsize {
  return { row: b.readUInt16LE(0), col: b.readUInt16LE(2), xpixel: b.readUInt16LE(4), ypixel: b.readUInt16LE(6) };
}
