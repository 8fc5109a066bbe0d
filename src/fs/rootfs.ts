// rootfs (init/do_mounts.c, init_rootfs): the empty filesystem at the very
// bottom of the initial mount namespace. The real root is mounted on its
// "/", so that the root has a parent mount, as pivot_root needs; tasks never
// see it (it lies above their root).
import { Errno, E } from '../host/errno.js';
import { Inode, type SuperBlock } from './inode.js';
import { anonStat, type Stat } from './file.js';

class RootfsDir extends Inode {
  private readonly st: Stat;
  constructor(readonly sb: SuperBlock) {
    super();
    this.st = { ...anonStat(0o040755, sb.dev), ino: 1n, nlink: 2n };
  }
  getattr(): Stat { return { ...this.st }; }
  lookup(_name: string): Inode { throw new Errno(E.ENOENT); }
}

export class RootfsSuperBlock implements SuperBlock {
  readonly type = 'rootfs';
  readonly dev = 1n;
  readonly source = 'rootfs';
  readonly root: Inode = new RootfsDir(this);
  options(): string { return 'rw'; }
}
