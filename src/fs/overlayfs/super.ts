// overlayfs (fs/overlayfs/super.c): a union of read-only lower trees and one
// writable upper tree, each the Inode tree of any filesystem. The mount
// options are Linux's: lowerdir=A[:B...], upperdir=, workdir=, userxattr.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { S_IFCHR } from '../file.js';
import { anonDev, registerFilesystem, type MountRequest } from '../filesystems.js';
import type { Inode, SuperBlock } from '../inode.js';
import { OvlInode } from './inode.js';
import { tryLookup, withMounterCreds, type WhiteoutStyle } from './util.js';

export interface OvlConfig {
  lowers: Inode[];
  upper: Inode | null;
  /** Where copy-ups are prepared before they are renamed into place (same filesystem as upper). */
  work: Inode | null;
  /** Force the userxattr style (whiteouts as marked files, user.overlay.* xattrs). */
  userxattr?: boolean;
  /** For /proc/mounts. */
  source?: string;
  optionText?: string;
}

/** Bits 56..63 of st_ino say which filesystem an inode number comes from (Linux's xino). */
const XINO_SHIFT = 56n;

/** How many looked-up objects an overlay keeps alive when nothing else uses them. */
const RECENT = 4096;

export class OvlSuperBlock implements SuperBlock {
  readonly type = 'overlay';
  readonly dev = anonDev();
  readonly root: OvlInode;
  readonly source: string;
  readonly style: WhiteoutStyle;
  readonly work: Inode | null;
  private readonly fsids = new Map<bigint, bigint>();
  /** st_ino of copied-up objects by their upper "dev:ino", for their other names (hard links). */
  readonly origins = new Map<string, bigint>();
  private readonly optionText: string;
  private tmpSeq = 0;
  /** The most recently used objects, kept alive (the dcache's LRU of unused dentries). */
  private readonly recent = new Set<OvlInode>();

  constructor(task: Task | null, cfg: OvlConfig) {
    if (cfg.lowers.length === 0) throw new Errno(E.EINVAL, 'overlay: no lowerdir');
    for (const l of cfg.lowers) if (!l.isDir()) throw new Errno(E.ENOTDIR, 'overlay: lowerdir is not a directory');
    if (cfg.upper && !cfg.upper.isDir()) throw new Errno(E.ENOTDIR, 'overlay: upperdir is not a directory');
    this.source = cfg.source ?? 'overlay';
    this.work = cfg.work;
    this.optionText = cfg.optionText ?? '';
    // The main lower filesystem keeps its inode numbers; the upper layer is fsid 1.
    this.fsids.set(cfg.lowers[0].getattr().dev, 0n);
    this.style = cfg.upper && task ? probeStyle(task, cfg.work ?? cfg.upper, cfg.userxattr ?? false) : { chr: true, prefix: 'trusted.overlay.' };
    this.root = new OvlInode(this, null, '', cfg.upper, cfg.lowers);
  }

  /** Marks an object as just used; the least recently used beyond RECENT may be collected. */
  touch(o: OvlInode): void {
    this.recent.delete(o);
    this.recent.add(o);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.values().next().value!);
  }

  get readOnly(): boolean { return this.root.upper === null; }

  options(): string { return (this.readOnly ? 'ro' : 'rw') + ',relatime' + (this.optionText ? ',' + this.optionText : ''); }

  statfs(): Buffer {
    // As Linux: the upper filesystem's numbers (the lower's when read-only), with overlay's magic.
    const real = (this.root.upper ?? this.root.lowers[0]).sb;
    const b = real.statfs ? Buffer.from(real.statfs()) : Buffer.alloc(120);
    if (!real.statfs) { b.writeBigInt64LE(4096n, 8); b.writeBigInt64LE(255n, 88); b.writeBigInt64LE(4096n, 96); }
    b.writeBigInt64LE(0x794c7630n, 0);   // OVERLAYFS_SUPER_MAGIC
    return b;
  }

  /** st_ino as the overlay shows it: the real number, tagged with its filesystem. */
  xino(dev: bigint, ino: bigint, upper: boolean): bigint {
    let fsid = upper ? 1n : this.fsids.get(dev);
    if (fsid === undefined) { fsid = BigInt(this.fsids.size + 1); this.fsids.set(dev, fsid); }
    return BigInt.asUintN(64, ino | (fsid << XINO_SHIFT));
  }

  /**
   * The guest's name of a host path (for /proc/PID/maps): a file of a hostfs
   * upper layer is shown where it is in the overlay, as Linux shows the
   * overlay's path of a mapped file.
   */
  guestPath(hostPath: string): string {
    const up = this.root.upper;
    const base = up && 'hostPath' in up ? String((up as { hostPath: string }).hostPath) : null;
    if (base && hostPath.startsWith(base + '/')) return hostPath.slice(base.length);
    return hostPath;
  }

  /** A fresh name for a copy-up being prepared. */
  tmpName(): string { return `#ovl.${process.pid}.${++this.tmpSeq}`; }
}

