// syslog(2) (kernel/printk/printk.c do_syslog): the kernel log for dmesg and
// klogctl: read what is new, read it all, clear it, and the console level.
import { Errno, E } from '../../host/errno.js';
import { CAP } from '../cred.js';
import { LOG_BUF_LEN } from '../printk.js';
import { waitEvent } from '../sched.js';
import { int, register } from './table.js';

const SYSLOG = {
  CLOSE: 0, OPEN: 1, READ: 2, READ_ALL: 3, READ_CLEAR: 4, CLEAR: 5, CONSOLE_OFF: 6,
  CONSOLE_ON: 7, CONSOLE_LEVEL: 8, SIZE_UNREAD: 9, SIZE_BUFFER: 10,
} as const;
const CAP_SYSLOG = 34;

/** The last records from seq on that fit in len bytes, formatted. */
function lastFitting(text: string, len: number): Buffer {
  const b = Buffer.from(text, 'latin1');
  if (b.length <= len) return b;
  // Whole lines only, the newest ones.
  let start = b.length - len;
  while (start < b.length && b[start - 1] !== 0x0a) start++;
  return b.subarray(start);
}

register('syslog', async (k, t, a) => {
  const type = int(a[0]), buf = a[1], len = int(a[2]);
  const log = k.log;
  // dmesg_restrict is 0: reading all and the size are open to everyone.
  if (type !== SYSLOG.READ_ALL && type !== SYSLOG.SIZE_BUFFER && type !== SYSLOG.CLOSE && type !== SYSLOG.OPEN &&
    !t.cred.capable(CAP_SYSLOG) && !t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  switch (type) {
    case SYSLOG.CLOSE: case SYSLOG.OPEN: return 0;
    case SYSLOG.READ: {
      if (buf === 0n || len < 0) throw new Errno(E.EINVAL);
      if (len === 0) return 0;
      await waitEvent(t, [log.wait], () => log.readSeq < log.endSeq);
      const from = Math.max(log.readSeq, log.firstSeq);
      const out: Buffer[] = [];
      let n = 0;
      for (const r of log.records) {
        if (r.seq < from) continue;
        const line = Buffer.from(log.format(r.seq).split('\n')[0] + '\n', 'latin1');
        if (n + line.length > len) break;
        out.push(line); n += line.length;
        log.readSeq = r.seq + 1;
      }
      const data = Buffer.concat(out);
      t.mem.write(buf, data);
      return data.length;
    }
    case SYSLOG.READ_ALL: case SYSLOG.READ_CLEAR: {
      if (buf === 0n || len < 0) throw new Errno(E.EINVAL);
      const data = lastFitting(log.format(log.clearSeq), len);
      if (data.length) t.mem.write(buf, data);
      if (type === SYSLOG.READ_CLEAR) log.clearSeq = log.endSeq;
      return data.length;
    }
    case SYSLOG.CLEAR: log.clearSeq = log.endSeq; return 0;
    case SYSLOG.CONSOLE_OFF: log.consoleLoglevel = 1; return 0;
    case SYSLOG.CONSOLE_ON: log.consoleLoglevel = 7; return 0;
    case SYSLOG.CONSOLE_LEVEL:
      if (len < 1 || len > 8) throw new Errno(E.EINVAL);
      log.consoleLoglevel = Math.max(len, 1);
      return 0;
    case SYSLOG.SIZE_UNREAD: return Buffer.byteLength(log.format(Math.max(log.readSeq, log.firstSeq)), 'latin1');
    case SYSLOG.SIZE_BUFFER: return LOG_BUF_LEN;
    default: throw new Errno(E.EINVAL);
  }
});
