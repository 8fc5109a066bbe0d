// NETLINK_ROUTE (net/core/rtnetlink.c, the RTM_* handlers of devinet.c,
// addrconf.c and fib_frontend.c): the messages iproute2, busybox ip and
// glibc's getaddrinfo exchange with the kernel about links, addresses and
// routes of the guest's namespace (dev.ts). Pure message in, messages out; the
// netlink socket (af_netlink.ts) carries them.
import { Errno, E } from '../../host/errno.js';
import {
  AF_INET, AF_INET6, ARPHRD_LOOPBACK, inPrefix, maskAddr, RT_SCOPE, RT_TABLE, RTN, RTPROT,
  type IfAddr, type Net, type NetDevice, type Route,
} from './dev.js';

export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;
export const NLM_F = {
  REQUEST: 0x1, MULTI: 0x2, ACK: 0x4, ECHO: 0x8, ROOT: 0x100, MATCH: 0x200, DUMP: 0x300,
  REPLACE: 0x100, EXCL: 0x200, CREATE: 0x400, APPEND: 0x800,
} as const;
export const RTM = {
  NEWLINK: 16, DELLINK: 17, GETLINK: 18, SETLINK: 19, NEWADDR: 20, DELADDR: 21, GETADDR: 22,
  NEWROUTE: 24, DELROUTE: 25, GETROUTE: 26, GETNEIGH: 30, GETRULE: 34, GETQDISC: 38, GETNETCONF: 82,
} as const;
const IFLA = {
  ADDRESS: 1, BROADCAST: 2, IFNAME: 3, MTU: 4, QDISC: 6, STATS: 7, TXQLEN: 13, OPERSTATE: 16, LINKMODE: 17,
  LINKINFO: 18, STATS64: 23, GROUP: 27, PROMISCUITY: 30, NUM_TX_QUEUES: 31, NUM_RX_QUEUES: 32, CARRIER: 33,
  MIN_MTU: 50, MAX_MTU: 51,
} as const;
const IFA = { ADDRESS: 1, LOCAL: 2, LABEL: 3, BROADCAST: 4, CACHEINFO: 6, FLAGS: 8 } as const;
const IFA_F_PERMANENT = 0x80;
const RTA = { DST: 1, SRC: 2, IIF: 3, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, TABLE: 15, PREF: 20 } as const;
const RTM_F_CLONED = 0x200;
const HDR = 16;
/** A dump is sent in datagrams of at most this size, as Linux fills one skb (glibc reads 4 KiB at a time). */
const DUMP_CHUNK = 4096;

/** Who sent a request: its port id, and whether it may change things (CAP_NET_ADMIN). */
export interface NlSender { portid: number; netAdmin: boolean }

const align4 = (n: number) => (n + 3) & ~3;

