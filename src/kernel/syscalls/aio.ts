// The native AIO calls (fs/aio.c): io_setup, io_destroy, io_submit, io_getevents, io_pgetevents, io_cancel.
import { Errno, E } from '../../host/errno.js';
import { ioCancel, ioDestroy, ioGetevents, ioSetup, ioSubmit } from '../../fs/aio.js';
import type { Task } from '../task.js';
import { long, register, uint } from './table.js';

function timeout(t: Task, addr: bigint): number | null {
  if (addr === 0n) return null;
  const b = t.mem.read(addr, 16);
  const s = b.readBigInt64LE(0), ns = b.readBigInt64LE(8);
  if (s < 0n || ns < 0n || ns > 999999999n) throw new Errno(E.EINVAL);
  return Number(s) * 1000 + Math.ceil(Number(ns) / 1e6);
}

register('io_setup', (_k, t, a) => ioSetup(t, uint(a[0]), a[1]));
register('io_destroy', (_k, t, a) => ioDestroy(t, a[0]));
register('io_submit', (_k, t, a) => ioSubmit(t, a[0], Number(long(a[1])), a[2]));
register('io_getevents', (_k, t, a) => ioGetevents(t, a[0], Number(long(a[1])), Number(long(a[2])), a[3], timeout(t, a[4])), 'never');
register('io_cancel', (_k, t, a) => ioCancel(t, a[0]));
