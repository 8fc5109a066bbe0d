// futex (its PI operations: the seccomp filter lets the others run natively)
// and the robust futex list (kernel/futex/syscalls.c).
import { Errno, E } from '../../host/errno.js';
import { FUTEX_CMD_MASK, FUTEX_PI_OPS } from '../../platform/seccomp.js';
import { readDeadline } from '../futex.js';
import { ROBUST_LIST_HEAD_SIZE } from '../robust.js';
import { CAP } from '../cred.js';
import { int, Native, register } from './table.js';

const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;

// A LOCK_PI interrupted by a signal is always restarted (-ERESTARTNOINTR).
register('futex', (k, t, a) => {
  const op = int(a[1]);
  const cmd = op & FUTEX_CMD_MASK;
  const priv = (op & FUTEX_PRIVATE_FLAG) !== 0;
  if ((op & FUTEX_CLOCK_REALTIME) && cmd !== FUTEX_PI_OPS.LOCK_PI2 && cmd !== FUTEX_PI_OPS.WAIT_REQUEUE_PI) {
    throw new Errno(E.ENOSYS);
  }
  switch (cmd) {
    case FUTEX_PI_OPS.LOCK_PI:
      // Its timeout is absolute on CLOCK_REALTIME; LOCK_PI2's on CLOCK_MONOTONIC unless told.
      return k.futexes.lock(t, a[0], priv, readDeadline(t, a[3], 'realtime'), false);
    case FUTEX_PI_OPS.LOCK_PI2:
      return k.futexes.lock(t, a[0], priv, readDeadline(t, a[3], (op & FUTEX_CLOCK_REALTIME) ? 'realtime' : 'monotonic'), false);
    case FUTEX_PI_OPS.TRYLOCK_PI:
      return k.futexes.lock(t, a[0], priv, null, true);
    case FUTEX_PI_OPS.UNLOCK_PI:
      return k.futexes.unlock(t, a[0], priv);
    case FUTEX_PI_OPS.WAIT_REQUEUE_PI:
    case FUTEX_PI_OPS.CMP_REQUEUE_PI:
      throw new Errno(E.ENOSYS, 'requeue to a PI futex is not emulated');
    default:
      return new Native();   // not trapped by the filter: the host's
  }
}, 'always');

register('set_robust_list', (_k, t, a) => {
  if (a[1] !== BigInt(ROBUST_LIST_HEAD_SIZE)) throw new Errno(E.EINVAL);
  t.robustList = a[0];
  return 0;
});

register('get_robust_list', (k, t, a) => {
  const pid = int(a[0]);
  const target = pid ? k.tasks.get(pid) : t;
  if (!target) throw new Errno(E.ESRCH);
  // ptrace_may_access(PTRACE_MODE_READ_REALCREDS), simplified: same real uid, or CAP_SYS_PTRACE.
  if (target !== t && target.cred.uid !== t.cred.uid && !t.cred.capable(CAP.SYS_PTRACE)) throw new Errno(E.EPERM);
  t.mem.writeU64(a[2], BigInt(ROBUST_LIST_HEAD_SIZE));
  t.mem.writeU64(a[1], target.robustList);
  return 0;
});