function attr(type: number, data: Buffer): Buffer {
  const b = Buffer.alloc(align4(4 + data.length));
  b.writeUInt16LE(4 + data.length, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
}
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const u8 = (v: number) => Buffer.from([v]);
const str = (s: string) => Buffer.from(s + '\0', 'latin1');

function message(type: number, flags: number, seq: number, portid: number, body: Buffer): Buffer {
  const h = Buffer.alloc(HDR);
  h.writeUInt32LE(HDR + body.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt32LE(seq, 8);
  h.writeUInt32LE(portid >>> 0, 12);
  return Buffer.concat([h, body]);
}

/** A parsed request: header fields, the fixed family header, and the attributes by type. */
interface Request { type: number; flags: number; seq: number; body: Buffer; attrs: Map<number, Buffer>; raw: Buffer }

function parseAttrs(b: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (let at = 0; at + 4 <= b.length;) {
    const len = b.readUInt16LE(at);
    if (len < 4 || at + len > b.length) throw new Errno(E.EINVAL);
    m.set(b.readUInt16LE(at + 2) & 0x3fff, b.subarray(at + 4, at + len));
    at += align4(len);
  }
  return m;
}

/** The fixed header after nlmsghdr for each request family. */
function fixedLen(type: number): number {
  if (type >= RTM.NEWLINK && type <= RTM.SETLINK) return 16;   // ifinfomsg
  if (type >= RTM.NEWADDR && type <= RTM.GETADDR) return 8;    // ifaddrmsg
  if (type >= RTM.NEWROUTE && type <= RTM.GETROUTE) return 12; // rtmsg
  return 0;
}

/**
 * Splits a datagram into its messages and answers each: the reply
 * datagrams, in order. Malformed framing ends the datagram, as Linux drops
 * the rest of an skb whose next header is short.
 */
export function rtnetlinkRcv(net: Net, data: Buffer, who: NlSender): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + HDR <= data.length;) {
    const len = data.readUInt32LE(at);
    if (len < HDR || at + len > data.length) break;
    const raw = data.subarray(at, at + len);
    at += align4(len);
    const type = raw.readUInt16LE(4), flags = raw.readUInt16LE(6), seq = raw.readUInt32LE(8);
    if (!(flags & NLM_F.REQUEST) || type < RTM.NEWLINK) continue;  // control messages and replies are ignored
    try {
      const fl = fixedLen(type);
      const body = raw.subarray(HDR);
      const req: Request = { type, flags, seq, body, attrs: fl && body.length > fl ? parseAttrs(body.subarray(align4(fl))) : new Map(), raw };
      const replies = handle(net, req, who);
      out.push(...replies);
      if ((flags & NLM_F.ACK) && !isDump(req)) out.push(ack(req, who, 0));
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
      out.push(ack({ type, flags, seq, body: Buffer.alloc(0), attrs: new Map(), raw }, who, -e.errno));
    }
  }
  return out;
}

const isDump = (r: Request) => (r.flags & NLM_F.DUMP) === NLM_F.DUMP;

/** NLMSG_ERROR: an error code and the request's header (the whole request when it failed). */
function ack(r: Request, who: NlSender, error: number): Buffer {
  const echo = error === 0 ? r.raw.subarray(0, HDR) : r.raw;
  const body = Buffer.concat([Buffer.alloc(4), echo]);
  body.writeInt32LE(error, 0);
  return message(NLMSG.ERROR, error === 0 ? 0x100 /* NLM_F_CAPPED */ : 0, r.seq, who.portid, body);
}

/** A dump's messages packed into datagrams, each flagged NLM_F_MULTI, then NLMSG_DONE. */
function dump(r: Request, who: NlSender, type: number, bodies: Buffer[]): Buffer[] {
  const msgs = bodies.map((b) => message(type, NLM_F.MULTI, r.seq, who.portid, b));
  msgs.push(message(NLMSG.DONE, NLM_F.MULTI, r.seq, who.portid, Buffer.alloc(4)));
  const grams: Buffer[] = [];
  let cur: Buffer[] = [], size = 0;
  for (const m of msgs) {
    if (size + m.length > DUMP_CHUNK && cur.length) { grams.push(Buffer.concat(cur)); cur = []; size = 0; }
    cur.push(m); size += m.length;
  }
  grams.push(Buffer.concat(cur));
  return grams;
}

function needAdmin(who: NlSender): void { if (!who.netAdmin) throw new Errno(E.EPERM); }

function handle(net: Net, r: Request, who: NlSender): Buffer[] {
  switch (r.type) {
    case RTM.GETLINK: return getLink(net, r, who);
    case RTM.NEWLINK: case RTM.SETLINK: needAdmin(who); setLink(net, r); return [];
    case RTM.DELLINK: needAdmin(who); throw new Errno(E.EOPNOTSUPP);
    case RTM.GETADDR: return dump(r, who, RTM.NEWADDR, net.addrs.filter((a) => !r.body[0] || a.family === r.body[0]).map((a) => fillAddr(net, a)));
    case RTM.NEWADDR: needAdmin(who); newAddr(net, r); return [];
    case RTM.DELADDR: needAdmin(who); net.delAddr(findAddr(net, r)); return [];
    case RTM.GETROUTE: return getRoute(net, r, who);
    case RTM.NEWROUTE: needAdmin(who); newRoute(net, r); return [];
    case RTM.DELROUTE: needAdmin(who); delRoute(net, r); return [];
    default:
      // Objects the guest has none of (neighbours, rules, qdiscs, ...): an empty dump.
      if (isDump(r) && r.type % 4 === 2) return dump(r, who, r.type - 2, []);
      throw new Errno(E.EOPNOTSUPP);
  }
}

