// Network devices and the guest's network namespace (net/core/dev.c,
// net/core/net_namespace.c, the address lists of net/ipv4/devinet.c and
// net/ipv6/addrconf.c, the tables of net/ipv4/fib_*.c). The guest owns all
// of this: its interfaces, addresses and routes are the kernel's state, never
// the host's. A new machine has lo (127.0.0.1/8, ::1) and eth0 with the
// addresses of QEMU's and slirp's user networking (10.0.2.15/24, gateway
// 10.0.2.2, DNS 10.0.2.3), which is what the host's network is reached as.
import { Errno, E } from '../../host/errno.js';

export const IFF = {
  UP: 0x1, BROADCAST: 0x2, DEBUG: 0x4, LOOPBACK: 0x8, POINTOPOINT: 0x10, NOTRAILERS: 0x20,
  RUNNING: 0x40, NOARP: 0x80, PROMISC: 0x100, ALLMULTI: 0x200, MULTICAST: 0x1000, LOWER_UP: 0x10000,
} as const;
/** The flags a user may change (dev_change_flags); the others are the device's state. */
const IFF_USER = IFF.UP | IFF.DEBUG | IFF.NOTRAILERS | IFF.NOARP | IFF.PROMISC | IFF.ALLMULTI | IFF.MULTICAST;
export const ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
export const AF_INET = 2, AF_INET6 = 10;
export const RT_SCOPE = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;
export const RT_TABLE = { MAIN: 254, LOCAL: 255 } as const;
export const RTN = { UNICAST: 1, LOCAL: 2, BROADCAST: 3 } as const;
export const RTPROT = { KERNEL: 2, BOOT: 3, STATIC: 4 } as const;

/** Packet and byte counters (struct rtnl_link_stats64, the part the kernel keeps). */
export interface DevStats { rxPackets: bigint; txPackets: bigint; rxBytes: bigint; txBytes: bigint }

export class NetDevice {
  flags: number;
  mtu: number;
  readonly stats: DevStats = { rxPackets: 0n, txPackets: 0n, rxBytes: 0n, txBytes: 0n };
  txqlen: number;
  constructor(
    readonly index: number,
    public name: string,
    readonly type: number,
    readonly hwaddr: Buffer,
    flags: number,
    mtu: number,
  ) {
    this.flags = flags;
    this.mtu = mtu;
    this.txqlen = 1000;
  }
  get up(): boolean { return (this.flags & IFF.UP) !== 0; }
  /** Flags as userspace sees them: RUNNING and LOWER_UP follow UP (the link is always there). */
  get shownFlags(): number {
    return this.up ? this.flags | IFF.RUNNING | IFF.LOWER_UP : this.flags & ~(IFF.RUNNING | IFF.LOWER_UP);
  }
  get broadcast(): Buffer { return this.type === ARPHRD_LOOPBACK ? Buffer.alloc(6) : Buffer.alloc(6, 0xff); }
  /** IF_OPER_UP (6) or IF_OPER_DOWN (2); loopback reports UNKNOWN (0) as Linux does. */
  get operstate(): number { return this.type === ARPHRD_LOOPBACK ? (this.up ? 0 : 2) : this.up ? 6 : 2; }
}

/** An address of an interface (struct in_ifaddr / inet6_ifaddr). */
export interface IfAddr {
  family: number;
  index: number;
  local: Buffer;        // 4 or 16 bytes
  prefixlen: number;
  scope: number;
  broadcast: Buffer | null;
  label: string;
}

/** A route of the FIB (one table entry). */
export interface Route {
  family: number;
  table: number;
  dst: Buffer;          // network address (all zeros for default)
  dstLen: number;
  gateway: Buffer | null;
  oif: number;
  prefsrc: Buffer | null;
  protocol: number;
  scope: number;
  type: number;
  priority: number;
}

