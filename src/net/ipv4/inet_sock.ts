// What TCP and UDP sockets of both families share (net/ipv4/af_inet.c,
// inet_connection_sock.c's port rules, the IP and IPv6 socket options): the
// local and remote addresses, binding to a port of the guest's namespace,
// autobind from the ephemeral range, and the options programs set.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { Socket, SO } from '../socket.js';
import { AF_INET, AF_INET6, type Net } from '../core/dev.js';
import { sockIoctl } from '../core/sock_ioctl.js';
import { ANY4, ANY6, encodeSockAddr, isAny, parseSockAddr, unmap, type SockAddr } from './inet_addr.js';

export const IPPROTO = { IP: 0, ICMP: 1, TCP: 6, UDP: 17, IPV6: 41, ICMPV6: 58, RAW: 255 } as const;
const IPV6_V6ONLY = 26;
/** net.ipv4.ip_local_port_range */
const EPHEMERAL_LOW = 32768, EPHEMERAL_HIGH = 60999;
const PROT_SOCK = 1024;

/** The port spaces: TCP's, UDP's, and the identifiers of ping sockets. */
type Proto = 'tcp' | 'udp' | 'ping';
const tables = new WeakMap<Net, Record<Proto, Map<number, Set<InetSocket>>>>();
function portTable(net: Net, proto: Proto): Map<number, Set<InetSocket>> {
  let t = tables.get(net);
  if (!t) { t = { tcp: new Map(), udp: new Map(), ping: new Map() }; tables.set(net, t); }
  return t[proto];
}

/** The integer options of levels IP/IPV6/TCP that a socket keeps, with Linux's defaults. */
const OPT_DEFAULTS: Record<string, number> = {
  '0:1': 0,      // IP_TOS
  '0:2': 64,     // IP_TTL
  '0:8': 0,      // IP_PKTINFO
  '0:10': 1,     // IP_MTU_DISCOVER (IP_PMTUDISC_WANT)
  '0:11': 0,     // IP_RECVERR
  '0:33': 1,     // IP_MULTICAST_TTL
  '0:34': 1,     // IP_MULTICAST_LOOP
  '41:16': 64,   // IPV6_UNICAST_HOPS
  '41:25': 0,    // IPV6_RECVERR
  '41:49': 0,    // IPV6_RECVPKTINFO
  '41:67': 0,    // IPV6_TCLASS
};

export abstract class InetSocket extends Socket {
  local: SockAddr;
  remote: SockAddr | null = null;
  /** Bound to a port (explicitly or by autobind). */
  bound = false;
  v6only = false;
  readonly net: Net;
  protected readonly opts = new Map<string, number>();

  constructor(net: Net, owner: { uid: number; gid: number }, family: number, type: number, protocol: number, flags: number, readonly proto: Proto) {
    super(family, type, protocol, flags, owner);
    this.net = net;
    this.local = { family, addr: family === AF_INET ? ANY4 : ANY6, port: 0 };
  }

  getname(peer: boolean): Buffer {
    if (peer) {
      if (!this.remote) throw new Errno(E.ENOTCONN);
      return encodeSockAddr({ ...this.remote, family: this.family });
    }
    return encodeSockAddr({ ...this.local, family: this.family });
  }

  parse(b: Buffer): SockAddr { return parseSockAddr(this.family, b); }

  override bind(t: Task, addr: Buffer): void {
    const a = this.parse(addr);
    if (this.bound) throw new Errno(E.EINVAL);
    if (this.v6only && a.addr.length === 16 && unmap(a.addr).length === 4) throw new Errno(E.EINVAL);
    const plain = unmap(a.addr);
    if (!isAny(plain) && !this.net.isLocal(plain) && !this.boolOpts.has(19 /* IP_FREEBIND */)) throw new Errno(E.EADDRNOTAVAIL);
    if (a.port && a.port < PROT_SOCK && !t.cred.capable(CAP.NET_BIND_SERVICE)) throw new Errno(E.EACCES);
    this.local = { family: this.family, addr: a.addr, port: a.port };
    this.takePort(a.port);
  }

  /** inet_csk_get_port / udp_lib_get_port: a port for the local address, or EADDRINUSE. */
  protected takePort(port: number): void {
    const table = portTable(this.net, this.proto);
    if (port === 0) {
      const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
      const start = Math.floor(Math.random() * span);
      for (let i = 0; i < span && !port; i++) {
        const p = EPHEMERAL_LOW + ((start + i) % span);
        if (!this.conflicts(table.get(p))) port = p;
      }
      if (!port) throw new Errno(E.EADDRINUSE);
    } else if (this.conflicts(table.get(port))) {
      throw new Errno(E.EADDRINUSE);
    }
    this.local = { ...this.local, port };
    let set = table.get(port);
    if (!set) table.set(port, (set = new Set()));
    set.add(this);
    this.bound = true;
  }

