// /proc/sys (fs/proc/proc_sysctl.c, kernel/sysctl.c): the kernel's tunables
// as files. The UTS names are the kernel's own; the rest are values that
// programs read to size themselves, kept per machine so that a write by the
// guest (which is root) is seen by later reads, as on Linux.
import { randomUUID } from 'node:crypto';
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { ProcDir, ProcFileInode, procIno, type ProcInode, type ProcSb } from './generic.js';
import type { Inode } from '../inode.js';

/** One sysctl: how it reads, and how it takes a write (absent: read-only). */
class Leaf {
  constructor(
    readonly perm: number,
    readonly get: (k: Kernel) => string,
    readonly set: ((k: Kernel, v: string) => void) | null = null,
  ) {}
}

interface Tree { [name: string]: Tree | Leaf }

// Written values, per machine.
const stored = new WeakMap<Kernel, Map<Leaf, string>>();

function storeOf(k: Kernel): Map<Leaf, string> {
  let m = stored.get(k);
  if (!m) { m = new Map(); stored.set(k, m); }
  return m;
}

/** proc_dostring: the value up to the first newline or NUL. */
function firstLine(v: string): string {
  const i = v.search(/[\n\0]/);
  return i < 0 ? v : v.slice(0, i);
}

const ro = (v: string | ((k: Kernel) => string)) => new Leaf(0o444, typeof v === 'string' ? () => v : v);

/** A tunable of integers (proc_dointvec): whitespace-separated numbers, shown tab-separated. */
function ints(initial: string): Leaf {
  const leaf: Leaf = new Leaf(0o644, (k) => storeOf(k).get(leaf) ?? initial, (k, v) => {
    const parts = v.trim().split(/\s+/).filter((x) => x !== '');
    if (parts.length === 0 || !parts.every((x) => /^-?\d+$/.test(x))) throw new Errno(E.EINVAL);
    storeOf(k).set(leaf, parts.join('\t'));
  });
  return leaf;
}

/** A string tunable (proc_dostring). */
function str(initial: string): Leaf {
  const leaf: Leaf = new Leaf(0o644, (k) => storeOf(k).get(leaf) ?? initial,
    (k, v) => { storeOf(k).set(leaf, firstLine(v)); });
  return leaf;
}

/** A UTS name: at most 64 bytes, up to the first newline (proc_do_uts_string). */
function uts(get: (k: Kernel) => string, set: (k: Kernel, v: string) => void): Leaf {
  return new Leaf(0o644, get, (k, v) => set(k, firstLine(v).slice(0, 64)));
}

// boot_id is chosen once per machine.
const bootIds = new WeakMap<Kernel, string>();

const TREE: Tree = {
  kernel: {
    hostname: uts((k) => k.hostname, (k, v) => { k.hostname = v; }),
    domainname: uts((k) => k.domainname, (k, v) => { k.domainname = v; }),
    ostype: ro('Linux'),
    osrelease: ro('6.1.0-tuml'),
    version: ro('#1 SMP PREEMPT_DYNAMIC tuml'),
    pid_max: ints('4194304'),
    'threads-max': ints('126739'),
    ngroups_max: ro('65536'),
    cap_last_cap: ro('40'),
    overflowuid: ints('65534'),
    overflowgid: ints('65534'),
    printk: ints('4\t4\t1\t7'),
    panic: ints('0'),
    tainted: ro('0'),
    core_pattern: str('core'),
    core_uses_pid: ints('0'),
    randomize_va_space: ints('2'),
    sysrq: ints('438'),
    dmesg_restrict: ints('0'),
    kptr_restrict: ints('0'),
    perf_event_paranoid: ints('2'),
    shmmax: ints('18446744073692774399'),
    shmall: ints('18446744073692774399'),
    shmmni: ints('4096'),
    msgmax: ints('8192'),
    msgmnb: ints('16384'),
    msgmni: ints('32000'),
    sem: ints('32000\t1024000000\t500\t32000'),
    random: {
      boot_id: ro((k) => {
        let id = bootIds.get(k);
        if (!id) { id = randomUUID(); bootIds.set(k, id); }
        return id;
      }),
      // A new one at every read, as Linux's.
      uuid: ro(() => randomUUID()),
      entropy_avail: ro('256'),
      poolsize: ro('256'),
      urandom_min_reseed_secs: ints('60'),
      write_wakeup_threshold: ints('256'),
    },
  },
  fs: {
    'file-max': ints('9223372036854775807'),
    'file-nr': ro((k) => `${openFiles(k)}\t0\t9223372036854775807`),
    nr_open: ints('1048576'),
    'pipe-max-size': ints('1048576'),
    protected_symlinks: ints('0'),
    protected_hardlinks: ints('0'),
    protected_fifos: ints('0'),
    protected_regular: ints('0'),
    suid_dumpable: ints('0'),
    'aio-max-nr': ints('65536'),
    'aio-nr': ro('0'),
    inotify: {
      max_user_instances: ints('128'),
      max_user_watches: ints('8192'),
      max_queued_events: ints('16384'),
    },
  },
  vm: {
    overcommit_memory: ints('0'),
    overcommit_ratio: ints('50'),
    overcommit_kbytes: ints('0'),
    max_map_count: ints('65530'),
    swappiness: ints('60'),
    mmap_min_addr: ints('65536'),
    dirty_ratio: ints('20'),
    dirty_background_ratio: ints('10'),
    // Write-only: there is no page cache of the kernel's to drop yet.
    drop_caches: new Leaf(0o200, () => { throw new Errno(E.EACCES); }, (_k, v) => {
      if (!/^\s*[123]\s*$/.test(v)) throw new Errno(E.EINVAL);
    }),
  },
  net: {
    core: { somaxconn: ints('4096') },
    ipv4: { ip_local_port_range: ints('32768\t60999'), ping_group_range: ints('1\t0') },
  },
};

/** Open file descriptions in the machine, for fs/file-nr. */
function openFiles(k: Kernel): number {
  const seen = new Set<object>();
  for (const t of k.tasks.values()) for (const e of t.files.fds.values()) seen.add(e.file);
  return seen.size;
}

function makeNode(sb: ProcSb, path: string, node: Tree | Leaf, parentIno: bigint): ProcInode {
  if (node instanceof Leaf) {
    const set = node.set;
    return new ProcFileInode(sb, procIno(path), sb.rootOwner, node.perm,
      () => `${node.get(sb.kernel)}\n`,
      set ? (_task: Task, data: Buffer, pos: bigint) => {
        // A continuation write (pos > 0) adds nothing to a value already set.
        if (pos === 0n) set(sb.kernel, data.toString('latin1'));
        return data.length;
      } : null, `/proc/${path}`);
  }
  return new SysctlDir(sb, path, node, parentIno);
}

export class SysctlDir extends ProcDir {
  constructor(sb: ProcSb, private readonly path: string, private readonly node: Tree, parentIno: bigint) {
    super(sb, procIno(path), sb.rootOwner, 0o555, parentIno);
  }

  children(): Array<[string, ProcInode]> {
    return Object.entries(this.node).map(([name, n]) => [name, makeNode(this.sb, `${this.path}/${name}`, n, this.ino)]);
  }

  override lookup(name: string): Inode {
    const n = Object.hasOwn(this.node, name) ? this.node[name] : undefined;
    if (!n) throw new Errno(E.ENOENT);
    return makeNode(this.sb, `${this.path}/${name}`, n, this.ino);
  }
}

/** /proc/sys. */
export function sysctlRoot(sb: ProcSb, parentIno: bigint): SysctlDir {
  return new SysctlDir(sb, 'sys', TREE, parentIno);
}
