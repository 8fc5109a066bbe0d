// /dev/kmsg (kernel/printk/printk.c devkmsg_*): the kernel log as records.
// Each read gives one record, "PRIO,SEQ,USEC,FLAGS;TEXT\n" with PRIO the
// facility and level, and blocks until there is one; a reader overtaken by
// the ring buffer gets EPIPE once and goes on from the oldest record. A write
// adds a record, "<N>" first giving its level and facility (LOG_USER and the
// default level otherwise), as systemd and logger do.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import type { KernelLog, LogRecord } from '../../kernel/printk.js';
import { anonStat, File, O, POLL, S_IFCHR, type Stat } from '../../fs/file.js';
import { sleepOn } from '../../kernel/sched.js';
import { addDeviceNode, mkdev } from '../registry.js';

const KMSG_MINOR = 11;
/** default_message_loglevel (MESSAGE_LOGLEVEL_DEFAULT) and LOG_USER, for writes without "<N>". */
const DEFAULT_LEVEL = 4, LOG_USER = 1;
const SEEK_SET = 0, SEEK_END = 2, SEEK_DATA = 3;
/** CONSOLE_EXT_LOG_MAX: the longest record a read returns. */
const EXT_LOG_MAX = 8192;

/** msg_print_ext_header + body: the record's line, with unprintable bytes and '\' escaped. */
function formatRecord(r: LogRecord): Buffer {
  const text = r.text.replace(/[\x00-\x1f\x7f-\xff\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return Buffer.from(`${(r.facility << 3) | r.level},${r.seq},${r.usec},-;${text}\n`, 'latin1');
}

export class KmsgFile extends File {
  /** The next record this reader gets. */
  private seq: number;
  private readonly st: Stat;

  constructor(private readonly log: KernelLog, flags: number) {
    super(flags);
    this.seq = log.firstSeq;
    this.st = anonStat(S_IFCHR | 0o644, 6n);
    this.st.rdev = mkdev(1, KMSG_MINOR);
  }

  describe(): string { return '/dev/kmsg'; }
  override stat(): Stat { return this.location?.inode.getattr() ?? this.st; }

  override async read(task: Task, len: number): Promise<Buffer> {
    const log = this.log;
    for (;;) {
      if (this.seq < log.firstSeq) { this.seq = log.firstSeq; throw new Errno(E.EPIPE); }
      const r = log.records.find((x) => x.seq === this.seq);
      if (r) {
        const line = formatRecord(r).subarray(0, EXT_LOG_MAX);
        if (line.length > len) throw new Errno(E.EINVAL);
        this.seq++;
        return line;
      }
      if (this.flags & O.NONBLOCK) throw new Errno(E.EAGAIN);
      await sleepOn(task, [log.wait]);
    }
  }

  override write(_task: Task, data: Buffer): number {
    let text = data.toString('latin1');
    let level = DEFAULT_LEVEL, facility = LOG_USER;
    const m = /^<(\d+)>/.exec(text);
    if (m) {
      const u = Number(m[1]);
      level = u & 7;
      if (u >> 3) facility = u >> 3;   // facility 0 is the kernel's own
      text = text.slice(m[0].length);
    }
    this.log.printk(level, text.replace(/\n$/, ''), facility);
    return data.length;
  }

  override llseek(off: bigint, whence: number): bigint {
    if (off !== 0n) throw new Errno(E.ESPIPE);
    switch (whence) {
      case SEEK_SET: this.seq = this.log.firstSeq; break;
      case SEEK_DATA: this.seq = Math.max(this.log.clearSeq, this.log.firstSeq); break;   // after the last syslog CLEAR
      case SEEK_END: this.seq = this.log.endSeq; break;
      default: throw new Errno(E.EINVAL);
    }
    return 0n;
  }

  override poll(): number {
    if (this.seq < this.log.firstSeq) return POLL.IN | POLL.RDNORM | POLL.ERR | POLL.PRI;
    return this.seq < this.log.endSeq ? POLL.IN | POLL.RDNORM : 0;
  }
}

addDeviceNode({ name: 'kmsg', type: S_IFCHR, rdev: mkdev(1, KMSG_MINOR), mode: 0o644 });
