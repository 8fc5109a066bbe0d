// UDP sockets (net/ipv4/udp.c): datagrams between guest sockets on the
// machine's own addresses, and to the host's network through a host UDP
// socket of tuml's (slirp's udp.c), with 10.0.2.3:53 answered by the kernel's
// DNS (slirp_dns.ts).
import dgram from 'node:dgram';
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { POLL } from '../../fs/file.js';
import { MSG, RCV_SHUTDOWN, recvResult, type RecvMsg, type SendMsg } from '../socket.js';
import type { Net } from '../core/dev.js';
import { hostErrno, encodeSockAddr, formatAddr, guestAddressOf, hostAddressOf, isAny, parseIp, routeOf, SLIRP, sourceFor, unmap, type SockAddr } from './inet_addr.js';
import { InetSocket } from './inet_sock.js';
import { answerDns } from './slirp_dns.js';

const MAX_PAYLOAD = 65507;
interface Datagram { data: Buffer; from: SockAddr }

export class UdpSocket extends InetSocket {
  private readonly rxq: Datagram[] = [];
  private rxBytes = 0;
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

  private inFamily(a: Buffer): Buffer {
    return this.family === 10 && a.length === 4 ? Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), a]) : a;
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

  /** A datagram arrives; dropped when the receive buffer is full, as UDP does. */
  enqueue(d: Datagram): void {
    if (this.shutdownMask & RCV_SHUTDOWN) return;
    if (this.remote && !(unmap(this.remote.addr).equals(unmap(d.from.addr)) && this.remote.port === d.from.port)) return;
    if (this.rxBytes + d.data.length > this.rcvbuf) return;
    this.rxq.push(d);
    this.rxBytes += d.data.length;
    this.waitq.wake();
  }

  override async recvmsg(t: Task, len: number, flags: number): Promise<RecvMsg> {
    if (flags & MSG.OOB) throw new Errno(E.EOPNOTSUPP);
    const nonblock = (flags & MSG.DONTWAIT) !== 0 || this.nonblock;
    const deadline = this.deadline(false);
    for (;;) {
      const d = this.rxq[0];
      if (d) {
        if (!(flags & MSG.PEEK)) { this.rxq.shift(); this.rxBytes -= d.data.length; }
        const data = d.data.subarray(0, len);
        const trunc = d.data.length > len;
        return recvResult(data, {
          result: trunc && (flags & MSG.TRUNC) ? d.data.length : data.length,
          name: encodeSockAddr({ ...d.from, family: this.family, addr: this.inFamily(unmap(d.from.addr)) }),
          flags: trunc ? MSG.TRUNC : 0,
        });
      }
      const e = this.takeError();
      if (e) throw new Errno(e);
      if (this.shutdownMask & RCV_SHUTDOWN) return recvResult(Buffer.alloc(0));
      if (nonblock) throw new Errno(E.EAGAIN);
      await this.sleep(t, [this.waitq], deadline);
    }
  }

  protected override inq(): number { return this.rxq[0]?.data.length ?? 0; }

  override shutdown(how: number): void {
    if (how < 0 || how > 2) throw new Errno(E.EINVAL);
    if (!this.remote) throw new Errno(E.ENOTCONN);
    this.shutdownMask |= how + 1;
    this.waitq.wake();
  }

  override poll(): number {
    let m = POLL.OUT | POLL.WRNORM;
    if (this.rxq.length || (this.shutdownMask & RCV_SHUTDOWN)) m |= POLL.IN | POLL.RDNORM;
    if (this.err) m |= POLL.ERR;
    if (this.shutdownMask === 3) m |= POLL.HUP;
    return m;
  }

  protected override release(): void {
    this.host?.close();
    this.host = null;
    super.release();
  }
}