/**
 * ovl_make_workdir's checks: can the upper filesystem make char 0:0
 * whiteouts and trusted.overlay.* xattrs? A host directory of an
 * unprivileged host user cannot; then the userxattr style is used.
 */
function probeStyle(task: Task, dir: Inode, userxattr: boolean): WhiteoutStyle {
  const user: WhiteoutStyle = { chr: false, prefix: 'user.overlay.' };
  if (userxattr) return user;
  return withMounterCreds(task, () => {
    const name = `#ovl-probe.${process.pid}`;
    let chr = false, trusted = false;
    try { dir.mknod(task, name, S_IFCHR, 0n); chr = true; } catch { /* no whiteouts of Linux's kind */ }
    if (chr) {
      try { const n = dir.lookup(name); n.setxattr(task, 'trusted.overlay.probe', Buffer.from('y'), 0); trusted = true; } catch { /* no trusted xattrs */ }
      try { dir.unlink(task, name); } catch { /* gone */ }
    }
    return chr && trusted ? { chr: true, prefix: 'trusted.overlay.' } : user;
  });
}

function parseOptions(data: string): Map<string, string> {
  const m = new Map<string, string>();
  // Linux lets a comma be escaped with a backslash inside a path.
  for (const part of data.split(/(?<!\\),/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    m.set(eq < 0 ? part : part.slice(0, eq), eq < 0 ? '' : part.slice(eq + 1).replace(/\\,/g, ','));
  }
  return m;
}

registerFilesystem({
  name: 'overlay',
  requiresDev: false,
  mount(req: MountRequest): SuperBlock {
    const o = parseOptions(req.data);
    const lower = o.get('lowerdir');
    if (!lower) throw new Errno(E.EINVAL, 'overlay: missing lowerdir');
    const task = req.task;
    if (!task) throw new Errno(E.EINVAL);
    const dir = (p: string) => {
      const loc = req.kernel.namei.resolve(task, -100, p, { follow: true });
      if (!loc.inode.isDir()) throw new Errno(E.ENOTDIR);
      return loc.inode;
    };
    const lowers = lower.split(/(?<!\\):/).map((p) => dir(p.replace(/\\:/g, ':')));
    const upperPath = o.get('upperdir');
    const workPath = o.get('workdir');
    if (upperPath !== undefined && workPath === undefined) throw new Errno(E.EINVAL, 'overlay: missing workdir');
    const upper = upperPath !== undefined ? dir(upperPath) : null;
    const work = upper && workPath !== undefined ? dir(workPath) : null;
    if (upper && work && upper.sb !== work.sb) throw new Errno(E.EINVAL, 'overlay: workdir and upperdir must be on the same filesystem');
    if ((req.flags & 1 /* MS_RDONLY */) && upper) { /* a read-only mount still uses its upper for lookups */ }
    return new OvlSuperBlock(task, { lowers, upper, work, userxattr: o.has('userxattr'), source: req.source, optionText: req.data });
  },
});

export { tryLookup };
