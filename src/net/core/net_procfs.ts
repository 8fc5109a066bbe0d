// The text files of /proc/net that tools read for the guest's interfaces and
// routes (net/core/net-procfs.c, net/ipv4/fib_trie.c's /proc/net/route,
// net/ipv6/addrconf.c's if_inet6): busybox ifconfig and route, net-tools.
import { AF_INET, AF_INET6, maskAddr, RT_TABLE, type Net } from './dev.js';

/** /proc/net/dev: the counters of every interface. */
export function procNetDev(net: Net): string {
  const head = 'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  // dev_seq_printf_stats: "%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu"
  const widths = [7, 7, 4, 4, 4, 5, 10, 9, 8, 7, 4, 4, 4, 5, 7, 10];
  return head + net.devices.map((d) => {
    const s = d.stats;
    const v = [s.rxBytes, s.rxPackets, 0n, 0n, 0n, 0n, 0n, 0n, s.txBytes, s.txPackets, 0n, 0n, 0n, 0n, 0n, 0n];
    return `${d.name.padStart(6)}: ${v.map((x, i) => String(x).padStart(widths[i])).join(' ')}\n`;
  }).join('');
}

const hex32le = (b: Buffer) => b.readUInt32LE(0).toString(16).toUpperCase().padStart(8, '0');

/** /proc/net/route: the IPv4 main table, addresses as little-endian hex words. */
export function procNetRoute(net: Net): string {
  const RTF_UP = 1, RTF_GATEWAY = 2;
  // In the FIB trie's order: by destination, then by prefix length.
  const main = net.routes.filter((r) => r.family === AF_INET && r.table === RT_TABLE.MAIN)
    .sort((a, b) => a.dst.readUInt32BE(0) - b.dst.readUInt32BE(0) || a.dstLen - b.dstLen);
  const lines = main.map((r) => {
    const flags = RTF_UP | (r.gateway ? RTF_GATEWAY : 0);
    const mask = maskAddr(Buffer.alloc(4, 0xff), r.dstLen);
    const cols = [net.device(r.oif).name, hex32le(r.dst), hex32le(r.gateway ?? Buffer.alloc(4)), flags.toString(16).toUpperCase().padStart(4, '0'),
      '0', '0', String(r.priority), hex32le(mask), '0', '0', '0'];
    return cols.join('\t').padEnd(127) + '\n';
  });
  const head = ['Iface', 'Destination', 'Gateway ', 'Flags', 'RefCnt', 'Use', 'Metric', 'Mask\t\t', 'MTU', 'Window', 'IRTT'].join('\t');
  return head.padEnd(127) + '\n' + lines.join('');
}

/** /proc/net/if_inet6: one line per IPv6 address. */
export function procNetIfInet6(net: Net): string {
  return net.addrs.filter((a) => a.family === AF_INET6).map((a) =>
    `${a.local.toString('hex')} ${a.index.toString(16).padStart(2, '0')} ${a.prefixlen.toString(16).padStart(2, '0')} ` +
    `${a.scope === 254 ? '10' : '00'} 80 ${net.device(a.index).name.padStart(8)}\n`).join('');
}
