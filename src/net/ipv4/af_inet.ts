// The AF_INET and AF_INET6 families (net/ipv4/af_inet.c inet_create,
// net/ipv6/af_inet6.c): stream sockets are TCP, datagram sockets UDP or ICMP
// echo (ping sockets, open to every group as the ping_group_range that
// systemd sets on Linux distributions), raw sockets ICMP for CAP_NET_RAW.
// ICMPv6 and raw sockets of other protocols are not here (EPROTONOSUPPORT).
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { AF, SOCK, sockRegister, type Socket } from '../socket.js';
import { netOf } from '../core/dev.js';
import { IPPROTO } from './inet_sock.js';
import { TcpSocket } from './tcp.js';
import { UdpSocket } from './udp.js';
import { PingSocket } from './ping.js';
import { RawSocket } from './raw.js';
import './tcp_host.js';

function inetCreate(t: Task, family: number, type: number, protocol: number, flags: number): Socket {
  const net = netOf(t.kernel);
  const owner = { uid: t.cred.euid, gid: t.cred.egid };
  switch (type) {
    case SOCK.STREAM:
      if (protocol !== 0 && protocol !== IPPROTO.TCP) throw new Errno(E.EPROTONOSUPPORT);
      return new TcpSocket(net, owner, family, type, IPPROTO.TCP, flags);
    case SOCK.DGRAM:
      if (protocol === IPPROTO.ICMP && family === AF.INET) return new PingSocket(net, owner, family, type, protocol, flags);
      if (protocol === IPPROTO.ICMP || protocol === IPPROTO.ICMPV6) throw new Errno(E.EPROTONOSUPPORT);
      if (protocol !== 0 && protocol !== IPPROTO.UDP) throw new Errno(E.EPROTONOSUPPORT);
      return new UdpSocket(net, owner, family, type, IPPROTO.UDP, flags);
    case SOCK.RAW:
      if (!t.cred.capable(CAP.NET_RAW)) throw new Errno(E.EPERM);
      if (protocol === IPPROTO.ICMP && family === AF.INET) return new RawSocket(net, owner, family, type, protocol, flags);
      throw new Errno(E.EPROTONOSUPPORT);
    default:
      throw new Errno(E.ESOCKTNOSUPPORT);
  }
}

sockRegister({ family: AF.INET, create: (t, type, protocol, flags) => inetCreate(t, AF.INET, type, protocol, flags) });
sockRegister({ family: AF.INET6, create: (t, type, protocol, flags) => inetCreate(t, AF.INET6, type, protocol, flags) });
