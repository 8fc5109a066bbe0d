// ICMP on the guest's network (net/ipv4/icmp.c): the machine answers echo
// requests to its own addresses, and slirp's virtual host (10.0.2.2) and DNS
// server (10.0.2.3) answer theirs, as QEMU's slirp does. Every ICMP packet the
// machine receives goes to its raw ICMP sockets (with the IP header) and echo
// replies to the ping socket whose identifier they carry. There is no ICMP to
// the host's network beyond that: tuml has no host ICMP socket, so an echo to
// any other address is never answered (ping reports the loss).
import type { Net } from '../core/dev.js';
import { formatAddr, routeOf, SLIRP, unmap } from './inet_addr.js';
import { InetSocket } from './inet_sock.js';

export const ICMP = { ECHOREPLY: 0, ECHO: 8 } as const;
const IPPROTO_ICMP = 1;

/** The Internet checksum (RFC 1071) of b. */
export function inetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length & 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Sets the checksum field of an ICMP message (bytes 2..3) from its contents. */
export function setIcmpChecksum(msg: Buffer): void {
  msg.writeUInt16BE(0, 2);
  msg.writeUInt16BE(inetChecksum(msg), 2);
}

let nextIpId = 1;
/** An IPv4 header for an ICMP packet of len bytes from src to dst (what raw sockets read). */
export function ipHeader(src: Buffer, dst: Buffer, len: number, ttl = 64): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + len, 2);
  h.writeUInt16BE(nextIpId++ & 0xffff, 4);
  h[8] = ttl;
  h[9] = IPPROTO_ICMP;
  src.copy(h, 12);
  dst.copy(h, 16);
  h.writeUInt16BE(inetChecksum(h), 10);
  return h;
}

/** Who takes ICMP packets on a machine: its raw sockets and its ping sockets. */
export interface IcmpReceiver {
  /** A raw socket: the whole packet, IP header first. */
  rawIcmp?(packet: Buffer, src: Buffer, dst: Buffer): void;
  /** A ping socket: an echo reply carrying its identifier. */
  echoReply?(msg: Buffer, src: Buffer): void;
}
const raws = new WeakMap<Net, Set<IcmpReceiver>>();

export function rawSockets(net: Net): Set<IcmpReceiver> {
  let s = raws.get(net);
  if (!s) raws.set(net, (s = new Set()));
  return s;
}

/** icmp_rcv: the machine receives msg (an ICMP message) sent from src to its address dst. */
function receive(net: Net, msg: Buffer, src: Buffer, dst: Buffer, ttl = 64): void {
  // Raw sockets get their copy first (raw_local_deliver), whatever icmp_rcv then makes of it.
  const raws = rawSockets(net);
  if (raws.size) {
    const packet = Buffer.concat([ipHeader(src, dst, msg.length, ttl), msg]);
    for (const r of raws) r.rawIcmp?.(packet, src, dst);
  }
  if (msg.length < 8 || inetChecksum(msg) !== 0) return;   // malformed: dropped, as icmp_rcv does
  const type = msg[0];
  if (type === ICMP.ECHOREPLY) {
    // ping_lookup: the socket bound to the identifier (and to dst, if bound to an address).
    for (const p of InetSocket.lookup(net, 'ping', dst, msg.readUInt16BE(4)) as IcmpReceiver[]) p.echoReply?.(Buffer.from(msg), src);
  } else if (type === ICMP.ECHO && msg[1] === 0) {
    // icmp_echo: the same identifier, sequence and data back to the sender.
    send(net, echoReply(msg), dst, src);
  }
}

function echoReply(msg: Buffer): Buffer {
  const r = Buffer.from(msg);
  r[0] = ICMP.ECHOREPLY;
  setIcmpChecksum(r);
  return r;
}

/**
 * The machine sends msg (an ICMP message with its checksum) from src to dst:
 * delivered on the loopback when dst is the machine's own, answered by slirp
 * for its virtual addresses, else lost. ENETUNREACH without a route.
 */
export function send(net: Net, msg: Buffer, src: Buffer, dst: Buffer): void {
  const to = unmap(dst);
  if (routeOf(net, to) === 'local') {
    const lo = net.devices[0].stats;
    lo.txPackets++; lo.txBytes += BigInt(msg.length + 20);
    lo.rxPackets++; lo.rxBytes += BigInt(msg.length + 20);
    receive(net, msg, src, to);
    return;
  }
  const name = formatAddr(to);
  if ((name === SLIRP.HOST || name === SLIRP.DNS) && msg[0] === ICMP.ECHO && msg[1] === 0 && inetChecksum(msg) === 0) {
    // One hop away, as a reply from the network comes: after this call returns.
    setImmediate(() => receive(net, echoReply(msg), to, src, 255));
  }
}
