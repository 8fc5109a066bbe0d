// UDP sockets (net/ipv4/udp.c): datagrams between guest sockets on the
// machine's own addresses, and to the host's network through a host UDP
// socket of tuml's (slirp's udp.c), with 10.0.2.3:53 answered by the kernel's
// DNS (slirp_dns.ts).
import dgram from 'node:dgram';
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import type { SendMsg } from '../socket.js';
import type { Net } from '../core/dev.js';
import { hostErrno, formatAddr, guestAddressOf, hostAddressOf, isAny, routeOf, SLIRP, sourceFor, unmap, type SockAddr } from './inet_addr.js';
import { InetSocket } from './inet_sock.js';
import { InetDgramSocket } from './datagram.js';
import { answerDns } from './slirp_dns.js';

const MAX_PAYLOAD = 65507;

export class UdpSocket extends InetDgramSocket {
  private host: dgram.Socket | null = null;

  constructor(net: Net, owner: { uid: number; gid: number }, family: number, type: number, protocol: number, flags: number) {
    super(net, owner, family, type, protocol, flags, 'udp');
  }

  override connect(_t: Task, addr: Buffer): void {
    if (addr.length >= 2 && addr.readUInt16LE(0) === 0) {   // AF_UNSPEC: dissolve the association
      this.remote = null;
      return;
    }
    const dst = this.parse(addr);
    routeOf(this.net, dst.addr);
    this.autobind();
    this.remote = { family: this.family, addr: dst.addr, port: dst.port };
    if (isAny(unmap(this.local.addr))) this.local = { ...this.local, addr: this.inFamily(sourceFor(this.net, dst.addr)) };
  }

  override sendmsg(t: Task, msg: SendMsg): number {
    const dst = msg.name && msg.name.length ? this.parse(msg.name) : this.remote;
    if (!dst) throw new Errno(E.EDESTADDRREQ);
    if (this.shutdownMask & 2) { this.sigpipe(t, msg.flags); throw new Errno(E.EPIPE); }
    if (msg.data.length > MAX_PAYLOAD) throw new Errno(E.EMSGSIZE);
    if (dst.port === 0) throw new Errno(E.EINVAL);
    const e = this.remote ? this.takeError() : 0;
    if (e) throw new Errno(e);
    const route = routeOf(this.net, dst.addr);
    this.autobind();
    const src = isAny(unmap(this.local.addr)) ? sourceFor(this.net, dst.addr) : unmap(this.local.addr);
    if (route === 'local') this.sendLocal(msg.data, dst, src);
    else this.sendHost(msg.data, dst);
    return msg.data.length;
  }

  private sendLocal(data: Buffer, dst: SockAddr, src: Buffer): void {
    const targets = InetSocket.lookup(this.net, 'udp', dst.addr, dst.port).filter((s): s is UdpSocket => s instanceof UdpSocket);
    const lo = this.net.devices[0].stats;
    lo.txPackets++; lo.txBytes += BigInt(data.length);
    const target = targets.find((s) => !s.remote || (unmap(s.remote.addr).equals(src) && s.remote.port === this.local.port));
    if (!target) {
      // The ICMP port unreachable that comes back: a connected socket hears of it.
      if (this.remote) { this.err = E.ECONNREFUSED; this.waitq.wake(); }
      return;
    }
    lo.rxPackets++; lo.rxBytes += BigInt(data.length);
    target.enqueue({ data: Buffer.from(data), from: { family: this.family, addr: src, port: this.local.port } });
  }

  private sendHost(data: Buffer, dst: SockAddr): void {
    const plain = unmap(dst.addr);
    if (formatAddr(plain) === SLIRP.DNS) {
      if (dst.port === 53) {
        void answerDns(Buffer.from(data)).then((r) => { if (r) this.enqueue({ data: r, from: { family: this.family, addr: plain, port: 53 } }); });
      }
      return;
    }
    if (!this.host) this.host = this.openHost(plain.length === 4 ? 'udp4' : 'udp6');
    this.host.send(Buffer.from(data), dst.port, hostAddressOf(plain));
  }

  private openHost(type: 'udp4' | 'udp6'): dgram.Socket {
    const s = dgram.createSocket(type);
    s.on('message', (m, rinfo) => this.enqueue({ data: m, from: { family: this.family, addr: guestAddressOf(rinfo.address), port: rinfo.port } }));
    s.on('error', (e) => { this.err = hostErrno(e, E.EIO); this.waitq.wake(); });
    s.unref();
    return s;
  }

  protected override release(): void {
    this.host?.close();
    this.host = null;
    super.release();
  }
}
