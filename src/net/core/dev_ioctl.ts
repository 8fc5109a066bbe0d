// The interface ioctls of any socket (net/core/dev_ioctl.c, the SIOC*IF*
// part of devinet_ioctl): what busybox ifconfig, net-tools and older
// programs use instead of netlink. struct ifreq is the name (16 bytes) and a
// 24-byte union; addresses in it are struct sockaddr_in.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { AF_INET, maskAddr, RT_SCOPE, type Net, type NetDevice } from './dev.js';

export const SIOC = {
  ADDRT: 0x890b, DELRT: 0x890c, GIFNAME: 0x8910, GIFCONF: 0x8912, GIFFLAGS: 0x8913, SIFFLAGS: 0x8914,
  GIFADDR: 0x8915, SIFADDR: 0x8916, GIFDSTADDR: 0x8917, GIFBRDADDR: 0x8919, SIFBRDADDR: 0x891a,
  GIFNETMASK: 0x891b, SIFNETMASK: 0x891c, GIFMETRIC: 0x891d, GIFMTU: 0x8921, SIFMTU: 0x8922,
  GIFHWADDR: 0x8927, GIFINDEX: 0x8933, GIFTXQLEN: 0x8942, ETHTOOL: 0x8946, GIFMAP: 0x8970,
} as const;
const IFREQ = 40, IFNAMSIZ = 16;

export function isDevIoctl(cmd: number): boolean { return cmd >= 0x8900 && cmd <= 0x89ff; }

function sockaddrIn(addr: Buffer | null): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  addr?.copy(b, 4);
  return b;
}

function ifname(req: Buffer): string {
  const z = req.indexOf(0);
  return req.toString('latin1', 0, z < 0 || z > IFNAMSIZ ? IFNAMSIZ : z);
}

/** The first IPv4 address of dev (ifconfig's view: one address per name). */
function v4(net: Net, dev: NetDevice) {
  return net.addrs.find((a) => a.family === AF_INET && a.index === dev.index) ?? null;
}

function prefixOfMask(mask: Buffer): number {
  let n = 0;
  for (const byte of mask) for (let bit = 7; bit >= 0; bit--) if (byte & (1 << bit)) n++;
  return n;
}

/** sock_ioctl's SIOC* cases for any socket; returns 0 or throws. */
export function devIoctl(net: Net, t: Task, cmd: number, arg: bigint): number {
  if (cmd === SIOC.GIFCONF) return ifconf(net, t, arg);
  if (cmd === SIOC.ADDRT || cmd === SIOC.DELRT) return routeIoctl(net, t, cmd, arg);
  const req = t.mem.read(arg, IFREQ);
  if (cmd === SIOC.GIFNAME) {
    const d = net.device(req.readInt32LE(16));
    req.fill(0, 0, IFNAMSIZ);
    req.write(d.name, 0, 'latin1');
    t.mem.write(arg, req);
    return 0;
  }
  const dev = net.deviceByName(ifname(req));
  const out = Buffer.alloc(24);
  const set = cmd === SIOC.SIFFLAGS || cmd === SIOC.SIFADDR || cmd === SIOC.SIFBRDADDR || cmd === SIOC.SIFNETMASK || cmd === SIOC.SIFMTU;
  if (set) {
    if (!t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EPERM);
    setIoctl(net, dev, cmd, req.subarray(16));
    return 0;
  }
  const a = v4(net, dev);
  switch (cmd) {
    case SIOC.GIFFLAGS: out.writeUInt16LE(dev.shownFlags & 0xffff, 0); break;
    case SIOC.GIFADDR: if (!a) throw new Errno(E.EADDRNOTAVAIL); sockaddrIn(a.local).copy(out); break;
    case SIOC.GIFDSTADDR: if (!a) throw new Errno(E.EADDRNOTAVAIL); sockaddrIn(a.local).copy(out); break;
    case SIOC.GIFBRDADDR: if (!a) throw new Errno(E.EADDRNOTAVAIL); sockaddrIn(a.broadcast ?? Buffer.alloc(4)).copy(out); break;
    case SIOC.GIFNETMASK: if (!a) throw new Errno(E.EADDRNOTAVAIL); sockaddrIn(maskAddr(Buffer.alloc(4, 0xff), a.prefixlen)).copy(out); break;
    case SIOC.GIFMETRIC: break;
    case SIOC.GIFMTU: out.writeInt32LE(dev.mtu, 0); break;
    case SIOC.GIFHWADDR: out.writeUInt16LE(dev.type, 0); dev.hwaddr.copy(out, 2); break;
    case SIOC.GIFINDEX: out.writeInt32LE(dev.index, 0); break;
    case SIOC.GIFTXQLEN: out.writeInt32LE(dev.txqlen, 0); break;
    case SIOC.GIFMAP: break;
    case SIOC.ETHTOOL: throw new Errno(E.EOPNOTSUPP);
    default: throw new Errno(E.EINVAL);
  }
  out.copy(req, 16);
  t.mem.write(arg, req);
  return 0;
}

