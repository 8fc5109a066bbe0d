// AF_NETLINK sockets (net/netlink/af_netlink.c) of the NETLINK_ROUTE
// protocol: a datagram channel to the kernel's rtnetlink (core/rtnetlink.ts).
// Port ids are the guest's: a process's first socket gets its pid.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { POLL } from '../../fs/file.js';
import { AF, MSG, SOCK, Socket, sockRegister, recvResult, type RecvMsg, type SendMsg } from '../socket.js';
import { netOf, type Net } from '../core/dev.js';
import { rtnetlinkRcv } from '../core/rtnetlink.js';
import { sockIoctl } from '../core/sock_ioctl.js';

const NETLINK_ROUTE = 0;
const SOL_NETLINK = 270;
/** The SOL_NETLINK options iproute2 and others set; kept and reported. */
const NL_OPTS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12]);
const used = new WeakMap<Net, Set<number>>();

function sockaddrNl(portid: number, groups: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF.NETLINK, 0);
  b.writeUInt32LE(portid >>> 0, 4);
  b.writeUInt32LE(groups >>> 0, 8);
  return b;
}

let nextNegative = -4097;

class NetlinkSocket extends Socket {
  portid = 0;
  groups = 0;
  private readonly rxq: Buffer[] = [];
  private readonly opts = new Map<number, number>();
  private readonly net: Net;

  constructor(t: Task, type: number, protocol: number, flags: number) {
    super(AF.NETLINK, type, protocol, flags, { uid: t.cred.euid, gid: t.cred.egid });
    this.net = netOf(t.kernel);
  }

  private ports(): Set<number> {
    let s = used.get(this.net);
    if (!s) used.set(this.net, (s = new Set()));
    return s;
  }

  /** netlink_autobind: the process's pid if free, else a negative number. */
  private autobind(t: Task): void {
    if (this.portid) return;
    const ports = this.ports();
    let id = t.group.pid;
    if (ports.has(id)) while (ports.has(id = nextNegative--));
    this.portid = id;
    ports.add(id);
  }

  override bind(t: Task, addr: Buffer): void {
    if (addr.length < 12 || addr.readUInt16LE(0) !== AF.NETLINK) throw new Errno(E.EINVAL);
    const pid = addr.readUInt32LE(4) | 0, groups = addr.readUInt32LE(8);
    if (pid) {
      if (this.portid && this.portid !== pid) throw new Errno(E.EINVAL);
      if (!this.portid) {
        if (this.ports().has(pid)) throw new Errno(E.EADDRINUSE);
        this.portid = pid;
        this.ports().add(pid);
      }
    } else {
      this.autobind(t);
    }
    this.groups = groups;
  }

  override connect(t: Task, addr: Buffer): void {
    if (addr.length < 12 || addr.readUInt16LE(0) !== AF.NETLINK) throw new Errno(E.EINVAL);
    this.autobind(t);
  }

  getname(peer: boolean): Buffer { return peer ? sockaddrNl(0, 0) : sockaddrNl(this.portid, this.groups); }

  sendmsg(t: Task, msg: SendMsg): number {
    if (msg.name && msg.name.length >= 12 && msg.name.readUInt32LE(4) !== 0) throw new Errno(E.ECONNREFUSED);
    this.autobind(t);
    const replies = rtnetlinkRcv(this.net, msg.data, { portid: this.portid, netAdmin: t.cred.capable(CAP.NET_ADMIN) });
    for (const r of replies) if (this.queued() + r.length <= this.rcvbuf) this.rxq.push(r);
    if (replies.length) this.waitq.wake();
    return msg.data.length;
  }

  private queued(): number { return this.rxq.reduce((n, b) => n + b.length, 0); }

  async recvmsg(t: Task, len: number, flags: number): Promise<RecvMsg> {
    const nonblock = (flags & MSG.DONTWAIT) !== 0 || this.nonblock;
    while (!this.rxq.length) {
      if (nonblock) throw new Errno(E.EAGAIN);
      await this.sleep(t, [this.waitq], this.deadline(false));
    }
    const d = (flags & MSG.PEEK) ? this.rxq[0] : this.rxq.shift()!;
    const data = d.subarray(0, len);
    const trunc = d.length > len;
    return recvResult(data, { result: trunc && (flags & MSG.TRUNC) ? d.length : data.length, name: sockaddrNl(0, 0), flags: trunc ? MSG.TRUNC : 0 });
  }

  override poll(): number { return POLL.OUT | POLL.WRNORM | (this.rxq.length ? POLL.IN | POLL.RDNORM : 0); }

  override setProtoOpt(_t: Task, level: number, name: number, val: Buffer): void {
    if (level !== SOL_NETLINK || !NL_OPTS.has(name)) throw new Errno(E.ENOPROTOOPT);
    if (val.length < 4) throw new Errno(E.EINVAL);
    this.opts.set(name, val.readInt32LE(0));
  }

  override getProtoOpt(_t: Task, level: number, name: number): Buffer {
    if (level !== SOL_NETLINK || !NL_OPTS.has(name)) throw new Errno(E.ENOPROTOOPT);
    const b = Buffer.alloc(4);
    b.writeInt32LE(this.opts.get(name) ?? 0);
    return b;
  }

  override ioctl(t: Task, cmd: number, arg: bigint): number { return sockIoctl(this.net, t, cmd, arg, () => this.rxq[0]?.length ?? 0); }

  protected override release(): void { if (this.portid) this.ports().delete(this.portid); }
}

sockRegister({
  family: AF.NETLINK,
  create(t, type, protocol, flags) {
    if (type !== SOCK.RAW && type !== SOCK.DGRAM) throw new Errno(E.ESOCKTNOSUPPORT);
    if (protocol !== NETLINK_ROUTE) throw new Errno(E.EPROTONOSUPPORT);
    return new NetlinkSocket(t, type, protocol, flags);
  },
});
