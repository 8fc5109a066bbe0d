// The AF_INET and AF_INET6 families (net/ipv4/af_inet.c inet_create,
// net/ipv6/af_inet6.c): stream sockets are TCP, datagram sockets UDP. Raw and
// ICMP sockets are not here (EPROTONOSUPPORT, and EACCES for ping sockets as
// Linux's default ping_group_range gives).
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { AF, SOCK, sockRegister, type Socket } from '../socket.js';
import { netOf } from '../core/dev.js';
import { IPPROTO } from './inet_sock.js';
import { TcpSocket } from './tcp.js';
import { UdpSocket } from './udp.js';
import './tcp_host.js';

function inetCreate(t: Task, family: number, type: number, protocol: number, flags: number): Socket {
  const net = netOf(t.kernel);
  const owner = { uid: t.cred.euid, gid: t.cred.egid };
  switch (type) {
    case SOCK.STREAM:
      if (protocol !== 0 && protocol !== IPPROTO.TCP) throw new Errno(E.EPROTONOSUPPORT);
      return new TcpSocket(net, owner, family, type, IPPROTO.TCP, flags);
    case SOCK.DGRAM:
      if (protocol === IPPROTO.ICMP || protocol === IPPROTO.ICMPV6) throw new Errno(E.EACCES);
      if (protocol !== 0 && protocol !== IPPROTO.UDP) throw new Errno(E.EPROTONOSUPPORT);
      return new UdpSocket(net, owner, family, type, IPPROTO.UDP, flags);
    case SOCK.RAW:
      if (!t.cred.capable(CAP.NET_RAW)) throw new Errno(E.EPERM);
      throw new Errno(E.EPROTONOSUPPORT);
    default:
      throw new Errno(E.ESOCKTNOSUPPORT);
  }
}

sockRegister({ family: AF.INET, create: (t, type, protocol, flags) => inetCreate(t, AF.INET, type, protocol, flags) });
sockRegister({ family: AF.INET6, create: (t, type, protocol, flags) => inetCreate(t, AF.INET6, type, protocol, flags) });
