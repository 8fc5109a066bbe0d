// The terminal device numbers (drivers/tty/tty_io.c, vt, pty.c): /dev/tty
// (5:0) is the opener's controlling terminal, /dev/console (5:1) and
// /dev/tty0..N (4:N) the console, /dev/ptmx (5:2) a new pseudo-terminal.
import { Errno, E } from '../../host/errno.js';
import { O } from '../../fs/file.js';
import { addDeviceNode, mkdev, registerChrdev } from '../registry.js';
import { S_IFCHR } from '../../fs/file.js';
import { devpts } from '../../fs/devpts/inode.js';
import { ConsoleFile } from '../char/console.js';
import { ttyOpen } from './tty_io.js';

export const TTY_MAJOR = 4, TTYAUX_MAJOR = 5;
/** How many /dev/ttyN nodes are announced (the console is all of them, as UML's con channels default). */
const NR_CONSOLES = 8;

registerChrdev(TTYAUX_MAJOR, (task, minor, flags) => {
  const k = task.kernel;
  switch (minor) {
    case 0: {
      // /dev/tty: the controlling terminal, never made one by this open.
      const tty = task.group.tty;
      if (!tty) throw new Errno(E.ENXIO);
      return ttyOpen(task, tty, flags, true);
    }
    case 1: {
      if (k.console) return ttyOpen(task, k.console.tty, flags, true, true);
      // No host terminal: /dev/console writes to tuml's stdout (reads its stdin), as the boot fds do.
      const acc = flags & O.ACCMODE;
      return new ConsoleFile(acc === O.RDONLY ? 0 : 1, flags, '/dev/console');
    }
    case 2: return devpts(k).openPtmx(task, flags);
  }
  throw new Errno(E.ENXIO);
});

registerChrdev(TTY_MAJOR, (task, minor, flags) => {
  const con = task.kernel.console;
  if (!con || minor > 63) throw new Errno(E.ENXIO);
  // /dev/tty0 is "the current console" and never a controlling terminal by open.
  return ttyOpen(task, con.tty, flags, minor === 0);
});

addDeviceNode({ name: 'tty', type: S_IFCHR, rdev: mkdev(TTYAUX_MAJOR, 0), mode: 0o666 });
addDeviceNode({ name: 'console', type: S_IFCHR, rdev: mkdev(TTYAUX_MAJOR, 1), mode: 0o600 });
addDeviceNode({ name: 'ptmx', type: S_IFCHR, rdev: mkdev(TTYAUX_MAJOR, 2), mode: 0o666 });
for (let i = 0; i < NR_CONSOLES; i++) addDeviceNode({ name: `tty${i}`, type: S_IFCHR, rdev: mkdev(TTY_MAJOR, i), mode: 0o620 });
