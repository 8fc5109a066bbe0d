// overlayfs inodes (fs/overlayfs/inode.c, namei.c, dir.c): each overlay
// object stands for the same name in the upper tree and the lower trees.
// Lookup merges them (upper wins, whiteouts hide, opaque directories stop
// the merge); every change first copies the object up (copy_up.ts), and the
// removal of a name the lower trees have leaves a whiteout over it.
import { Errno, E } from '../../host/errno.js';
import type { Task } from '../../kernel/task.js';
import { CAP } from '../../kernel/cred.js';
import { O, S_IFCHR, S_IFMT, S_IFREG, type File, type Stat } from '../file.js';
import { Inode, type SetAttr } from '../inode.js';
import { copyUp } from './copy_up.js';
import { OvlDirFile, OvlFile, mergedEntries } from './file.js';
import type { OvlSuperBlock } from './super.js';
import { isOpaque, isWhiteout, listDir, tryLookup, tryLowerLookup, withMounterCreds } from './util.js';
import { inodeInitOwner } from '../permission.js';

const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

export class OvlInode extends Inode {
  /** The name was removed (unlinked, or renamed over): path operations on this object fail with ENOENT. */
  dead = false;
  /** The overlay's own st_ino for this object, once known (stable across copy-up). */
  private inoCache: bigint | null = null;
  /** Children looked up so far, so that one name is one object (and copy-up is seen by all users). */
  private readonly children = new Map<string, WeakRef<OvlInode>>();

  constructor(
    readonly sb: OvlSuperBlock,
    public parent: OvlInode | null,
    public name: string,
    /** The object in the upper tree (null until copied up). */
    public upper: Inode | null,
    /** Directories: the lower directories merged here, top first. Others: the lower object (the origin), if any. */
    public lowers: Inode[],
  ) {
    super();
  }

  /** The object that holds the data and attributes now (ovl_inode_real). */
  get current(): Inode { return this.upper ?? this.lowers[0]; }

  override real(): Inode { return this.current.real(); }
  /** The type survives the removal of the name (a removed cwd is still a directory). */
  override get mode(): number {
    try { return this.getattr().mode; } catch { return this.current.mode; }
  }
  override fmt(): number { return this.current.fmt(); }
  override isDir(): boolean { return this.current.isDir(); }
  override isLink(): boolean { return this.current.isLink(); }

  getattr(): Stat {
    // As hostfs answers for a removed path: getcwd and /proc's "(deleted)" rely on it.
    if (this.dead) throw new Errno(E.ENOENT);
    const st = { ...this.current.getattr() };
    st.ino = this.ino(st);
    st.dev = this.sb.dev;
    // A merged directory's link count is not knowable cheaply: 1 tells find
    // and friends not to count on it, as Linux reports.
    if (this.upper && this.lowers.length && (st.mode & S_IFMT) === 0o040000) st.nlink = 1n;
    return st;
  }

  /** st_ino: the lower object's number when there is one (so it survives copy-up), else the upper's. */
  private ino(realSt: Stat): bigint {
    if (this.inoCache !== null) return this.inoCache;
    let ino: bigint | undefined;
    if (!this.upper) ino = this.sb.xino(realSt.dev, realSt.ino, false);
    else if (this.lowers.length) {
      const l = this.lowers[0].getattr();
      ino = this.sb.xino(l.dev, l.ino, false);
      if (!this.isDir()) this.sb.origins.set(`${realSt.dev}:${realSt.ino}`, ino);
    } else {
      // A hard link made to a copied-up file is the same object: the same number.
      ino = this.isDir() ? undefined : this.sb.origins.get(`${realSt.dev}:${realSt.ino}`);
      ino ??= this.sb.xino(realSt.dev, realSt.ino, true);
    }
    this.inoCache = ino;
    return ino;
  }

  // ---- lookup ----

  override lookup(name: string): Inode {
    if (!this.isDir()) throw new Errno(E.ENOTDIR);
    // The dcache: a name resolved once stays resolved until the overlay
    // itself changes it (every creation, removal and rename forgets the name
    // first). The layers may not change under a mounted overlay (Linux's
    // rule), so there is no revalidation against them; names not found are
    // looked up again every time.
    const known = this.children.get(name)?.deref();
    if (known && !known.dead) { this.sb.touch(known); return known; }
    const r = this.resolveChild(name);
    if (!r) throw new Errno(E.ENOENT);
    const c = new OvlInode(this.sb, this, name, r.upper, r.lowers);
    this.remember(name, c);
    return c;
  }

