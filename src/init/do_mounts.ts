// Mounting the root (init/do_mounts.c): rootfs at the bottom of the first
// namespace, the root filesystem on it as root=, rootfstype= and rootflags=
// say, and, for `tuml run`, the kernel filesystems a command expects.
import { Errno, strerror } from '../host/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import { KERN } from '../kernel/printk.js';
import { allBdevs, type BlockDevice } from '../block/blkdev.js';
import { filesystems, getFilesystem } from '../fs/filesystems.js';
import { INIT_MNT_NS_INUM, Mount, MntNamespace, MS, setSbReadOnly, type Location } from '../fs/mount.js';
import type { SuperBlock } from '../fs/inode.js';
import { RootfsSuperBlock } from '../fs/rootfs.js';
import { doMount } from '../fs/namespace.js';
import { majorMinor } from '../fs/proc/mounts.js';
import '../fs/hostfs/fs_type.js';
import { makeRootSuperBlock } from '../fs/overlayfs/hostroot.js';
import { mountBdev } from '../fs/super.js';
import '../fs/proc/fs_type.js';

/**
 * prepare_namespace: makes the first mount namespace and mounts the root on
 * its rootfs; returns the root as init sees it.
 */
export function prepareNamespace(k: Kernel, hostRoot: string, rootOpts: { rwHost?: boolean; upper?: string } = {}): Location {
  const rootfs = new Mount(new RootfsSuperBlock());
  k.mntns = new MntNamespace(rootfs, INIT_MNT_NS_INUM);
  const p = k.params;
  const flags = (p.rootReadOnly ? MS.RDONLY : 0) | MS.SILENT;
  const sb = mountRootSb(k, hostRoot, flags, rootOpts);
  setSbReadOnly(sb, p.rootReadOnly);
  const m = new Mount(sb, (p.rootReadOnly ? MS.RDONLY : 0) | MS.RELATIME);
  k.mntns.attach(m, rootfs.rootLocation());
  k.log.printk(KERN.INFO, `VFS: Mounted root (${sb.type} filesystem)${p.rootReadOnly ? ' readonly' : ''} on device ${majorMinor(sb.dev)}.`);
  return m.rootLocation();
}

function isDeviceName(root: string): boolean {
  return root.startsWith('/dev/') || /^\d+:\d+$/.test(root) || /^[0-9a-f]{3,4}$/i.test(root);
}

