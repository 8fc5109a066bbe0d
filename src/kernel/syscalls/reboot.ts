// reboot(2) (kernel/reboot.c): halt, power off and restart stop the
// machine; CAD_ON/CAD_OFF set what Ctrl-Alt-Del does. As in Linux the call
// writes nothing back itself: `poweroff -f` and busybox init's halt call
// sync(2) first.
import { Errno, E } from '../../host/errno.js';
import { CAP } from '../cred.js';
import { register, uint } from './table.js';

const MAGIC1 = 0xfee1dead;
const MAGIC2 = [672274793, 85072278, 369367448, 537993216];
const CMD = {
  RESTART: 0x01234567, HALT: 0xcdef0123, CAD_ON: 0x89abcdef, CAD_OFF: 0x00000000,
  POWER_OFF: 0x4321fedc, RESTART2: 0xa1b2c3d4, SW_SUSPEND: 0xd000fce2, KEXEC: 0x45584543,
} as const;

/** C_A_D: whether Ctrl-Alt-Del restarts at once (1) or signals init (0, after CAD_OFF). */
let cadRestarts = true;
export function ctrlAltDelRestarts(): boolean { return cadRestarts; }

register('reboot', (k, t, a) => {
  if (!t.cred.capable(CAP.SYS_BOOT)) throw new Errno(E.EPERM);
  if (uint(a[0]) !== MAGIC1 || !MAGIC2.includes(uint(a[1]))) throw new Errno(E.EINVAL);
  switch (uint(a[2])) {
    case CMD.CAD_ON: cadRestarts = true; return 0;
    case CMD.CAD_OFF: cadRestarts = false; return 0;
    case CMD.HALT: k.halt('reboot: System halted'); break;
    case CMD.POWER_OFF: k.halt('reboot: Power down'); break;
    // UML restarts by running itself again; tuml stops and says so.
    case CMD.RESTART: case CMD.RESTART2:
      k.halt('reboot: Restarting system (tuml stops: restarting in place is not supported)'); break;
    case CMD.SW_SUSPEND: throw new Errno(E.ENOSYS);   // no hibernation (CONFIG_HIBERNATION off)
    default: throw new Errno(E.EINVAL);                  // KEXEC too: no kexec
  }
  // The caller never comes back: the machine is stopping and kills it.
  return new Promise<never>(() => {});
});