// ---- links ----

function fillLink(dev: NetDevice): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16LE(dev.type, 2);
  h.writeInt32LE(dev.index, 4);
  h.writeUInt32LE(dev.shownFlags, 8);
  const s = dev.stats;
  const counters = [s.rxPackets, s.txPackets, s.rxBytes, s.txBytes];
  const st64 = Buffer.alloc(24 * 8), st32 = Buffer.alloc(24 * 4);
  counters.forEach((v, i) => { st64.writeBigUInt64LE(v, i * 8); st32.writeUInt32LE(Number(v & 0xffffffffn), i * 4); });
  return Buffer.concat([
    h, attr(IFLA.IFNAME, str(dev.name)), attr(IFLA.TXQLEN, u32(dev.txqlen)), attr(IFLA.OPERSTATE, u8(dev.operstate)),
    attr(IFLA.LINKMODE, u8(0)), attr(IFLA.MTU, u32(dev.mtu)), attr(IFLA.MIN_MTU, u32(dev.type === ARPHRD_LOOPBACK ? 0 : 68)),
    attr(IFLA.MAX_MTU, u32(dev.type === ARPHRD_LOOPBACK ? 0 : 65535)), attr(IFLA.GROUP, u32(0)),
    attr(IFLA.PROMISCUITY, u32(0)), attr(IFLA.NUM_TX_QUEUES, u32(1)), attr(IFLA.NUM_RX_QUEUES, u32(1)),
    attr(IFLA.CARRIER, u8(1)), attr(IFLA.QDISC, str(dev.type === ARPHRD_LOOPBACK ? 'noqueue' : 'pfifo_fast')),
    attr(IFLA.ADDRESS, dev.hwaddr), attr(IFLA.BROADCAST, dev.broadcast),
    attr(IFLA.STATS64, st64), attr(IFLA.STATS, st32),
  ]);
}

/** The device a link request names: by ifi_index, else by IFLA_IFNAME. */
function linkOf(net: Net, r: Request): NetDevice {
  const index = r.body.length >= 8 ? r.body.readInt32LE(4) : 0;
  if (index > 0) return net.device(index);
  const name = r.attrs.get(IFLA.IFNAME);
  if (name) return net.deviceByName(cstr(name));
  throw new Errno(E.EINVAL);
}

function getLink(net: Net, r: Request, who: NlSender): Buffer[] {
  if (isDump(r)) return dump(r, who, RTM.NEWLINK, net.devices.map(fillLink));
  return [message(RTM.NEWLINK, 0, r.seq, who.portid, fillLink(linkOf(net, r)))];
}

/** do_setlink: flags (ifi_change says which; 0 means all), MTU, a new name. */
function setLink(net: Net, r: Request): void {
  if (r.body.length < 16) throw new Errno(E.EINVAL);
  let dev: NetDevice;
  try { dev = linkOf(net, r); } catch (e) {
    // A NEWLINK that would create an interface: no link types to create here.
    if (r.type === RTM.NEWLINK && (r.flags & NLM_F.CREATE)) throw new Errno(E.EOPNOTSUPP);
    throw e;
  }
  if (r.type === RTM.NEWLINK && (r.flags & NLM_F.EXCL) && (r.flags & NLM_F.CREATE)) throw new Errno(E.EEXIST);
  if (r.attrs.has(IFLA.LINKINFO)) throw new Errno(E.EOPNOTSUPP);
  const mtu = r.attrs.get(IFLA.MTU);
  if (mtu) {
    const v = mtu.readUInt32LE(0);
    if (dev.type !== ARPHRD_LOOPBACK && (v < 68 || v > 65535)) throw new Errno(E.EINVAL);
    dev.mtu = v;
  }
  const name = r.attrs.get(IFLA.IFNAME);
  if (name && r.body.readInt32LE(4) > 0) {
    const n = cstr(name);
    if (n !== dev.name && net.devices.some((d) => d.name === n)) throw new Errno(E.EEXIST);
    if (dev.up && n !== dev.name) throw new Errno(E.EBUSY);
    dev.name = n;
  }
  const flags = r.body.readUInt32LE(8), change = r.body.readUInt32LE(12);
  if (flags || change) net.setFlags(dev, change ? (flags & change) | (dev.flags & ~change) : flags);
}

