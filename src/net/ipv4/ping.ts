// Ping sockets (net/ipv4/ping.c): socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)
// sends ICMP echo requests without privileges. The socket's "port" is the
// echo identifier: the kernel writes it into each request (and the
// checksum), and the replies that carry it come back to the socket as ICMP
// messages without the IP header, from the replying address.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import type { SendMsg } from '../socket.js';
import type { Net } from '../core/dev.js';
import { isAny, sourceFor, unmap } from './inet_addr.js';
import { IcmpDgramSocket } from './datagram.js';
import { ICMP, send, setIcmpChecksum, type IcmpReceiver } from './icmp.js';

export class PingSocket extends IcmpDgramSocket implements IcmpReceiver {
  constructor(net: Net, owner: { uid: number; gid: number }, family: number, type: number, protocol: number, flags: number) {
    super(net, owner, family, type, protocol, flags, 'ping');
  }

  /** ping_bind: an address of the machine (or any); the port is the identifier, with no privileged range. */
  override bind(_t: Task, addr: Buffer): void {
    const a = this.parse(addr);
    if (this.bound) throw new Errno(E.EINVAL);
    const plain = unmap(a.addr);
    if (!isAny(plain) && !this.net.isLocal(plain)) throw new Errno(E.EADDRNOTAVAIL);
    this.local = { family: this.family, addr: a.addr, port: a.port };
    this.takePort(a.port);
  }

  override sendmsg(_t: Task, msg: SendMsg): number {
    const to = this.destination(msg);
    if (to.length !== 4) throw new Errno(E.EAFNOSUPPORT);   // ICMPv6 echo is not here
    // ping_v4_sendmsg: an echo request with at least its header, nothing else.
    if (msg.data.length < 8 || msg.data.length > 65507) throw new Errno(msg.data.length < 8 ? E.EINVAL : E.EMSGSIZE);
    if (msg.data[0] !== ICMP.ECHO || msg.data[1] !== 0) throw new Errno(E.EINVAL);
    this.autobind();
    const m = Buffer.from(msg.data);
    m.writeUInt16BE(this.local.port, 4);
    setIcmpChecksum(m);
    const src = isAny(unmap(this.local.addr)) ? sourceFor(this.net, to) : unmap(this.local.addr);
    send(this.net, m, src, to);
    return msg.data.length;
  }

  echoReply(msg: Buffer, src: Buffer): void {
    this.enqueue({ data: msg, from: { family: this.family, addr: src, port: 0 } });
  }
}
