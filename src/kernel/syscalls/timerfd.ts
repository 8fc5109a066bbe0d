// timerfd_create, timerfd_settime, timerfd_gettime.
import { Errno, E } from '../../host/errno.js';
import { O } from '../../fs/file.js';
import { TimerFd, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET } from '../../fs/timerfd.js';
import type { Task } from '../task.js';
import { int, register } from './table.js';

const CLOCKS = new Set([0, 1, 7, 8, 9]);   // REALTIME, MONOTONIC, BOOTTIME, REALTIME_ALARM, BOOTTIME_ALARM

function timerOf(t: Task, fd: number): TimerFd {
  const f = t.files.get(fd);
  if (!(f instanceof TimerFd)) throw new Errno(E.EINVAL);
  return f;
}

function readItimerspec(t: Task, addr: bigint): [bigint, bigint] {
  const b = t.mem.read(addr, 32);
  const ts = (o: number) => {
    const s = b.readBigInt64LE(o), ns = b.readBigInt64LE(o + 8);
    if (s < 0n || ns < 0n || ns > 999999999n) throw new Errno(E.EINVAL);
    return s * 1000000000n + ns;
  };
  return [ts(16), ts(0)];   // [it_value, it_interval]
}

function writeItimerspec(t: Task, addr: bigint, [value, interval]: [bigint, bigint]): void {
  const b = Buffer.alloc(32);
  b.writeBigInt64LE(interval / 1000000000n, 0); b.writeBigInt64LE(interval % 1000000000n, 8);
  b.writeBigInt64LE(value / 1000000000n, 16); b.writeBigInt64LE(value % 1000000000n, 24);
  t.mem.write(addr, b);
}

register('timerfd_create', (_k, t, a) => {
  const clock = int(a[0]), flags = int(a[1]);
  if (!CLOCKS.has(clock)) throw new Errno(E.EINVAL);
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) throw new Errno(E.EINVAL);
  return t.files.install(new TimerFd(clock, O.RDWR | (flags & O.NONBLOCK)), (flags & O.CLOEXEC) !== 0, t.group.rlimits.nofile());
});

register('timerfd_settime', (_k, t, a) => {
  const tf = timerOf(t, int(a[0]));
  const flags = int(a[1]);
  if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) throw new Errno(E.EINVAL);
  const [value, interval] = readItimerspec(t, a[2]);
  const old = tf.settime(flags, value, interval);
  if (a[3] !== 0n) writeItimerspec(t, a[3], old);
  return 0;
});

register('timerfd_gettime', (_k, t, a) => {
  writeItimerspec(t, a[1], timerOf(t, int(a[0])).gettime());
  return 0;
});