export function ip4(s: string): Buffer { return Buffer.from(s.split('.').map(Number)); }
export function ip6(s: string): Buffer {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

/** The network of addr/prefixlen (the host bits cleared). */
export function maskAddr(addr: Buffer, prefixlen: number): Buffer {
  const out = Buffer.from(addr);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefixlen - i * 8));
    out[i] &= (0xff << (8 - bits)) & 0xff;
  }
  return out;
}

export function inPrefix(addr: Buffer, net: Buffer, prefixlen: number): boolean {
  return addr.length === net.length && maskAddr(addr, prefixlen).equals(maskAddr(net, prefixlen));
}

/** struct net: one network namespace. */
export class Net {
  readonly devices: NetDevice[] = [];
  readonly addrs: IfAddr[] = [];
  readonly routes: Route[] = [];
  private nextIndex = 1;
  /** Told when an interface goes up or down (sockets on it fail or work again). */
  readonly linkListeners = new Set<(dev: NetDevice) => void>();

  constructor() {
    const lo = this.addDevice('lo', ARPHRD_LOOPBACK, Buffer.alloc(6), IFF.LOOPBACK, 65536);
    const eth0 = this.addDevice('eth0', ARPHRD_ETHER, Buffer.from([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
      IFF.BROADCAST | IFF.MULTICAST, 1500);
    this.addAddr({ family: AF_INET, index: lo.index, local: ip4('127.0.0.1'), prefixlen: 8, scope: RT_SCOPE.HOST, broadcast: null, label: 'lo' });
    this.addAddr({ family: AF_INET6, index: lo.index, local: ip6('::1'), prefixlen: 128, scope: RT_SCOPE.HOST, broadcast: null, label: 'lo' });
    this.addAddr({ family: AF_INET, index: eth0.index, local: ip4('10.0.2.15'), prefixlen: 24, scope: RT_SCOPE.UNIVERSE, broadcast: ip4('10.0.2.255'), label: 'eth0' });
    this.setFlags(lo, lo.flags | IFF.UP);
    this.setFlags(eth0, eth0.flags | IFF.UP);
    this.addRoute({
      family: AF_INET, table: RT_TABLE.MAIN, dst: Buffer.alloc(4), dstLen: 0, gateway: ip4('10.0.2.2'), oif: eth0.index,
      prefsrc: null, protocol: RTPROT.BOOT, scope: RT_SCOPE.UNIVERSE, type: RTN.UNICAST, priority: 0,
    });
  }

  addDevice(name: string, type: number, hwaddr: Buffer, flags: number, mtu: number): NetDevice {
    const d = new NetDevice(this.nextIndex++, name, type, hwaddr, flags, mtu);
    this.devices.push(d);
    return d;
  }

  device(index: number): NetDevice {
    const d = this.devices.find((x) => x.index === index);
    if (!d) throw new Errno(E.ENODEV);
    return d;
  }

  deviceByName(name: string): NetDevice {
    const d = this.devices.find((x) => x.name === name);
    if (!d) throw new Errno(E.ENODEV);
    return d;
  }

  /** dev_change_flags: UP brings the interface's kernel routes with it, DOWN takes them away. */
  setFlags(dev: NetDevice, flags: number): void {
    const wasUp = dev.up;
    dev.flags = (dev.flags & ~IFF_USER) | (flags & IFF_USER);
    if (wasUp === dev.up) return;
    if (dev.up) for (const a of this.addrs.filter((x) => x.index === dev.index)) this.addrRoutes(a);
    else this.routes.splice(0, this.routes.length, ...this.routes.filter((r) => r.oif !== dev.index));
    for (const l of this.linkListeners) l(dev);
  }

  addAddr(a: IfAddr): void {
    if (this.addrs.some((x) => x.family === a.family && x.index === a.index && x.local.equals(a.local))) throw new Errno(E.EEXIST);
    this.addrs.push(a);
    if (this.device(a.index).up) this.addrRoutes(a);
  }

  delAddr(a: IfAddr): void {
    const i = this.addrs.indexOf(a);
    if (i < 0) throw new Errno(E.EADDRNOTAVAIL);
    this.addrs.splice(i, 1);
    const keep = this.routes.filter((r) => !(r.protocol === RTPROT.KERNEL && r.prefsrc?.equals(a.local)));
    this.routes.splice(0, this.routes.length, ...keep);
  }

  /** fib_add_ifaddr: the local route of the address and the route to its subnet. */
  private addrRoutes(a: IfAddr): void {
    const full = a.family === AF_INET ? 32 : 128;
    const base = { family: a.family, gateway: null, oif: a.index, prefsrc: a.local, protocol: RTPROT.KERNEL, priority: 0 };
    const dev = this.device(a.index);
    this.routes.push({ ...base, table: RT_TABLE.LOCAL, dst: a.local, dstLen: full, scope: RT_SCOPE.HOST, type: RTN.LOCAL });
    if (a.family === AF_INET && dev.type === ARPHRD_LOOPBACK) {
      this.routes.push({ ...base, table: RT_TABLE.LOCAL, dst: maskAddr(a.local, a.prefixlen), dstLen: a.prefixlen, scope: RT_SCOPE.HOST, type: RTN.LOCAL });
    } else if (a.family === AF_INET6 && dev.type === ARPHRD_LOOPBACK) {
      this.routes.push({ ...base, table: RT_TABLE.MAIN, dst: a.local, dstLen: full, prefsrc: null, scope: RT_SCOPE.UNIVERSE, type: RTN.UNICAST, priority: 256 });
    } else if (a.prefixlen < full) {
      const priority = a.family === AF_INET6 ? 256 : 0;
      this.routes.push({ ...base, table: RT_TABLE.MAIN, dst: maskAddr(a.local, a.prefixlen), dstLen: a.prefixlen, scope: RT_SCOPE.LINK, type: RTN.UNICAST, priority });
    }
  }

  addRoute(r: Route): void {
    if (this.routes.some((x) => sameRoute(x, r))) throw new Errno(E.EEXIST);
    this.routes.push(r);
  }

  delRoute(match: (r: Route) => boolean): void {
    const i = this.routes.findIndex(match);
    if (i < 0) throw new Errno(E.ESRCH);
    this.routes.splice(i, 1);
  }

  /** Whether addr is one of the machine's own addresses on an interface that is up. */
  isLocal(addr: Buffer): boolean {
    if (addr.length === 4 && addr[0] === 127) return this.deviceOf(addr)?.up ?? false;
    return this.addrs.some((a) => a.local.equals(addr) && this.device(a.index).up);
  }

  /** The interface whose address or loopback network addr belongs to. */
  deviceOf(addr: Buffer): NetDevice | null {
    const a = this.addrs.find((x) => x.local.length === addr.length && (x.local.equals(addr) ||
      (this.device(x.index).type === ARPHRD_LOOPBACK && inPrefix(addr, x.local, x.prefixlen))));
    return a ? this.device(a.index) : null;
  }

  /**
   * The route a packet to addr takes (fib_lookup): the longest matching
   * prefix of the local table, then of the main table; null = ENETUNREACH.
   */
  lookup(addr: Buffer): Route | null {
    for (const table of [RT_TABLE.LOCAL, RT_TABLE.MAIN]) {
      const hits = this.routes.filter((r) => r.table === table && r.dst.length === addr.length && inPrefix(addr, r.dst, r.dstLen));
      hits.sort((a, b) => b.dstLen - a.dstLen || a.priority - b.priority);
      if (hits.length) return hits[0];
    }
    return null;
  }
}

function sameRoute(a: Route, b: Route): boolean {
  return a.family === b.family && a.table === b.table && a.dstLen === b.dstLen && a.dst.equals(b.dst) && a.priority === b.priority;
}

const namespaces = new WeakMap<object, Net>();
/** The machine's network namespace (one per kernel: CLONE_NEWNET is not supported). */
export function netOf(kernel: object): Net {
  let n = namespaces.get(kernel);
  if (!n) { n = new Net(); namespaces.set(kernel, n); }
  return n;
}