function setIoctl(net: Net, dev: NetDevice, cmd: number, u: Buffer): void {
  if (cmd === SIOC.SIFFLAGS) { net.setFlags(dev, u.readUInt16LE(0)); return; }
  if (cmd === SIOC.SIFMTU) {
    const mtu = u.readInt32LE(0);
    if (mtu < 68 || mtu > 65535) throw new Errno(E.EINVAL);
    dev.mtu = mtu;
    return;
  }
  if (u.readUInt16LE(0) !== AF_INET) throw new Errno(E.EINVAL);
  const addr = Buffer.from(u.subarray(4, 8));
  const a = v4(net, dev);
  if (cmd === SIOC.SIFADDR) {
    // As devinet_ioctl: a new address replaces the first one, with its class's mask.
    const prefixlen = a?.prefixlen ?? (addr[0] < 128 ? 8 : addr[0] < 192 ? 16 : 24);
    if (a) net.delAddr(a);
    net.addAddr({ family: AF_INET, index: dev.index, local: addr, prefixlen, scope: addr[0] === 127 ? RT_SCOPE.HOST : RT_SCOPE.UNIVERSE, broadcast: null, label: dev.name });
    return;
  }
  if (!a) throw new Errno(E.EADDRNOTAVAIL);
  if (cmd === SIOC.SIFBRDADDR) { a.broadcast = addr; return; }
  net.delAddr(a);
  net.addAddr({ ...a, prefixlen: prefixOfMask(addr) });
}

/** SIOCGIFCONF: an ifreq (name + address) per interface with an IPv4 address, or the size needed. */
function ifconf(net: Net, t: Task, arg: bigint): number {
  const hdr = t.mem.read(arg, 16);
  const len = hdr.readInt32LE(0), buf = hdr.readBigUInt64LE(8);
  const entries = net.devices.filter((d) => v4(net, d)).map((d) => {
    const r = Buffer.alloc(IFREQ);
    r.write(d.name, 0, 'latin1');
    sockaddrIn(v4(net, d)!.local).copy(r, 16);
    return r;
  });
  let n = entries.length;
  if (buf !== 0n) {
    n = Math.min(n, Math.floor(len / IFREQ));
    if (n) t.mem.write(buf, Buffer.concat(entries.slice(0, n)));
  }
  hdr.writeInt32LE(n * IFREQ, 0);
  t.mem.write(arg, hdr.subarray(0, 4));
  return 0;
}

/** SIOCADDRT/SIOCDELRT (struct rtentry): `route add` of net-tools and busybox. */
function routeIoctl(net: Net, t: Task, cmd: number, arg: bigint): number {
  if (!t.cred.capable(CAP.NET_ADMIN)) throw new Errno(E.EPERM);
  const rt = t.mem.read(arg, 120);
  const dst = Buffer.from(rt.subarray(8 + 4, 8 + 8)), gw = Buffer.from(rt.subarray(24 + 4, 24 + 8));
  const mask = Buffer.from(rt.subarray(40 + 4, 40 + 8));
  const flags = rt.readUInt16LE(56);
  const RTF_GATEWAY = 2, RTF_HOST = 4;
  const dstLen = flags & RTF_HOST ? 32 : prefixOfMask(mask);
  const metric = rt.readInt16LE(72);
  const devPtr = rt.readBigUInt64LE(104);
  let oif = devPtr ? net.deviceByName(t.mem.readCString(devPtr, 16)).index : 0;
  const gateway = flags & RTF_GATEWAY ? gw : null;
  if (cmd === SIOC.DELRT) {
    net.delRoute((r) => r.family === AF_INET && r.table === 254 && r.dstLen === dstLen && r.dst.equals(maskAddr(dst, dstLen)));
    return 0;
  }
  if (!oif) {
    const via = gateway ? net.lookup(gateway) : null;
    if (!via || via.gateway) throw new Errno(E.ENETUNREACH);
    oif = via.oif;
  }
  net.addRoute({
    family: AF_INET, table: 254, dst: maskAddr(dst, dstLen), dstLen, gateway, oif, prefsrc: null, protocol: 3,
    scope: gateway ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK, type: 1, priority: metric > 0 ? metric - 1 : 0,
  });
  return 0;
}

