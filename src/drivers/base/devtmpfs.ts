// devtmpfs (drivers/base/devtmpfs.c): one tmpfs instance that the kernel
// fills with a node for every device a driver announces (addDeviceNode in
// drivers/registry.ts), kept current as devices come and go. Every mount of
// "devtmpfs" is that same instance.
//
// There is no udev in a tuml machine, so devtmpfs also makes what udev and
// systemd would add to /dev on a Linux system: the links fd -> /proc/self/fd,
// stdin, stdout and stderr -> /proc/self/fd/0..2, the directory pts (for a
// devpts mount) and shm (mode 1777, for POSIX shared memory). A guest may
// remove or replace any of them; they are made once, when the instance is.
import type { Task } from '../../kernel/task.js';
import { Cred } from '../../kernel/cred.js';
import { registerFilesystem } from '../../fs/filesystems.js';
import { Errno, E } from '../../host/errno.js';
import { defaultOptions, ShmemDir, ShmemSb, ShmemSpecial } from '../../mm/shmem.js';
import { deviceNodes, onDeviceNode, type DeviceNode } from '../registry.js';

/** The kernel's own credentials (devtmpfsd runs as root with every capability). */
const kthread = { cred: new Cred() } as unknown as Task;

/** The links and directories udev would make (see above). */
const LINKS: Array<[string, string]> = [
  ['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'],
];
const DIRS: Array<[string, number]> = [['pts', 0o755], ['shm', 0o1777]];

let instance: ShmemSb | null = null;

/** The directory that holds name ("input/event0" lives in input/), made as needed. */
function parentDir(sb: ShmemSb, name: string, create: boolean): { dir: ShmemDir; base: string } | null {
  const parts = name.split('/');
  let dir = sb.root;
  for (const p of parts.slice(0, -1)) {
    let next: ShmemDir | null = null;
    try { const c = dir.child(p); if (c instanceof ShmemDir) next = c; } catch { /* absent */ }
    if (!next) {
      if (!create) return null;
      dir.mkdir(kthread, p, 0o755);
      next = dir.child(p) as ShmemDir;
    }
    dir = next;
  }
  return { dir, base: parts[parts.length - 1] };
}

/** devtmpfs_create_node: a node for the device, unless the name is taken. */
function createNode(sb: ShmemSb, n: DeviceNode): void {
  const at = parentDir(sb, n.name, true)!;
  try {
    at.dir.mknod(kthread, at.base, n.type | (n.mode & 0o7777), n.rdev);
  } catch (e) {
    if (!(e instanceof Errno) || e.errno !== E.EEXIST) throw e;
  }
}

/** devtmpfs_delete_node: the node goes if it is still the device's, then its empty parents. */
function deleteNode(sb: ShmemSb, n: DeviceNode): void {
  const at = parentDir(sb, n.name, false);
  if (!at) return;
  let node;
  try { node = at.dir.child(at.base); } catch { return; }
  if (!(node instanceof ShmemSpecial) || node.dev !== n.rdev || (node.mode & 0o170000) !== n.type) return;
  at.dir.unlink(kthread, at.base);
  for (let dir = at.dir; dir !== sb.root && dir.entries.size === 0 && dir.parent;) {
    const parent = dir.parent;
    const name = [...parent.entries].find(([, d]) => d.inode === dir)?.[0];
    if (name === undefined) break;
    parent.rmdir(kthread, name);
    dir = parent;
  }
}

/** The devtmpfs instance, made and filled the first time it is asked for. */
export function devtmpfs(): ShmemSb {
  if (instance) return instance;
  const opts = defaultOptions(kthread, false);
  opts.mode = 0o755;
  const sb = new ShmemSb('devtmpfs', opts, false, 'devtmpfs');
  for (const [name, mode] of DIRS) sb.root.mkdir(kthread, name, mode);
  for (const [name, target] of LINKS) sb.root.symlink(kthread, target, name);
  for (const n of deviceNodes()) createNode(sb, n);
  onDeviceNode((n, added) => (added ? createNode(sb, n) : deleteNode(sb, n)));
  instance = sb;
  return sb;
}

registerFilesystem({ name: 'devtmpfs', requiresDev: false, mount: () => devtmpfs() });
