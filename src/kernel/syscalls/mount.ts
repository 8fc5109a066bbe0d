// The mount system calls (fs/namespace.c, fs/open.c's chroot, kernel/fork.c's
// unshare): argument decoding; the work is in fs/namespace.ts.
import { Errno, E } from '../../host/errno.js';
import { AT_FDCWD } from '../../fs/namei.js';
import { doMount, doUmount, pivotRoot, chroot, copyMntNs, MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW } from '../../fs/namespace.js';
import { CLONE } from '../fork.js';
import { CAP } from '../cred.js';
import type { Task } from '../task.js';
import { NsFile } from '../../fs/proc/base.js';
import { filesystems } from '../../fs/filesystems.js';
import { int, register, uint } from './table.js';

const str = (t: Task, a: bigint) => t.mem.readCString(a);

/** mount's data: a string of options for the filesystems tuml has (copy_mount_options reads a page). */
function mountData(t: Task, a: bigint): string {
  if (a === 0n) return '';
  return t.mem.readCString(a, 4096);
}

register('mount', (k, t, a) => {
  if (!t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  const source = a[0] === 0n ? null : str(t, a[0]);
  const targetPath = str(t, a[1]);
  const type = a[2] === 0n ? null : str(t, a[2]);
  const flags = uint(a[3]);
  const data = mountData(t, a[4]);
  const target = k.namei.resolve(t, AT_FDCWD, targetPath, { follow: true });
  doMount(k, t, { source, target, type, flags, data });
  return 0;
});

register('umount2', (k, t, a) => {
  const flags = int(a[1]);
  if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) throw new Errno(E.EINVAL);
  if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))) throw new Errno(E.EINVAL);
  if (!t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  const target = k.namei.resolve(t, AT_FDCWD, str(t, a[0]), { follow: !(flags & UMOUNT_NOFOLLOW) });
  doUmount(k, t, target, flags);
  return 0;
});

register('pivot_root', (k, t, a) => {
  if (!t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  const newRoot = k.namei.resolve(t, AT_FDCWD, str(t, a[0]), { follow: true });
  const putOld = k.namei.resolve(t, AT_FDCWD, str(t, a[1]), { follow: true });
  pivotRoot(k, t, newRoot, putOld);
  return 0;
});

register('chroot', (k, t, a) => {
  chroot(t, k.namei.resolve(t, AT_FDCWD, str(t, a[0]), { follow: true }));
  return 0;
});

/** The flags unshare(2) knows (check_unshare_flags). */
const UNSHARE_KNOWN = CLONE.THREAD | CLONE.FS | CLONE.NEWNS | CLONE.SIGHAND | CLONE.VM | CLONE.FILES |
  CLONE.SYSVSEM | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWNET | CLONE.NEWUSER | CLONE.NEWPID |
  CLONE.NEWCGROUP | 0x80 /* CLONE_NEWTIME */;

register('unshare', (k, t, a) => {
  let flags = uint(a[0]);
  if (flags & ~UNSHARE_KNOWN) throw new Errno(E.EINVAL);
  // Namespaces other than the mount namespace are not there to leave.
  if (flags & (CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWNET | CLONE.NEWUSER | CLONE.NEWPID | CLONE.NEWCGROUP | 0x80)) throw new Errno(E.EINVAL);
  const others = [...k.tasks.values()].filter((o) => o !== t);
  // Sharing memory, signal handlers or the thread group is only unshared by one alone in it.
  if ((flags & (CLONE.THREAD | CLONE.SIGHAND | CLONE.VM)) && t.group.threads.size > 1) throw new Errno(E.EINVAL);
  if (flags & CLONE.NEWNS) flags |= CLONE.FS;   // a new namespace needs an fs_struct of its own
  if ((flags & CLONE.NEWNS) && !t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  if ((flags & CLONE.FS) && others.some((o) => o.fs === t.fs)) t.fs = t.fs.clone();
  if ((flags & CLONE.FILES) && others.some((o) => o.files === t.files)) t.files = t.files.clone();
  if (flags & CLONE.NEWNS) t.mntns = copyMntNs(t, t.fs);
  return 0;
});

/** The CLONE_NEW* flag of each kind of namespace file (setns's nstype). */
const NSTYPE: Record<string, number> = {
  mnt: CLONE.NEWNS, net: CLONE.NEWNET, uts: CLONE.NEWUTS, ipc: CLONE.NEWIPC, pid: CLONE.NEWPID,
  user: CLONE.NEWUSER, cgroup: CLONE.NEWCGROUP, time: 0x80 /* CLONE_NEWTIME */,
};

/**
 * setns with a /proc/PID/ns file. A mount namespace is entered as
 * mntns_install does: root and cwd become its root (the caller needs
 * CAP_SYS_ADMIN and CAP_SYS_CHROOT, and an fs_struct of its own). The
 * machine has one namespace of each other kind, so joining one is joining
 * the one the caller is in: nothing changes (its own user namespace: EINVAL,
 * as Linux refuses it).
 */
register('setns', (k, t, a) => {
  const f = t.files.get(int(a[0]));
  const nstype = uint(a[1]);
  if (!(f instanceof NsFile)) throw new Errno(E.EINVAL);
  const flag = NSTYPE[f.nsType];
  if (nstype !== 0 && nstype !== flag) throw new Errno(E.EINVAL);
  if (f.nsType === 'user') throw new Errno(E.EINVAL);
  if (!t.cred.capable(CAP.SYS_ADMIN)) throw new Errno(E.EPERM);
  if (f.nsType !== 'mnt' || !f.mntns) return 0;
  if (!t.cred.capable(CAP.SYS_CHROOT)) throw new Errno(E.EPERM);
  if ([...k.tasks.values()].some((o) => o !== t && o.fs === t.fs)) throw new Errno(E.EINVAL);
  t.mntns = f.mntns;
  const root = k.namei.crossMounts(f.mntns.root.rootLocation());
  t.fs.root = root;
  t.fs.cwd = root;
  return 0;
});

/**
 * sysfs(2) (fs/filesystems.c): the old query of the filesystem types, in
 * /proc/filesystems order: 1 gives a name's index, 2 an index's name, 3
 * their number.
 */
register('sysfs', (_k, t, a) => {
  const types = filesystems().map((f) => f.name);
  switch (int(a[0])) {
    case 1: {
      const i = types.indexOf(t.mem.readCString(a[1]));
      if (i < 0) throw new Errno(E.EINVAL);
      return i;
    }
    case 2: {
      const i = uint(a[1]);
      if (i >= types.length) throw new Errno(E.EINVAL);
      t.mem.write(a[2], Buffer.from(types[i] + '\0', 'latin1'));
      return 0;
    }
    case 3: return types.length;
  }
  throw new Errno(E.EINVAL);
});