  private remember(name: string, c: OvlInode): void {
    this.children.set(name, new WeakRef(c));
    this.sb.touch(c);
    if (this.children.size >= 256 && (this.children.size & (this.children.size - 1)) === 0) {
      for (const [k, v] of this.children) if (!v.deref()) this.children.delete(k);
    }
  }

  /** Forgets name (it was removed or replaced). */
  forget(name: string): void { this.children.delete(name); }

  /** ovl_lookup: the upper object and the lower ones for name, or null when there is none. */
  private resolveChild(name: string): { upper: Inode | null; lowers: Inode[] } | null {
    const style = this.sb.style;
    let upper: Inode | null = null;
    if (this.upper) {
      upper = tryLookup(this.upper, name);
      if (upper && isWhiteout(upper, style)) return null;
      if (upper && !upper.isDir()) {
        const l = this.lowerObject(name);
        return { upper, lowers: l && !l.isDir() ? [l] : [] };
      }
      if (upper && isOpaque(upper, style)) return { upper, lowers: [] };
    }
    const lowers: Inode[] = [];
    for (let i = 0; i < this.lowers.length; i++) {
      const l = tryLowerLookup(this.lowers[i], name);
      if (!l) continue;
      const last = i === this.lowers.length - 1;
      if (!last && !l.isDir() && !l.isLink() && isWhiteout(l, style)) break;
      if (!l.isDir()) {
        if (!upper && lowers.length === 0) lowers.push(l);
        break;
      }
      if (lowers.length && !lowers[0].isDir()) break;
      lowers.push(l);
      if (!last && isOpaque(l, style)) break;
    }
    if (!upper && lowers.length === 0) return null;
    return { upper, lowers };
  }

  /** The first lower object called name (whiteouts of the lower layers count as absent). */
  private lowerObject(name: string): Inode | null {
    for (let i = 0; i < this.lowers.length; i++) {
      const l = tryLowerLookup(this.lowers[i], name);
      if (!l) continue;
      if (i < this.lowers.length - 1 && !l.isDir() && !l.isLink() && isWhiteout(l, this.sb.style)) return null;
      return l;
    }
    return null;
  }

  /** Whether removing name from the upper tree would uncover a lower object. */
  private needsWhiteout(name: string): boolean { return this.lowerObject(name) !== null; }

  override readlink(task?: Task): string { return this.current.readlink(task); }

  // ---- open ----

  override open(task: Task, flags: number): File {
    if (this.isDir()) return new OvlDirFile(this, task, flags);
    if (flags & O.PATH) return new OvlFile(this, this.current.open(task, flags), flags);
    const type = this.current.fmt();
    if (type !== S_IFREG) return this.current.open(task, flags);   // devices, FIFOs: the kernel's objects
    const write = (flags & O.ACCMODE) !== O.RDONLY || (flags & O.TRUNC) !== 0;
    if (write) this.copyUp(task, (flags & O.TRUNC) === 0);
    return new OvlFile(this, this.current.open(task, flags), flags);
  }

  override tmpfile(task: Task, mode: number, flags: number): { file: File; inode: Inode } {
    const up = this.copyUp(task);
    const r = withMounterCreds(task, () => up.tmpfile(task, mode, flags));
    const inode = new OvlInode(this.sb, null, '', r.inode, []);
    return { file: new OvlFile(inode, r.file, flags), inode };
  }

  /** ovl_copy_up: the upper object, made from the lower one (parents first) if needed. */
  copyUp(task: Task, data = true): Inode {
    if (this.upper) return this.upper;
    if (this.sb.readOnly) throw new Errno(E.EROFS);
    if (!this.parent) throw new Errno(E.ENOENT);   // an unnamed object always has its upper
    const pu = this.parent.copyUp(task);
    this.upper = withMounterCreds(task, () => copyUp(task, this, pu, data));
    this.inoCache = null;
    this.getattr();   // records the origin's number for the upper object's other names
    return this.upper;
  }

  // ---- directory operations ----

  /** Prepares name in this directory's upper tree for a new object: removes a whiteout there. */
  private prepareCreate(task: Task, up: Inode, name: string): boolean {
    const u = tryLookup(up, name);
    if (!u) return false;
    if (!isWhiteout(u, this.sb.style)) throw new Errno(E.EEXIST);
    up.unlink(task, name);
    return true;
  }

