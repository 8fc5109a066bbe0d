// /sys/devices/system/cpu (drivers/base/cpu.c, topology.c): the guest's
// CPUs, numbered 0..n-1 as sched_getaffinity shows them (kernel/cpus.ts).
// Each is presented as a core of its own in one package; the host's real
// topology is not the guest's business.
import { NR_CPUS, cpuListString } from '../../kernel/cpus.js';
import { attr, dir, type Entries, type Make } from './dir.js';

function cpu(i: number): Make {
  const topology: Entries = () => [
    ['core_cpus_list', attr(() => `${i}\n`)],
    ['core_id', attr(() => `${i}\n`)],
    ['core_siblings_list', attr(() => `${cpuListString()}\n`)],
    ['die_id', attr(() => '0\n')],
    ['package_cpus_list', attr(() => `${cpuListString()}\n`)],
    ['physical_package_id', attr(() => '0\n')],
    ['thread_siblings_list', attr(() => `${i}\n`)],
  ];
  // The boot CPU cannot be taken offline, so it has no "online" file.
  return dir(() => [
    ...(i > 0 ? [['online', attr(() => '1\n', 0o644)] as [string, Make]] : []),
    ['topology', dir(topology)],
  ]);
}

export const cpuDir: Entries = () => [
  ...Array.from({ length: NR_CPUS }, (_, i) => [`cpu${i}`, cpu(i)] as [string, Make]),
  ['isolated', attr(() => '\n')],
  ['kernel_max', attr(() => '8191\n')],
  ['offline', attr(() => '\n')],
  ['online', attr(() => `${cpuListString()}\n`)],
  ['possible', attr(() => `${cpuListString()}\n`)],
  ['present', attr(() => `${cpuListString()}\n`)],
];
