// The hostfs filesystem type (UML's fs/hostfs/hostfs_kern.c): `mount -t
// hostfs none /mnt -o /host/dir` mounts a host directory (the host's / when
// the data is empty). The kernel parameter hostfs=DIR confines every hostfs
// mount under DIR, as UML's does: the data is then a path inside DIR
// (`-o sub/dir` is DIR/sub/dir), and neither `..` nor a host symlink leads
// out of it. The option "meta" (`-o /host/dir,meta`, or the type "humfs")
// keeps the guest's owners, modes, device nodes and xattrs in the
// directory's metadata store (meta.ts).
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import { setupParam } from '../../init/params.js';
import { registerFilesystem, anonDev, type MountRequest } from '../filesystems.js';
import { HostSuperBlock } from './inode.js';
import { MetaStore } from './meta.js';

/** hostfs= of each machine: the host directory all hostfs mounts are confined to. */
const confinedTo = new WeakMap<Kernel, string>();

setupParam('hostfs', (v, k) => {
  if (v === '') throw new Error('hostfs= needs a host directory');
  let dir: string;
  try { dir = realpathSync(v); } catch { throw new Error(`hostfs=${v}: no such directory`); }
  if (!statSync(dir).isDirectory()) throw new Error(`hostfs=${v}: not a directory`);
  confinedTo.set(k, dir);
});

/** The host directory confining the machine's hostfs mounts, if hostfs= was given. */
export function hostfsConfinement(k: Kernel): string | undefined { return confinedTo.get(k); }

/**
 * The host directory a hostfs mount's data names: under hostfs=DIR, inside
 * DIR whatever the path says (EACCES when `..` or a host symlink would lead
 * out of it); otherwise the host path itself.
 */
export function hostfsDir(k: Kernel, data: string): string {
  const root = confinedTo.get(k);
  let dir: string;
  if (root === undefined) dir = resolve('/', data);
  else {
    dir = resolve(root, '.' + (data.startsWith('/') ? '' : '/') + data);
    if (dir !== root && !dir.startsWith(root + '/')) throw new Errno(E.EACCES);
  }
  let real: string;
  try { real = realpathSync(dir); } catch { throw new Errno(E.ENOENT); }
  if (root !== undefined && real !== root && !real.startsWith(root + '/')) throw new Errno(E.EACCES);
  if (!statSync(real).isDirectory()) throw new Errno(E.ENOTDIR);
  return root === undefined ? dir : real;
}

function mountHostfs(req: MountRequest, meta: boolean): HostSuperBlock {
  const parts = req.data.split(',');
  const path = parts[0];
  for (const o of parts.slice(1)) {
    if (o === 'meta') meta = true;
    else if (o !== '' && o !== 'rw' && o !== 'ro') throw new Errno(E.EINVAL, `hostfs: unknown option ${o}`);
  }
  const dir = hostfsDir(req.kernel, path);
  let store: MetaStore | null = null;
  if (meta) {
    try { store = new MetaStore(dir); } catch (e) { throw new Errno(E.EINVAL, e instanceof Error ? e.message : String(e)); }
  }
  return new HostSuperBlock(dir, anonDev(), req.source, store);
}

registerFilesystem({ name: 'hostfs', requiresDev: false, mount: (req) => mountHostfs(req, false) });
/** UML's humfs, reborn: hostfs with the metadata store. */
registerFilesystem({ name: 'humfs', requiresDev: false, mount: (req) => mountHostfs(req, true) });
