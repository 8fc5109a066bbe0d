// sysfs (fs/sysfs, kernfs): the kernel's devices as directories of small
// text files, as udev-less tools read them (lsblk, lscpu, nproc, ls /sys).
// Like procfs, nothing is stored: every directory computes its entries when
// asked (from the block devices, the device nodes the drivers announce, the
// CPUs and the network devices), so the tree is always current.
import type { Kernel } from '../../kernel/kernel.js';
import { anonDev, registerFilesystem } from '../filesystems.js';
import type { OwnerFn, ProcSb } from '../proc/generic.js';
import { attr, dir, emptyDir, SysDir, type Entries } from './dir.js';
import { blockLinks, classDirs, devBlockLinks, devCharLinks, virtualDevices } from './devices.js';
import { cpuDir } from './cpu.js';

const SYSFS_MAGIC = 0x62656572;
const ST_VALID = 0x20, ST_NOSUID = 0x2, ST_NODEV = 0x4, ST_NOEXEC = 0x8, ST_RELATIME = 0x400;

const ROOT: Entries = () => [
  ['block', dir(blockLinks)],
  ['bus', emptyDir],
  ['class', dir(classDirs)],
  ['dev', dir(() => [['block', dir(devBlockLinks)], ['char', dir(devCharLinks)]])],
  ['devices', dir(() => [
    ['system', dir(() => [['cpu', dir(cpuDir)]])],
    ['virtual', dir(virtualDevices)],
  ])],
  ['firmware', emptyDir],
  ['fs', dir(() => [['cgroup', emptyDir]])],
  ['kernel', dir(() => [
    ['fscaps', attr(() => '1\n')],
    ['kexec_loaded', attr(() => '0\n')],
    ['mm', emptyDir],
    ['profiling', attr(() => '0\n', 0o644)],
    ['security', emptyDir],
    ['uevent_helper', attr(() => '\n', 0o644)],
    ['uevent_seqnum', attr(() => '0\n')],
  ])],
  ['module', emptyDir],
  ['power', emptyDir],
];

export class SysfsSuperBlock implements ProcSb {
  readonly type = 'sysfs';
  readonly dev = anonDev();
  readonly source = 'sysfs';
  readonly root: SysDir;
  readonly rootOwner: OwnerFn;

  constructor(readonly kernel: Kernel) {
    this.rootOwner = () => ({ uid: 0, gid: 0, timeMs: kernel.bootTime });
    this.root = new SysDir(this, '', ROOT);
  }

  options(): string { return 'rw,nosuid,nodev,noexec,relatime'; }

  statfs(): Buffer {
    const b = Buffer.alloc(120);
    b.writeBigInt64LE(BigInt(SYSFS_MAGIC), 0);
    b.writeBigInt64LE(4096n, 8);
    b.writeBigInt64LE(255n, 64);
    b.writeBigInt64LE(4096n, 72);
    b.writeBigInt64LE(BigInt(ST_VALID | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME), 80);
    return b;
  }
}

/** One sysfs per kernel: every mount of it shows the same tree. */
const instances = new WeakMap<Kernel, SysfsSuperBlock>();
export function sysfsOf(kernel: Kernel): SysfsSuperBlock {
  let sb = instances.get(kernel);
  if (!sb) { sb = new SysfsSuperBlock(kernel); instances.set(kernel, sb); }
  return sb;
}

registerFilesystem({ name: 'sysfs', requiresDev: false, mount: (req) => sysfsOf(req.kernel) });