/** name_to_dev_t: /dev/ubda, ubda, 98:0 or the hex form 6200. */
function findRootDevice(root: string): BlockDevice | null {
  const all = allBdevs();
  let m: RegExpExecArray | null;
  if ((m = /^(\d+):(\d+)$/.exec(root)) || (m = /^([0-9a-f]{1,2})([0-9a-f]{2})$/i.exec(root))) {
    const hex = !root.includes(':');
    const major = parseInt(m[1], hex ? 16 : 10), minor = parseInt(m[2], hex ? 16 : 10);
    return all.find((b) => majorMinor(b.rdev) === `${major}:${minor}`) ?? null;
  }
  const name = root.replace(/^\/dev\//, '');
  return all.find((b) => b.name === name) ?? null;
}

function mountRootSb(k: Kernel, hostRoot: string, flags: number, rootOpts: { rwHost?: boolean; upper?: string }): SuperBlock {
  const p = k.params;
  const types = p.rootfstype?.split(',').filter((x) => x !== '') ?? null;
  const hostfs = types ? types.includes('hostfs') : !(p.root && isDeviceName(p.root));
  if (hostfs) {
    // UML: root=/dev/root rootfstype=hostfs rootflags=/host/dir; tuml also takes root=/host/dir.
    const dir = p.rootflags || (p.root && !isDeviceName(p.root) ? p.root : hostRoot);
    // The default root (no root= given): the host's tree read-only under a
    // writable layer (overlayfs/hostroot.ts), or written through with rwhost.
    if (!p.root && !p.rootflags && !types) {
      try {
        return makeRootSuperBlock(k, { hostRoot: dir, ...rootOpts });
      } catch (e) {
        throw new Error(`VFS: Cannot mount root: ${e instanceof Errno ? strerror(e.errno) : e instanceof Error ? e.message : String(e)}`);
      }
    }
    try {
      return getFilesystem('hostfs').mount({ kernel: k, task: null, source: 'none', flags, data: dir });
    } catch (e) {
      throw new Error(`VFS: Cannot mount root: hostfs ${dir}: ${e instanceof Errno ? strerror(e.errno) : String(e)}`);
    }
  }
  const bdev = findRootDevice(p.root!);
  const names = allBdevs().map((b) => b.name).join(' ') || 'none';
  if (!bdev) throw new Error(`VFS: Cannot open root device "${p.root}": no such block device (attached: ${names})`);
  if (bdev.readOnly && !(flags & MS.RDONLY)) {
    k.log.printk(KERN.NOTICE, `VFS: ${bdev.name} is write-protected, mounting read-only`);
    flags |= MS.RDONLY;
    p.rootReadOnly = true;
  }
  const candidates = types ?? filesystems().filter((t) => t.requiresDev).map((t) => t.name);
  const tried: string[] = [];
  for (const name of candidates) {
    let type;
    try { type = getFilesystem(name); } catch { throw new Error(`VFS: rootfstype=${name}: unknown filesystem type`); }
    try {
      return mountBdev(type, { kernel: k, task: null, source: `/dev/${bdev.name}`, flags, data: p.rootflags, bdev });
    } catch (e) {
      tried.push(`${name}: ${e instanceof Errno ? strerror(e.errno) : e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`VFS: Unable to mount root fs on ${bdev.name} (${majorMinor(bdev.rdev)}): ${tried.length ? tried.join('; ') : 'no filesystem type that needs a device is registered'}`);
}

/** A mount the kernel makes at boot, where the directory exists; false when it could not. */
function kernMount(k: Kernel, root: Location, type: string, path: string, flags: number, data = ''): boolean {
  try { getFilesystem(type); } catch { return false; }
  let target: Location;
  try { target = k.namei.kernPath(path, root); } catch (e) {
    // A root without the directory (a minimal image): nothing to mount on, said in the log.
    k.log.printk(KERN.INFO, `tuml: no ${path} to mount ${type} on: ${e instanceof Errno ? strerror(e.errno) : String(e)}`);
    return false;
  }
  if (!target.inode.isDir()) { k.log.printk(KERN.INFO, `tuml: ${path} is not a directory: ${type} not mounted`); return false; }
  try {
    doMount(k, null, { source: type, target, type, flags, data });
    return true;
  } catch (e) {
    k.log.printk(KERN.WARNING, `tuml: mounting ${type} on ${path} failed: ${e instanceof Errno ? strerror(e.errno) : String(e)}`);
    return false;
  }
}

/** Creates a directory on a filesystem the kernel just mounted (never on the host's). */
function mkdirIn(k: Kernel, root: Location, parent: string, name: string): void {
  const dir = k.namei.kernPath(parent, root);
  try { dir.inode.lookup(name); } catch { try { dir.inode.mkdir(null as never, name, 0o755); } catch { /* left out */ } }
}

/**
 * The run mode's environment (`tuml run -- CMD`, where CMD is pid 1 and no
 * init script runs): proc on /proc and, when their types are registered,
 * sysfs on /sys, devtmpfs on /dev with devpts on /dev/pts and a tmpfs on
 * /dev/shm, and a tmpfs on /run. /tmp stays the root's own: the command's
 * arguments often name files there.
 */
export function mountKernelFilesystems(k: Kernel, root: Location): void {
  const common = MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME;
  kernMount(k, root, 'proc', '/proc', common);
  kernMount(k, root, 'sysfs', '/sys', common);
  if (kernMount(k, root, 'devtmpfs', '/dev', MS.NOSUID, 'mode=755')) {
    mkdirIn(k, root, '/dev', 'pts');
    mkdirIn(k, root, '/dev', 'shm');
    kernMount(k, root, 'devpts', '/dev/pts', MS.NOSUID | MS.NOEXEC, 'gid=5,mode=620,ptmxmode=000');
    kernMount(k, root, 'tmpfs', '/dev/shm', MS.NOSUID | MS.NODEV, '');
  }
  kernMount(k, root, 'tmpfs', '/run', MS.NOSUID | MS.NODEV, 'mode=755');
}
