// The native AIO calls (fs/aio.c): io_setup, io_destroy, io_submit, io_getevents, io_cancel.
import { ioCancel, ioDestroy, ioGetevents, ioSetup, ioSubmit } from '../../fs/aio.js';
import { long, register, uint } from './table.js';
import { timespecMs } from './poll.js';

register('io_setup', (_k, t, a) => ioSetup(t, uint(a[0]), a[1]));
register('io_destroy', (_k, t, a) => ioDestroy(t, a[0]));
register('io_submit', (_k, t, a) => ioSubmit(t, a[0], Number(long(a[1])), a[2]));
register('io_getevents', (_k, t, a) => ioGetevents(t, a[0], Number(long(a[1])), Number(long(a[2])), a[3], timespecMs(t, a[4])), 'never');
register('io_cancel', (_k, t, a) => ioCancel(t, a[0]));