  private conflicts(others: Set<InetSocket> | undefined): boolean {
    if (!others) return false;
    for (const o of others) {
      if (!this.overlaps(o)) continue;
      const reuseport = this.boolOpts.has(SO.REUSEPORT) && o.boolOpts.has(SO.REUSEPORT);
      const reuseaddr = this.boolOpts.has(SO.REUSEADDR) && o.boolOpts.has(SO.REUSEADDR) && !o.isListening();
      if (!reuseport && !reuseaddr) return true;
    }
    return false;
  }

  /** Whether two bindings of one port would take the same packets. */
  private overlaps(o: InetSocket): boolean {
    const a = unmap(this.local.addr), b = unmap(o.local.addr);
    if (a.length !== b.length) {
      // A v6 socket on :: takes v4 too unless it is v6-only.
      const v6 = a.length === 16 ? this : o;
      return isAny(v6 === this ? a : b) && !v6.v6only;
    }
    return isAny(a) || isAny(b) || a.equals(b);
  }

  /** Binds to an ephemeral port if not bound (inet_autobind). */
  autobind(): void { if (!this.bound) this.takePort(0); }

  protected unbind(): void {
    if (!this.bound) return;
    portTable(this.net, this.proto).get(this.local.port)?.delete(this);
    this.bound = false;
  }

  protected override release(): void { this.unbind(); }

  /** The sockets bound to port whose address takes packets for addr. */
  static lookup(net: Net, proto: Proto, addr: Buffer, port: number): InetSocket[] {
    const set = portTable(net, proto).get(port);
    if (!set) return [];
    const want = unmap(addr);
    return [...set].filter((s) => {
      const mine = unmap(s.local.addr);
      if (mine.length !== want.length) return mine.length === 16 && isAny(mine) && !s.v6only;
      return isAny(mine) || mine.equals(want);
    });
  }

  override setProtoOpt(_t: Task, level: number, name: number, val: Buffer): void {
    if (val.length < 4 && !(val.length === 1 && level === IPPROTO.IP)) throw new Errno(E.EINVAL);
    const v = val.length >= 4 ? val.readInt32LE(0) : val[0];
    if (level === IPPROTO.IPV6 && name === IPV6_V6ONLY) {
      if (this.family !== AF_INET6) throw new Errno(E.ENOPROTOOPT);
      if (this.bound) throw new Errno(E.EINVAL);
      this.v6only = v !== 0;
      return;
    }
    const key = `${level}:${name}`;
    if (!(key in OPT_DEFAULTS) && !this.knowsOpt(level, name)) throw new Errno(E.ENOPROTOOPT);
    if (level === IPPROTO.IPV6 && this.family !== AF_INET6) throw new Errno(E.ENOPROTOOPT);
    if (key === '0:2' && (v === 0 || v > 255 || v < -1)) throw new Errno(E.EINVAL);
    this.opts.set(key, key === '0:2' && v === -1 ? 64 : v);
  }

  override getProtoOpt(_t: Task, level: number, name: number, _len: number): Buffer {
    const b = Buffer.alloc(4);
    if (level === IPPROTO.IPV6 && name === IPV6_V6ONLY) {
      if (this.family !== AF_INET6) throw new Errno(E.ENOPROTOOPT);
      b.writeInt32LE(this.v6only ? 1 : 0);
      return b;
    }
    const key = `${level}:${name}`;
    const v = this.opts.get(key) ?? OPT_DEFAULTS[key] ?? this.defaultOpt(level, name);
    if (v === undefined) throw new Errno(E.ENOPROTOOPT);
    b.writeInt32LE(v);
    return b;
  }

  /** Bytes a read would find now (SIOCINQ). */
  protected inq(): number { return 0; }

  override ioctl(t: Task, cmd: number, arg: bigint): number {
    if (cmd === 0x541b && this.isListening()) throw new Errno(E.EINVAL);
    return sockIoctl(this.net, t, cmd, arg, () => this.inq());
  }

  /** Protocol options of the subclass (TCP_*): whether it keeps name, and its default. */
  protected knowsOpt(_level: number, _name: number): boolean { return false; }
  protected defaultOpt(_level: number, _name: number): number | undefined { return undefined; }
}

export { AF_INET, AF_INET6 };
