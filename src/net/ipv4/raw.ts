// Raw ICMP sockets (net/ipv4/raw.c): socket(AF_INET, SOCK_RAW, IPPROTO_ICMP),
// for CAP_NET_RAW. What is sent is a whole ICMP message (checksum included)
// to which the kernel adds the IP header, or with IP_HDRINCL the packet
// itself; every ICMP packet the machine receives is read with its IP
// header, less the types set in the socket's ICMP_FILTER.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import type { SendMsg } from '../socket.js';
import type { Net } from '../core/dev.js';
import { isAny, sourceFor, unmap } from './inet_addr.js';
import { IcmpDgramSocket } from './datagram.js';
import { rawSockets, send, type IcmpReceiver } from './icmp.js';

const SOL_RAW = 255, ICMP_FILTER = 1, IP_HDRINCL = 3;

export class RawSocket extends IcmpDgramSocket implements IcmpReceiver {
  /** ICMP_FILTER: bit n set drops ICMP type n. */
  private filter = 0;

  constructor(net: Net, owner: { uid: number; gid: number }, family: number, type: number, protocol: number, flags: number) {
    super(net, owner, family, type, protocol, flags, 'ping');
    rawSockets(net).add(this);
  }

  /** raw_bind: an address of the machine (or any); raw sockets have no ports. */
  override bind(_t: Task, addr: Buffer): void {
    const a = this.parse(addr);
    const plain = unmap(a.addr);
    if (!isAny(plain) && !this.net.isLocal(plain)) throw new Errno(E.EADDRNOTAVAIL);
    this.local = { family: this.family, addr: a.addr, port: 0 };
  }

  override autobind(): void { /* no ports */ }

  override sendmsg(_t: Task, msg: SendMsg): number {
    const to = this.destination(msg);
    if (msg.data.length > 65535) throw new Errno(E.EMSGSIZE);
    let m = msg.data;
    let src = isAny(unmap(this.local.addr)) ? sourceFor(this.net, to) : unmap(this.local.addr);
    if (this.opts.get(`0:${IP_HDRINCL}`)) {
      // The caller's own IP header: its length and source count; a zero source is filled in.
      if (m.length < 20 || (m[0] >> 4) !== 4 || (m[0] & 15) * 4 > m.length) throw new Errno(E.EINVAL);
      const from = m.subarray(12, 16);
      if (!isAny(from)) src = Buffer.from(from);
      m = m.subarray((m[0] & 15) * 4);
    }
    send(this.net, Buffer.from(m), src, to);
    return msg.data.length;
  }

  rawIcmp(packet: Buffer, src: Buffer, dst: Buffer): void {
    const type = packet[20];
    if (type < 32 && (this.filter & (1 << type))) return;
    const mine = unmap(this.local.addr);
    if (!isAny(mine) && !mine.equals(dst)) return;
    this.enqueue({ data: packet, from: { family: this.family, addr: src, port: 0 } });
  }

  override setProtoOpt(t: Task, level: number, name: number, val: Buffer): void {
    if (level === SOL_RAW) {
      if (name !== ICMP_FILTER) throw new Errno(E.ENOPROTOOPT);
      if (val.length < 4) throw new Errno(E.EINVAL);
      this.filter = val.readUInt32LE(0);
      return;
    }
    super.setProtoOpt(t, level, name, val);
  }

  override getProtoOpt(t: Task, level: number, name: number, len: number): Buffer {
    if (level === SOL_RAW) {
      if (name !== ICMP_FILTER) throw new Errno(E.ENOPROTOOPT);
      const b = Buffer.alloc(4);
      b.writeUInt32LE(this.filter >>> 0);
      return b.subarray(0, Math.min(4, Math.max(0, len)));
    }
    return super.getProtoOpt(t, level, name, len);
  }

  protected override knowsOpt(level: number, name: number): boolean { return level === 0 && name === IP_HDRINCL; }
  protected override defaultOpt(level: number, name: number): number | undefined { return level === 0 && name === IP_HDRINCL ? 0 : undefined; }

  protected override release(): void {
    rawSockets(this.net).delete(this);
    super.release();
  }
}
