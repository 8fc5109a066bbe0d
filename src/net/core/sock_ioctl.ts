// The ioctls every socket answers (net/socket.c sock_ioctl): the interface
// ioctls of dev_ioctl.ts on any socket, and FIONREAD/SIOCINQ with the
// protocol's count of readable bytes.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { netOf, type Net } from './dev.js';
import { registerSockIoctl } from '../socket.js';
import { devIoctl, isDevIoctl } from './dev_ioctl.js';

const SIOCINQ = 0x541b, SIOCOUTQ = 0x5411;

export function sockIoctl(net: Net, t: Task, cmd: number, arg: bigint, inq: () => number, outq: () => number = () => 0): number {
  if (cmd === SIOCINQ) { t.mem.writeI32(arg, inq()); return 0; }
  if (cmd === SIOCOUTQ) { t.mem.writeI32(arg, outq()); return 0; }
  if (isDevIoctl(cmd)) return devIoctl(net, t, cmd, arg);
  throw new Errno(E.ENOTTY);
}

// Every family's sockets answer the interface ioctls (AF_UNIX ones too, as
// programs that open any socket just to ask about interfaces expect).
registerSockIoctl((t, _sock, cmd, arg) => (isDevIoctl(cmd) ? devIoctl(netOf(t.kernel), t, cmd, arg) : null));
