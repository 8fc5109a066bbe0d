// The proc filesystem type: every mount of proc in a kernel shows the same
// superblock (one pid namespace), as Linux's proc did before per-mount options.
import { registerFilesystem } from '../filesystems.js';
import type { Kernel } from '../../kernel/kernel.js';
import { ProcSuperBlock } from './root.js';

const sbs = new WeakMap<Kernel, ProcSuperBlock>();

export function procSuperBlock(k: Kernel): ProcSuperBlock {
  let sb = sbs.get(k);
  if (!sb) { sb = new ProcSuperBlock(k); sbs.set(k, sb); }
  return sb;
}

registerFilesystem({ name: 'proc', requiresDev: false, mount: (req) => procSuperBlock(req.kernel) });