// ---- addresses ----

function fillAddr(net: Net, a: IfAddr): Buffer {
  const h = Buffer.alloc(8);
  h[0] = a.family; h[1] = a.prefixlen; h[2] = IFA_F_PERMANENT; h[3] = a.scope;
  h.writeUInt32LE(a.index, 4);
  const cache = Buffer.alloc(16, 0xff);
  cache.writeUInt32LE(0, 8); cache.writeUInt32LE(0, 12);
  const parts = [h, attr(IFA.ADDRESS, a.local)];
  if (a.family === AF_INET) {
    parts.push(attr(IFA.LOCAL, a.local));
    if (a.broadcast) parts.push(attr(IFA.BROADCAST, a.broadcast));
    parts.push(attr(IFA.LABEL, str(a.label || net.device(a.index).name)));
  }
  parts.push(attr(IFA.FLAGS, u32(IFA_F_PERMANENT)), attr(IFA.CACHEINFO, cache));
  return Buffer.concat(parts);
}

function addrFields(r: Request): { family: number; prefixlen: number; scope: number; index: number; local: Buffer } {
  if (r.body.length < 8) throw new Errno(E.EINVAL);
  const family = r.body[0], prefixlen = r.body[1], scope = r.body[3], index = r.body.readUInt32LE(4);
  const local = r.attrs.get(IFA.LOCAL) ?? r.attrs.get(IFA.ADDRESS);
  const size = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
  if (!size) throw new Errno(E.EAFNOSUPPORT);
  if (!local || local.length !== size || prefixlen > size * 8) throw new Errno(E.EINVAL);
  return { family, prefixlen, scope, index, local: Buffer.from(local) };
}

function newAddr(net: Net, r: Request): void {
  const f = addrFields(r);
  const dev = net.device(f.index);
  const existing = net.addrs.find((a) => a.family === f.family && a.index === f.index && a.local.equals(f.local));
  if (existing) {
    if ((r.flags & NLM_F.EXCL) || !(r.flags & NLM_F.REPLACE)) throw new Errno(E.EEXIST);
    net.delAddr(existing);
  }
  const brd = r.attrs.get(IFA.BROADCAST);
  const label = r.attrs.get(IFA.LABEL);
  const scope = f.family === AF_INET && f.local[0] === 127 ? RT_SCOPE.HOST : f.scope;
  net.addAddr({ ...f, scope, broadcast: brd ? Buffer.from(brd) : null, label: label ? cstr(label) : dev.name });
}

function findAddr(net: Net, r: Request): IfAddr {
  const f = addrFields(r);
  const a = net.addrs.find((x) => x.family === f.family && x.index === f.index && x.local.equals(f.local) &&
    (!f.prefixlen || x.prefixlen === f.prefixlen));
  if (!a) throw new Errno(E.EADDRNOTAVAIL);
  return a;
}

// ---- routes ----

function fillRoute(rt: Route, flags = 0, dst?: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = rt.family; h[1] = dst ? dst.length * 8 : rt.dstLen; h[4] = rt.table < 256 ? rt.table : 252;
  h[5] = rt.protocol; h[6] = rt.scope; h[7] = rt.type;
  h.writeUInt32LE(flags, 8);
  const parts = [h, attr(RTA.TABLE, u32(rt.table))];
  if (dst || rt.dstLen) parts.push(attr(RTA.DST, dst ?? rt.dst));
  if (rt.priority || rt.family === AF_INET6) parts.push(attr(RTA.PRIORITY, u32(rt.priority)));
  if (rt.prefsrc) parts.push(attr(RTA.PREFSRC, rt.prefsrc));
  if (rt.gateway) parts.push(attr(RTA.GATEWAY, rt.gateway));
  parts.push(attr(RTA.OIF, u32(rt.oif)));
  if (rt.family === AF_INET6) parts.push(attr(RTA.PREF, u8(0)));
  return Buffer.concat(parts);
}

