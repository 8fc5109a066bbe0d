// Ping sockets (net/ipv4/ping.c): socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)
// sends ICMP echo requests without privileges. The socket's "port" is the
// echo identifier: the kernel writes it into each request (and the
// checksum), and the replies that carry it come back to the socket as ICMP
// messages without the IP header, from the replying address.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import type { SendMsg } from '../socket.js';
import type { Net } from '../core/dev.js';
import { isAny, sourceFor, unmap, type SockAddr } from './inet_addr.js';
import { InetDgramSocket } from './datagram.js';
import { ICMP, send, setIcmpChecksum, type IcmpReceiver } from './icmp.js';

export class PingSocket extends InetDgramSocket implements IcmpReceiver {
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

  override connect(_t: Task, addr: Buffer): void {
    if (addr.length >= 2 && addr.readUInt16LE(0) === 0) { this.remote = null; return; }   // AF_UNSPEC
    const dst = this.parse(addr);
    this.autobind();
    this.remote = { family: this.family, addr: dst.addr, port: 0 };
  }

  /** A connected ping socket hears only from its peer's address (ping has no ports). */
  protected override fromPeer(from: SockAddr): boolean {
    return !this.remote || unmap(this.remote.addr).equals(unmap(from.addr));
  }

  override sendmsg(_t: Task, msg: SendMsg): number {
    const dst = msg.name && msg.name.length ? this.parse(msg.name) : this.remote;
    if (!dst) throw new Errno(E.EDESTADDRREQ);
    const to = unmap(dst.addr);
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
