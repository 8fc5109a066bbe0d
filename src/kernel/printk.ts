// The kernel log (kernel/printk/printk.c): a ring buffer of records with a
// level and a time since boot, read by syslog(2) (dmesg) and printed on the
// console when their level is below the console loglevel.

import { WaitQueue } from './wait.js';

export const KERN = { EMERG: 0, ALERT: 1, CRIT: 2, ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 } as const;

export interface LogRecord { seq: number; level: number; usec: bigint; text: string; facility: number }

/** CONFIG_LOG_BUF_SHIFT=17: 128 KiB of text. */
export const LOG_BUF_LEN = 1 << 17;
/** console_loglevel: CONSOLE_LOGLEVEL_DEFAULT, and what "quiet" sets. */
export const CONSOLE_LOGLEVEL_DEFAULT = 7;
export const CONSOLE_LOGLEVEL_QUIET = 4;

export class KernelLog {
  readonly records: LogRecord[] = [];
  private bytes = 0;
  private nextSeq = 0;
  /** The first record syslog(2) READ_CLEAR/CLEAR has not cleared. */
  clearSeq = 0;
  /** The first record SYSLOG_ACTION_READ has not consumed. */
  readSeq = 0;
  consoleLoglevel = CONSOLE_LOGLEVEL_DEFAULT;
  /** Where console messages go; null: nowhere yet (before the console is set up). */
  console: ((line: string) => void) | null = null;
  private readonly start = process.hrtime.bigint();
  /** Woken after each new record (syslog readers wait here). */
  readonly wait = new WaitQueue();
  constructor() { setCurrentLog(this); }

  printk(level: number, text: string, facility = 0): void {
    for (const line of text.split('\n')) {
      const r: LogRecord = { seq: this.nextSeq++, level, usec: (process.hrtime.bigint() - this.start) / 1000n, text: line, facility };
      this.records.push(r);
      this.bytes += line.length + 32;
      while (this.bytes > LOG_BUF_LEN && this.records.length > 1) {
        const old = this.records.shift()!;
        this.bytes -= old.text.length + 32;
      }
      if (level < this.consoleLoglevel && this.console) this.console(`${prefixTime(r)} ${line}\n`);
    }
    this.wait.wake();
  }

  /** The records from seq on, as syslog(2) formats them: "<PRIO>[ secs.usecs] text", PRIO the facility and level. */
  format(from: number): string {
    return this.records.filter((r) => r.seq >= from).map((r) => `<${(r.facility << 3) | r.level}>${prefixTime(r)} ${r.text}\n`).join('');
  }

  get firstSeq(): number { return this.records[0]?.seq ?? this.nextSeq; }
  get endSeq(): number { return this.nextSeq; }
}

/** "[    1.234567]": print_time(). */
export function prefixTime(r: LogRecord): string {
  const s = r.usec / 1000000n, us = r.usec % 1000000n;
  return `[${s.toString().padStart(5)}.${us.toString().padStart(6, '0')}]`;
}

/** The log of the newest kernel of this process: where printk() without a kernel at hand writes. */
let current: KernelLog | null = null;
export function setCurrentLog(l: KernelLog): void { current = l; }

/** printk() for code that has no kernel at hand (filesystem drivers): the current kernel's log. */
export function printk(level: number, text: string): void {
  if (current) current.printk(level, text);
  else if (level <= KERN.WARNING) process.stderr.write(`${text}\n`);
}