  private makeWhiteout(task: Task, up: Inode, name: string): void {
    const style = this.sb.style;
    if (style.chr) { up.mknod(task, name, S_IFCHR, 0n); return; }
    up.create(task, name, 0o600, O.WRONLY | O.CREAT | O.EXCL).put();
    up.lookup(name).setxattr(task, style.prefix + 'whiteout', Buffer.from('y'), 0);
  }

  /** Runs a creation in the upper directory, with the caller's fsuid and the mounter's rights. */
  private creating<T>(task: Task, name: string, fn: (up: Inode, overWhiteout: boolean) => T): T {
    if (!this.isDir()) throw new Errno(E.ENOTDIR);
    const up = this.copyUp(task);
    this.forget(name);
    return withMounterCreds(task, () => fn(up, this.prepareCreate(task, up, name)));
  }

  /**
   * The mode of a new non-directory as the caller's credentials make it
   * (ovl_create_object's inode_init_owner on the overlay inode): the upper
   * layer is written with the mounter's rights, which would keep a setgid
   * bit the caller may not have.
   */
  private callerMode(task: Task, mode: number): number {
    return inodeInitOwner(task.cred, this.getattr(), mode).mode;
  }

  override create(task: Task, name: string, mode: number, flags: number): File {
    mode = this.callerMode(task, S_IFREG | mode) & ~S_IFMT;
    const f = this.creating(task, name, (up) => up.create(task, name, mode, flags));
    return new OvlFile(this.lookup(name) as OvlInode, f, flags);
  }

  override mkdir(task: Task, name: string, mode: number): void {
    this.creating(task, name, (up, overWhiteout) => {
      // A directory made where a lower one was removed must not show its old
      // entries. (User xattrs need write permission: marked before its mode is set.)
      if (!overWhiteout && !this.needsWhiteout(name)) { up.mkdir(task, name, mode); return; }
      up.mkdir(task, name, mode | 0o700);
      const d = up.lookup(name);
      d.setxattr(task, this.sb.style.prefix + 'opaque', Buffer.from('y'), 0);
      if ((mode & 0o700) !== 0o700) d.setattr(task, { mode });
    });
  }

  override mknod(task: Task, name: string, mode: number, dev: bigint): void {
    mode = this.callerMode(task, mode);
    this.creating(task, name, (up) => up.mknod(task, name, mode, dev));
  }

  override symlink(task: Task, target: string, name: string): void {
    this.creating(task, name, (up) => up.symlink(task, target, name));
  }

  override link(task: Task, old: Inode, name: string): void {
    if (!(old instanceof OvlInode) || old.sb !== this.sb) throw new Errno(E.EXDEV);
    const ou = old.copyUp(task);
    this.creating(task, name, (up) => up.link(task, ou, name));
  }

  override unlink(task: Task, name: string): void {
    const child = this.lookup(name) as OvlInode;
    if (child.isDir()) throw new Errno(E.EISDIR);
    this.remove(task, name, child);
  }

  override rmdir(task: Task, name: string): void {
    const child = this.lookup(name) as OvlInode;
    if (!child.isDir()) throw new Errno(E.ENOTDIR);
    if (mergedEntries(task, child).length > 2) throw new Errno(E.ENOTEMPTY);
    this.remove(task, name, child);
  }

  private remove(task: Task, name: string, child: OvlInode): void {
    const up = this.copyUp(task);
    withMounterCreds(task, () => {
      if (child.upper) {
        if (child.isDir()) { child.clearWhiteouts(task); up.rmdir(task, name); } else up.unlink(task, name);
      }
      if (this.needsWhiteout(name)) this.makeWhiteout(task, up, name);
    });
    child.dead = true;
    this.forget(name);
  }

  /** Removes the whiteouts of an upper directory that is empty in the merged view (ovl_clear_empty). */
  private clearWhiteouts(task: Task): void {
    const up = this.upper!;
    for (const e of listDir(task, up)) {
      if (e.name === '.' || e.name === '..') continue;
      const u = tryLookup(up, e.name);
      if (u && isWhiteout(u, this.sb.style)) up.unlink(task, e.name);
    }
  }

