// signalfd, signalfd4 (fs/signalfd.c do_signalfd4): a new signalfd, or a new
// mask for an existing one.
import { Errno, E } from '../../host/errno.js';
import { O } from '../../fs/file.js';
import { SignalFd, signalfdMask } from '../../fs/signalfd.js';
import type { Task } from '../task.js';
import { int, register } from './table.js';

const SFD_CLOEXEC = O.CLOEXEC, SFD_NONBLOCK = O.NONBLOCK;
const SIGSET_SIZE = 8n;

function signalfd4(t: Task, ufd: number, maskAddr: bigint, sizemask: bigint, flags: number): number {
  if (sizemask !== SIGSET_SIZE) throw new Errno(E.EINVAL);
  const mask = signalfdMask(t.mem.read(maskAddr, 8).readBigUInt64LE(0));
  if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) throw new Errno(E.EINVAL);
  if (ufd === -1) {
    const f = new SignalFd(t, mask, O.RDWR | (flags & SFD_NONBLOCK));
    return t.files.install(f, (flags & SFD_CLOEXEC) !== 0, t.group.rlimits.nofile());
  }
  // An existing fd: only its mask changes (the flags are not looked at).
  const f = t.files.get(ufd);
  if (!(f instanceof SignalFd)) throw new Errno(E.EINVAL);
  f.update(t, mask);
  return ufd;
}

register('signalfd4', (_k, t, a) => signalfd4(t, int(a[0]), a[1], a[2], int(a[3])));
register('signalfd', (_k, t, a) => signalfd4(t, int(a[0]), a[1], a[2], 0));
