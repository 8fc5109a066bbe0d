// printk (kernel/printk): the kernel's log. Messages are kept in a bounded
// ring for dmesg and /dev/kmsg readers; errors and warnings also reach the
// console (tuml's stderr), as a default console loglevel would print them.
export const KERN = { EMERG: 0, ALERT: 1, CRIT: 2, ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 } as const;

export interface LogRecord { level: number; time: number; text: string }

const RING_MAX = 1024;
const ring: LogRecord[] = [];
const started = Date.now();
/** Messages at or below this level are printed on the console (console_loglevel). */
export let consoleLoglevel: number = KERN.WARNING;
export function setConsoleLoglevel(l: number): void { consoleLoglevel = l; }

export function printk(level: number, text: string): void {
  ring.push({ level, time: Date.now() - started, text });
  if (ring.length > RING_MAX) ring.shift();
  if (level <= consoleLoglevel) process.stderr.write(`${text}\n`);
}

/** The records still in the ring, oldest first. */
export function logRecords(): readonly LogRecord[] { return ring; }
