// The devpts filesystem (fs/devpts/inode.c): /dev/pts/ptmx and one node per
// live pseudo-terminal slave, made when /dev/ptmx is opened and removed when
// the master is closed. The kernel has one instance (as Linux before 4.7
// without newinstance): /dev/ptmx anywhere and every devpts mount share it.
import { joinPath } from '../namei.js';
import { Errno, E } from '../../host/errno.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { anonDev, registerFilesystem } from '../filesystems.js';
import { File, O, S_IFCHR, S_IFDIR, type Stat } from '../file.js';
import { Inode, type SetAttr, type SuperBlock } from '../inode.js';
import { DT, encodeDirent, type DirEntry } from '../proc/generic.js';
import { mkdev, registerChrdev } from '../../drivers/registry.js';
import { openMaster, openSlave, PtyPair, PTY_SLAVE_MAJOR, type PtyHost } from '../../drivers/tty/pty.js';
import type { TtyFile } from '../../drivers/tty/tty_io.js';

const DEVPTS_SUPER_MAGIC = 0x1cd1;
/** The mount options Debian uses, as defaults: slaves are root:tty 0620, ptmx 0000 (/dev/ptmx is used). */
const TTY_GID = 5;

function now(): [bigint, bigint] {
  const ms = BigInt(Date.now());
  return [ms / 1000n, (ms % 1000n) * 1000000n];
}

abstract class DevptsInode extends Inode {
  uid = 0; gid = 0;
  time = now();
  constructor(readonly sb: DevptsSuperBlock, readonly ino: bigint, public perm: number, readonly type: number, readonly rdev = 0n) { super(); }

  getattr(): Stat {
    return {
      dev: this.sb.dev, ino: this.ino, nlink: this.type === S_IFDIR ? 2n : 1n, mode: this.type | this.perm,
      uid: this.uid, gid: this.gid, rdev: this.rdev, size: 0n, blksize: 1024n, blocks: 0n,
      atime: this.time, mtime: this.time, ctime: this.time,
    };
  }

  override setattr(task: Task, a: SetAttr): void {
    const cred = task.cred;
    if ((a.uid !== undefined && a.uid !== -1) || (a.gid !== undefined && a.gid !== -1)) {
      if (!cred.capable(0 /* CAP_CHOWN */) && cred.fsuid !== this.uid) throw new Errno(E.EPERM);
      if (a.uid !== undefined && a.uid !== -1) this.uid = a.uid;
      if (a.gid !== undefined && a.gid !== -1) this.gid = a.gid;
    }
    if (a.mode !== undefined) {
      if (!cred.capable(3 /* CAP_FOWNER */) && cred.fsuid !== this.uid) throw new Errno(E.EPERM);
      this.perm = a.mode & 0o7777;
    }
    if (a.size !== undefined) throw new Errno(E.EINVAL);
    this.time = now();
  }
}

class SlaveNode extends DevptsInode {
  constructor(sb: DevptsSuperBlock, readonly pair: PtyPair, task: Task) {
    super(sb, BigInt(pair.index + 3), 0o620, S_IFCHR, mkdev(PTY_SLAVE_MAJOR, pair.index));
    // devpts_pty_new: owned by the opener of the master, group tty.
    this.uid = task.cred.fsuid;
    this.gid = TTY_GID;
  }
  override open(task: Task, flags: number): File { return openSlave(task, this.pair, flags); }
}

class PtmxNode extends DevptsInode {
  constructor(sb: DevptsSuperBlock) { super(sb, 2n, 0o000, S_IFCHR, mkdev(5, 2)); }
  override open(task: Task, flags: number): File { return this.sb.openPtmx(task, flags); }
}

class RootDir extends DevptsInode {
  constructor(sb: DevptsSuperBlock) { super(sb, 1n, 0o755, S_IFDIR); }
  override lookup(name: string): Inode {
    if (name === 'ptmx') return this.sb.ptmx;
    if (/^(0|[1-9][0-9]*)$/.test(name)) {
      const n = this.sb.slaves.get(Number(name));
      if (n) return n;
    }
    throw new Errno(E.ENOENT);
  }
  override open(_task: Task, flags: number): File { return new DirFile(this, flags); }
  listing(): DirEntry[] {
    const out: DirEntry[] = [
      { name: '.', ino: 1n, type: DT.DIR }, { name: '..', ino: 1n, type: DT.DIR },
      { name: 'ptmx', ino: 2n, type: DT.CHR },
    ];
    for (const [i, n] of [...this.sb.slaves].sort((a, b) => a[0] - b[0])) out.push({ name: String(i), ino: n.ino, type: DT.CHR });
    return out;
  }
}

