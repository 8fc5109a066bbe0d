// The devices of sysfs (drivers/base/core.c, block/genhd.c, net-sysfs.c):
// every device lives in /sys/devices/virtual/CLASS/NAME with its attributes
// (dev, uevent, and for disks size, ro, queue/...), and is linked from
// /sys/class/CLASS, /sys/block and /sys/dev/{block,char}/MAJ:MIN as Linux
// links it. The devices are the block devices attached (block/blkdev.ts),
// the character device nodes the drivers announce (drivers/registry.ts)
// and the network devices of the kernel's network namespace.
import { allBdevs, type BlockDevice } from '../../block/blkdev.js';
import { deviceNodes, devMajor, devMinor, type DeviceNode } from '../../drivers/registry.js';
import { S_IFCHR } from '../file.js';
import type { Net, NetDevice } from '../../net/core/dev.js';
import type { ProcSb } from '../proc/generic.js';
import { attr, dir, emptyDir, link, SysDir, type Entries, type Make } from './dir.js';

/** The class of a character device, by its major (Documentation/admin-guide/devices.txt). */
const CLASS_BY_MAJOR: Record<number, string> = { 1: 'mem', 4: 'tty', 5: 'tty', 10: 'misc', 13: 'input', 29: 'graphics', 116: 'sound' };
export const classOf = (n: DeviceNode) => CLASS_BY_MAJOR[devMajor(n.rdev)] ?? 'misc';
/** Device names with a slash ("input/event0") are written with "!" in sysfs. */
const sysName = (name: string) => name.replace(/\//g, '!');
const majmin = (rdev: bigint) => `${devMajor(rdev)}:${devMinor(rdev)}`;

const charNodes = () => deviceNodes().filter((n) => n.type === S_IFCHR);
const netOf = (sb: ProcSb): Net | undefined => (sb.kernel as { net?: Net }).net;

// ---- block devices ----

function queue(b: BlockDevice): Entries {
  const ss = String(b.sectorSize);
  return () => [
    ['add_random', attr(() => '0\n')],
    ['discard_granularity', attr(() => '0\n')],
    ['discard_max_bytes', attr(() => '0\n')],
    ['hw_sector_size', attr(() => `${ss}\n`)],
    ['logical_block_size', attr(() => `${ss}\n`)],
    ['max_sectors_kb', attr(() => '1280\n')],
    ['minimum_io_size', attr(() => `${ss}\n`)],
    ['nr_requests', attr(() => '128\n')],
    ['optimal_io_size', attr(() => '0\n')],
    ['physical_block_size', attr(() => `${ss}\n`)],
    ['read_ahead_kb', attr(() => '128\n')],
    ['rotational', attr(() => '0\n')],
    ['scheduler', attr(() => 'none\n')],
    ['write_cache', attr(() => 'write through\n')],
    ['zoned', attr(() => 'none\n')],
  ];
}

/** /sys/devices/virtual/block/NAME */
function disk(b: BlockDevice): Make {
  const stat = () => `${Array(17).fill('0'.padStart(8)).join(' ')}\n`;
  return dir(() => [
    ['alignment_offset', attr(() => '0\n')],
    ['dev', attr(() => `${majmin(b.rdev)}\n`)],
    ['discard_alignment', attr(() => '0\n')],
    ['hidden', attr(() => '0\n')],
    ['holders', emptyDir],
    ['inflight', attr(() => `${'0'.padStart(8)} ${'0'.padStart(8)}\n`)],
    ['queue', dir(queue(b))],
    ['removable', attr(() => '0\n')],
    ['ro', attr(() => (b.readOnly ? '1\n' : '0\n'))],
    ['size', attr(() => `${b.size() / 512n}\n`)],
    ['slaves', emptyDir],
    ['stat', attr(stat)],
    ['subsystem', link('../../../../class/block')],
    ['uevent', attr(() => `MAJOR=${devMajor(b.rdev)}\nMINOR=${devMinor(b.rdev)}\nDEVNAME=${b.name}\nDEVTYPE=disk\n`, 0o644)],
    // The driver's own (ubd's serial, loop's loop/ directory).
    ...Object.entries(b.sysfsAttrs?.() ?? {}).map(([name, v]): [string, Make] => [name, typeof v === 'string'
      ? attr(() => v)
      : dir(() => Object.entries(v).map(([n, text]): [string, Make] => [n, attr(() => text)]))]),
  ]);
}

const virtualBlock = (name: string) => `devices/virtual/block/${name}`;
/** /sys/block: a link per disk. */
export const blockLinks: Entries = () => allBdevs().map((b) => [b.name, link(`../${virtualBlock(b.name)}`)]);
/** /sys/dev/block: MAJ:MIN links. */
export const devBlockLinks: Entries = () => allBdevs().map((b) => [majmin(b.rdev), link(`../../${virtualBlock(b.name)}`)]);

// ---- character devices ----

function charDevice(n: DeviceNode, cls: string): Make {
  return dir(() => [
    ['dev', attr(() => `${majmin(n.rdev)}\n`)],
    ['subsystem', link(`../../../../class/${cls}`)],
    ['uevent', attr(() => `MAJOR=${devMajor(n.rdev)}\nMINOR=${devMinor(n.rdev)}\nDEVNAME=${n.name}\n` +
      ((n.mode & 0o777) !== 0o600 ? `DEVMODE=0${(n.mode & 0o777).toString(8)}\n` : ''), 0o644)],
  ]);
}

/** /sys/dev/char: MAJ:MIN links. */
export const devCharLinks: Entries = () => charNodes().map((n) =>
  [majmin(n.rdev), link(`../../devices/virtual/${classOf(n)}/${sysName(n.name)}`)]);

// ---- network devices ----

function netDevice(d: NetDevice): Make {
  const mac = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
  const oper = () => (d.operstate === 6 ? 'up' : d.operstate === 2 ? 'down' : 'unknown');
  const stats: Entries = () => ([
    ['rx_bytes', () => d.stats.rxBytes], ['rx_packets', () => d.stats.rxPackets],
    ['tx_bytes', () => d.stats.txBytes], ['tx_packets', () => d.stats.txPackets],
    ['rx_errors', () => 0n], ['tx_errors', () => 0n], ['rx_dropped', () => 0n], ['tx_dropped', () => 0n],
  ] as Array<[string, () => bigint]>).map(([n, v]) => [n, attr(() => `${v()}\n`)]);
  return dir(() => [
    ['addr_len', attr(() => '6\n')],
    ['address', attr(() => `${mac(d.hwaddr)}\n`)],
    ['broadcast', attr(() => `${mac(d.broadcast)}\n`)],
    ['carrier', attr(() => (d.up ? '1\n' : '0\n'))],
    ['flags', attr(() => `0x${d.flags.toString(16)}\n`)],
    ['ifindex', attr(() => `${d.index}\n`)],
    ['iflink', attr(() => `${d.index}\n`)],
    ['mtu', attr(() => `${d.mtu}\n`)],
    ['operstate', attr(oper)],
    ['statistics', dir(stats)],
    ['subsystem', link('../../../../class/net')],
    ['tx_queue_len', attr(() => `${d.txqlen}\n`)],
    ['type', attr(() => `${d.type}\n`)],
    ['uevent', attr(() => `INTERFACE=${d.name}\nIFINDEX=${d.index}\n`, 0o644)],
  ]);
}

/** A directory whose entries need the kernel (the network devices are per kernel). */
const withSb = (list: (sb: ProcSb) => Array<[string, Make]>): Make => (sb, path) => new SysDir(sb, path, () => list(sb));

// ---- /sys/class and /sys/devices/virtual ----

const CLASSES = ['block', 'graphics', 'input', 'mem', 'misc', 'net', 'sound', 'tty'];

export const classDirs: Entries = () => CLASSES.map((cls) => {
  if (cls === 'block') return [cls, dir(() => allBdevs().map((b) => [b.name, link(`../../${virtualBlock(b.name)}`)]))];
  if (cls === 'net') return [cls, withSb((sb) => (netOf(sb)?.devices ?? []).map((d) => [d.name, link(`../../devices/virtual/net/${d.name}`)]))];
  return [cls, dir(() => charNodes().filter((n) => classOf(n) === cls)
    .map((n) => [sysName(n.name), link(`../../devices/virtual/${cls}/${sysName(n.name)}`)]))];
});

export const virtualDevices: Entries = () => CLASSES.map((cls) => {
  if (cls === 'block') return [cls, dir(() => allBdevs().map((b) => [b.name, disk(b)]))];
  if (cls === 'net') return [cls, withSb((sb) => (netOf(sb)?.devices ?? []).map((d) => [d.name, netDevice(d)]))];
  return [cls, dir(() => charNodes().filter((n) => classOf(n) === cls).map((n) => [sysName(n.name), charDevice(n, cls)]))];
});
