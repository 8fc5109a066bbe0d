// What the datagram sockets of the inet families share (net/ipv4/datagram.c,
// the receive side of udp.c, raw.c and ping.c): a queue of whole datagrams
// bounded by SO_RCVBUF, a connected socket hearing only its peer, and
// recvmsg/poll/shutdown over that queue.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { POLL } from '../../fs/file.js';
import { MSG, RCV_SHUTDOWN, recvResult, type RecvMsg, type SendMsg } from '../socket.js';
import { encodeSockAddr, unmap, type SockAddr } from './inet_addr.js';
import { InetSocket } from './inet_sock.js';

export interface Datagram { data: Buffer; from: SockAddr }

export abstract class InetDgramSocket extends InetSocket {
  private readonly rxq: Datagram[] = [];
  private rxBytes = 0;

  /** An address of the other family shown in this socket's (v4-mapped in an AF_INET6 socket). */
  protected inFamily(a: Buffer): Buffer {
    return this.family === 10 && a.length === 4 ? Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), a]) : a;
  }

  /** Whether a connected socket takes a datagram from this source (ports count where the protocol has them). */
  protected fromPeer(from: SockAddr): boolean {
    return !this.remote || (unmap(this.remote.addr).equals(unmap(from.addr)) && this.remote.port === from.port);
  }

  /** A datagram arrives; dropped when the receive buffer is full, as Linux does. */
  enqueue(d: Datagram): void {
    if (this.shutdownMask & RCV_SHUTDOWN) return;
    if (!this.fromPeer(d.from)) return;
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
}

/**
 * The ICMP sockets (ping and raw): no ports, so connect() records only the
 * peer's address and a connected socket hears from that address.
 */
export abstract class IcmpDgramSocket extends InetDgramSocket {
  override connect(_t: Task, addr: Buffer): void {
    if (addr.length >= 2 && addr.readUInt16LE(0) === 0) { this.remote = null; return; }   // AF_UNSPEC
    const dst = this.parse(addr);
    this.autobind();
    this.remote = { family: this.family, addr: dst.addr, port: 0 };
  }

  protected override fromPeer(from: SockAddr): boolean {
    return !this.remote || unmap(this.remote.addr).equals(unmap(from.addr));
  }

  /** Where a message goes: its own address or the connected peer's (EDESTADDRREQ without either). */
  protected destination(msg: SendMsg): Buffer {
    const dst = msg.name && msg.name.length ? this.parse(msg.name) : this.remote;
    if (!dst) throw new Errno(E.EDESTADDRREQ);
    return unmap(dst.addr);
  }
}