class DirFile extends File {
  constructor(readonly dir: RootDir, flags: number) { super(flags); }
  describe(): string { return this.location?.path ?? '/dev/pts'; }
  override stat(): Stat { return this.dir.getattr(); }
  override read(): Buffer { throw new Errno(E.EISDIR); }
  override llseek(off: bigint, whence: number): bigint {
    const p = whence === 0 ? off : whence === 1 ? this.pos + off : -1n;
    if (p < 0n) throw new Errno(E.EINVAL);
    this.pos = p;
    return p;
  }
  override getdents(max: number): Buffer {
    const list = this.dir.listing();
    const out: Buffer[] = [];
    let used = 0, i = Number(this.pos);
    for (; i < list.length; i++) {
      const rec = encodeDirent(list[i], BigInt(i + 1));
      if (used + rec.length > max) { if (!out.length) throw new Errno(E.EINVAL); break; }
      out.push(rec); used += rec.length;
    }
    this.pos = BigInt(i);
    return Buffer.concat(out);
  }
}

export class DevptsSuperBlock implements SuperBlock, PtyHost {
  readonly type = 'devpts';
  readonly dev = anonDev();
  readonly source = 'devpts';
  readonly root: RootDir;
  readonly ptmx: PtmxNode;
  readonly slaves = new Map<number, SlaveNode>();

  constructor(readonly kernel: Kernel) {
    this.root = new RootDir(this);
    this.ptmx = new PtmxNode(this);
  }

  options(): string { return `rw,nosuid,noexec,relatime,gid=${TTY_GID},mode=620,ptmxmode=000`; }

  statfs(): Buffer {
    const b = Buffer.alloc(120);
    b.writeBigInt64LE(BigInt(DEVPTS_SUPER_MAGIC), 0);
    b.writeBigInt64LE(4096n, 8);
    b.writeBigInt64LE(255n, 64);
    b.writeBigInt64LE(4096n, 72);
    b.writeBigInt64LE(BigInt(0x2 | 0x8 | 0x400), 80);   // ST_NOSUID | ST_NOEXEC | ST_RELATIME
    return b;
  }

  /** ptmx_open: a new pair with the lowest free index; the master is returned. */
  openPtmx(task: Task, flags: number): TtyFile {
    let i = 0;
    while (this.slaves.has(i)) i++;
    const pair = new PtyPair(this.kernel, i, this);
    this.slaves.set(i, new SlaveNode(this, pair, task));
    return openMaster(task, pair, flags);
  }

  /** The slave open by device number (136:N met on any filesystem). */
  openIndex(task: Task, index: number, flags: number): TtyFile {
    const n = this.slaves.get(index);
    if (!n) throw new Errno(E.EIO);
    return openSlave(task, n.pair, flags);
  }

  slaveNode(index: number): Inode | null { return this.slaves.get(index) ?? null; }
  release(index: number): void { this.slaves.delete(index); }

  openPeer(task: Task, pair: PtyPair, flags: number): TtyFile {
    const f = openSlave(task, pair, flags | O.NOCTTY);
    const m = this.kernel.mntns.list.find((x) => x.sb === this);
    const node = this.slaves.get(pair.index);
    if (m && node) f.location = { ...m.rootLocation(), inode: node, path: joinPath(m.rootLocation().path, String(pair.index)) };
    return f;
  }
}

const instances = new WeakMap<Kernel, DevptsSuperBlock>();
/** The kernel's devpts instance. */
export function devpts(k: Kernel): DevptsSuperBlock {
  let sb = instances.get(k);
  if (!sb) { sb = new DevptsSuperBlock(k); instances.set(k, sb); }
  return sb;
}

registerFilesystem({ name: 'devpts', requiresDev: false, mount: (req) => devpts(req.kernel) });

// The slaves by number (a 136:N node on any filesystem); /dev/ptmx (5:2) is in tty_aux.ts.
registerChrdev(PTY_SLAVE_MAJOR, (task, minor, flags) => devpts(task.kernel).openIndex(task, minor, flags));