  override rename(task: Task, oldName: string, newDir: Inode, newName: string, flags: number): void {
    if (!(newDir instanceof OvlInode) || newDir.sb !== this.sb) throw new Errno(E.EXDEV);
    if (flags & RENAME_WHITEOUT) throw new Errno(E.EINVAL);
    const src = this.lookup(oldName) as OvlInode;
    let dst: OvlInode | null = null;
    try { dst = newDir.lookup(newName) as OvlInode; } catch (e) { if (!(e instanceof Errno) || e.errno !== E.ENOENT) throw e; }
    if (dst && (flags & RENAME_NOREPLACE)) throw new Errno(E.EEXIST);
    if (!dst && (flags & RENAME_EXCHANGE)) throw new Errno(E.ENOENT);
    if (dst === src) return;
    // Without redirect_dir, a directory the lower trees have cannot move:
    // EXDEV, and mv copies it instead.
    if (src.isDir() && src.lowers.length) throw new Errno(E.EXDEV);
    if (dst && (flags & RENAME_EXCHANGE) && dst.isDir() && dst.lowers.length) throw new Errno(E.EXDEV);
    if (dst && !(flags & RENAME_EXCHANGE)) {
      if (src.isDir() && !dst.isDir()) throw new Errno(E.ENOTDIR);
      if (!src.isDir() && dst.isDir()) throw new Errno(E.EISDIR);
      if (dst.isDir() && mergedEntries(task, dst).length > 2) throw new Errno(E.ENOTEMPTY);
    }
    src.copyUp(task);
    if (dst && (flags & RENAME_EXCHANGE)) dst.copyUp(task);
    const oup = this.copyUp(task), nup = newDir.copyUp(task);
    withMounterCreds(task, () => {
      if (flags & RENAME_EXCHANGE) { oup.rename(task, oldName, nup, newName, RENAME_EXCHANGE); return; }
      const covered = newDir.needsWhiteout(newName);
      const nu = tryLookup(nup, newName);
      if (nu && isWhiteout(nu, this.sb.style)) nup.unlink(task, newName);
      else if (nu && dst?.upper && dst.isDir()) dst.clearWhiteouts(task);
      oup.rename(task, oldName, nup, newName, 0);
      if (src.isDir() && covered) nup.lookup(newName).setxattr(task, this.sb.style.prefix + 'opaque', Buffer.from('y'), 0);
      if (this.needsWhiteout(oldName)) this.makeWhiteout(task, oup, oldName);
    });
    this.forget(oldName);
    newDir.forget(newName);
    if (dst && !(flags & RENAME_EXCHANGE)) dst.dead = true;
    if (!(flags & RENAME_EXCHANGE)) {
      // The object moves with its copy-up state and origin.
      src.parent = newDir; src.name = newName; src.upper = nup.lookup(newName);
      newDir.remember(newName, src);
    }
  }

  // ---- attributes ----

  override setattr(task: Task, attr: SetAttr): void {
    const up = this.copyUp(task, attr.size !== 0n);
    withMounterCreds(task, () => up.setattr(task, attr));
  }

  override access(task: Task, mode: number): void {
    if (mode & 2) {
      if (this.sb.readOnly) throw new Errno(E.EROFS);
      writePermission(task, this.getattr());
    }
    // Reading and searching need the rights on the real object.
    if (mode & ~2) this.current.access(task, mode & ~2);
  }

  private isPrivate(name: string): boolean { return name.startsWith(this.sb.style.prefix); }

  override getxattr(name: string): Buffer {
    if (this.isPrivate(name)) throw new Errno(E.EOPNOTSUPP);
    return this.current.getxattr(name);
  }

  override listxattr(): Buffer {
    const names = this.current.listxattr().toString('latin1').split('\0').filter((n) => n !== '' && !this.isPrivate(n));
    return Buffer.from(names.map((n) => n + '\0').join(''), 'latin1');
  }

  override setxattr(task: Task, name: string, value: Buffer, flags: number): void {
    if (this.isPrivate(name)) throw new Errno(E.EOPNOTSUPP);
    const up = this.copyUp(task);
    withMounterCreds(task, () => up.setxattr(task, name, value, flags));
  }

  override removexattr(task: Task, name: string): void {
    if (this.isPrivate(name)) throw new Errno(E.EOPNOTSUPP);
    const up = this.copyUp(task);
    withMounterCreds(task, () => up.removexattr(task, name));
  }
}

/** generic_permission for MAY_WRITE on the overlay's attributes (the lower object itself may be read-only). */
function writePermission(task: Task, st: Stat): void {
  const c = task.cred;
  if (c.capable(CAP.DAC_OVERRIDE)) return;
  const bit = c.fsuid === st.uid ? 0o200 : c.inGroup(st.gid) ? 0o020 : 0o002;
  if (!(st.mode & bit)) throw new Errno(E.EACCES);
}
