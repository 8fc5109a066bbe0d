// Internet socket addresses (struct sockaddr_in and sockaddr_in6) and the
// address rules of the guest's network: which addresses are the machine's
// own (served by its loopback) and how the rest reach the host, as slirp
// does for UML and QEMU: 10.0.2.2 is the host itself (its 127.0.0.1), 10.0.2.3
// the DNS server the kernel answers, anything else goes out as is.
import { constants } from 'node:os';
import { Errno, E } from '../../host/errno.js';
import { AF_INET, AF_INET6, ip4, ip6, type Net } from '../core/dev.js';

/** An address and port; v4 addresses are 4 bytes, v6 16. */
export interface SockAddr { family: number; addr: Buffer; port: number; flowinfo?: number; scope?: number }

export const SLIRP = { HOST: '10.0.2.2', DNS: '10.0.2.3', GUEST: '10.0.2.15' } as const;

export const ANY4 = Buffer.alloc(4);
export const ANY6 = Buffer.alloc(16);
const V4MAPPED = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** Parses a sockaddr of the socket's family (inet_bind / inet_stream_connect checks). */
export function parseSockAddr(family: number, b: Buffer): SockAddr {
  if (b.length < 2) throw new Errno(E.EINVAL);
  const fam = b.readUInt16LE(0);
  if (family === AF_INET) {
    if (b.length < 16) throw new Errno(E.EINVAL);
    if (fam !== AF_INET && !(fam === 0 && b.readUInt32BE(4) === 0)) throw new Errno(E.EAFNOSUPPORT);
    return { family: AF_INET, addr: Buffer.from(b.subarray(4, 8)), port: b.readUInt16BE(2) };
  }
  if (b.length < 24) throw new Errno(E.EINVAL);
  if (fam !== AF_INET6) throw new Errno(E.EAFNOSUPPORT);
  return {
    family: AF_INET6, addr: Buffer.from(b.subarray(8, 24)), port: b.readUInt16BE(2),
    flowinfo: b.readUInt32BE(4), scope: b.length >= 28 ? b.readUInt32LE(24) : 0,
  };
}

export function encodeSockAddr(a: SockAddr): Buffer {
  if (a.family === AF_INET) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(a.port, 2);
    a.addr.copy(b, 4);
    return b;
  }
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(a.port, 2);
  const addr = a.addr.length === 4 ? Buffer.concat([V4MAPPED, a.addr]) : a.addr;
  addr.copy(b, 8);
  b.writeUInt32LE(a.scope ?? 0, 24);
  return b;
}

export function isAny(addr: Buffer): boolean { return addr.every((x) => x === 0); }

/** The IPv4 address inside a v4-mapped IPv6 address, or the address itself. */
export function unmap(addr: Buffer): Buffer {
  if (addr.length === 16 && addr.subarray(0, 12).equals(V4MAPPED)) return Buffer.from(addr.subarray(12));
  return addr;
}

export function isLoopback(addr: Buffer): boolean {
  const a = unmap(addr);
  return a.length === 4 ? a[0] === 127 : a.equals(Buffer.from([...Array(15).fill(0), 1]));
}

export function formatAddr(addr: Buffer): string {
  const a = unmap(addr);
  if (a.length === 4) return [...a].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function parseIp(s: string): Buffer {
  return s.includes('.') && !s.includes(':') ? ip4(s) : ip6(s);
}

export type Route = 'local' | 'host';

/**
 * Where a packet to addr goes: the machine's own loopback or the host.
 * Loopback addresses never leave the machine: with lo down they are
 * unreachable. Off-machine addresses need a route through an interface that
 * is up.
 */
export function routeOf(net: Net, addr: Buffer): Route {
  const a = unmap(addr);
  if (isAny(a)) return net.isLocal(a.length === 4 ? Buffer.from([127, 0, 0, 1]) : parseIp('::1')) ? 'local' : fail();
  if (net.isLocal(a)) return 'local';
  if (isLoopback(a)) return fail();
  const rt = net.lookup(a);
  if (!rt || !net.device(rt.oif).up) return fail();
  return 'host';
}

function fail(): never { throw new Errno(E.ENETUNREACH); }

/** The host's name for a guest destination (slirp's address translation). */
export function hostAddressOf(addr: Buffer): string {
  const s = formatAddr(addr);
  return s === SLIRP.HOST ? '127.0.0.1' : s;
}

/** The guest's name for a host peer: the host's own loopback shows as 10.0.2.2. */
export function guestAddressOf(host: string): Buffer {
  const s = host.replace(/^::ffff:/, '');
  if (s === '127.0.0.1' || s === '::1') return parseIp(SLIRP.HOST);
  return parseIp(s);
}

/** The source address the machine uses toward addr (the route's preferred source). */
export function sourceFor(net: Net, addr: Buffer): Buffer {
  const a = unmap(addr);
  if (isLoopback(a) || net.isLocal(a)) return Buffer.from(a);
  const rt = net.lookup(a);
  const own = net.addrs.find((x) => x.index === rt?.oif && x.family === (a.length === 4 ? AF_INET : AF_INET6));
  return own ? Buffer.from(own.local) : parseIp(SLIRP.GUEST);
}

/** The errno of a failed host socket operation (Node reports the name). */
export function hostErrno(e: unknown, fallback: number): number {
  const code = (e as { code?: string }).code;
  return (code ? (constants.errno as Record<string, number>)[code] : undefined) ?? fallback;
}