function getRoute(net: Net, r: Request, who: NlSender): Buffer[] {
  const family = r.body[0] ?? 0;
  if (isDump(r)) return dump(r, who, RTM.NEWROUTE, net.routes.filter((x) => !family || x.family === family).map((x) => fillRoute(x)));
  // `ip route get ADDR`: the route a packet to ADDR would take.
  const dst = r.attrs.get(RTA.DST);
  if (!dst) throw new Errno(E.EINVAL);
  const rt = net.lookup(Buffer.from(dst));
  if (!rt || !net.device(rt.oif).up) throw new Errno(E.ENETUNREACH);
  // The source: the route's own, else an address of the interface on the next hop's network.
  const hop = rt.gateway ?? Buffer.from(dst);
  const mine = net.addrs.filter((a) => a.index === rt.oif && a.family === rt.family);
  const src = rt.prefsrc ?? (mine.find((a) => inPrefix(hop, a.local, a.prefixlen)) ?? mine[0])?.local ?? null;
  return [message(RTM.NEWROUTE, 0, r.seq, who.portid, fillRoute({ ...rt, prefsrc: src }, RTM_F_CLONED, Buffer.from(dst)))];
}

function routeFields(net: Net, r: Request, needOif = true): Route {
  if (r.body.length < 12) throw new Errno(E.EINVAL);
  const family = r.body[0], dstLen = r.body[1];
  const size = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
  if (!size) throw new Errno(E.EAFNOSUPPORT);
  if (dstLen > size * 8) throw new Errno(E.EINVAL);
  const a = (k: number) => { const v = r.attrs.get(k); return v ? Buffer.from(v) : null; };
  const dst = a(RTA.DST) ?? Buffer.alloc(size);
  const table = r.attrs.get(RTA.TABLE)?.readUInt32LE(0) ?? (r.body[4] || RT_TABLE.MAIN);
  const gateway = a(RTA.GATEWAY);
  let oif = r.attrs.get(RTA.OIF)?.readUInt32LE(0) ?? 0;
  if (!oif && gateway) {
    // The gateway must be on a directly connected network (fib_check_nh).
    const via = net.lookup(gateway);
    if (!via || via.gateway) throw new Errno(E.ENETUNREACH);
    oif = via.oif;
  }
  if (oif) net.device(oif);
  else if (needOif) throw new Errno(E.ENODEV);
  return {
    family, table, dst: maskAddr(dst, dstLen), dstLen, gateway, oif, prefsrc: a(RTA.PREFSRC),
    protocol: r.body[5] || RTPROT.BOOT, scope: r.body[6], type: r.body[7] || RTN.UNICAST,
    priority: r.attrs.get(RTA.PRIORITY)?.readUInt32LE(0) ?? 0,
  };
}

function newRoute(net: Net, r: Request): void {
  const rt = routeFields(net, r);
  if (!net.device(rt.oif).up) throw new Errno(E.ENETDOWN);
  if ((r.flags & NLM_F.REPLACE) && !(r.flags & NLM_F.EXCL)) {
    try { net.delRoute((x) => x.table === rt.table && x.dstLen === rt.dstLen && x.dst.equals(rt.dst)); } catch { /* none */ }
  }
  net.addRoute(rt);
}

function delRoute(net: Net, r: Request): void {
  const want = routeFields(net, r, false);
  const byGw = r.attrs.has(RTA.GATEWAY), byOif = r.attrs.has(RTA.OIF);
  net.delRoute((x) => x.family === want.family && x.table === want.table && x.dstLen === want.dstLen &&
    x.dst.equals(want.dst) && (!byGw || (x.gateway?.equals(want.gateway!) ?? false)) && (!byOif || x.oif === want.oif));
}

function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('latin1', 0, z < 0 ? b.length : z);
}
