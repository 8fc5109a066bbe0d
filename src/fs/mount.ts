// The mount tree (fs/mount.h, fs/namespace.c's data structures): a Mount is
// one place a superblock (or a directory of it, for bind mounts) is attached;
// it hangs from a mountpoint in its parent mount. A mount namespace is a tree
// of mounts with a root; tasks see the tree of their namespace.
import type { Inode, SuperBlock } from './inode.js';

/**
 * mount(2)'s MS_* flags (include/uapi/linux/mount.h). Mount.flags keeps the
 * per-mount ones (MNT_* in Linux) in this encoding: RDONLY, NOSUID, NODEV,
 * NOEXEC and the atime bits.
 */
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64,
  DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192,
  REC: 16384, SILENT: 32768, POSIXACL: 1 << 16, UNBINDABLE: 1 << 17, PRIVATE: 1 << 18,
  SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21, KERNMOUNT: 1 << 22, I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24, LAZYTIME: 1 << 25, MGC_VAL: 0xC0ED0000, MGC_MSK: 0xffff0000,
} as const;

/** The flags that belong to a mount rather than to its superblock. */
export const MNT_FLAGS = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME |
  MS.RELATIME | MS.NOSYMFOLLOW;
export const ATIME_FLAGS = MS.NOATIME | MS.RELATIME | MS.STRICTATIME;

export type Propagation = 'private' | 'shared' | 'slave' | 'unbindable';

/** A place in the tree: the mount, the inode, and the inode's path from the mount's root. */
export interface Location {
  mnt: Mount;
  inode: Inode;
  /**
   * The path from mnt's root ("/" at the root itself), without symlinks.
   * What a user sees is d_path() of the location (dcache.ts), relative to
   * their root; the path within a mount stays valid when mounts move.
   */
  path: string;
}

// Mount ids: the lowest free one, as Linux's IDA gives them (the first
// namespace's rootfs gets 1, and shows as the root's parent).
const usedIds = new Set<number>();
function allocId(): number {
  let id = 1;
  while (usedIds.has(id)) id++;
  usedIds.add(id);
  return id;
}
let nextPeerGroup = 1;

/** Superblock state the VFS keeps: read-only (SB_RDONLY) and how many mounts use it. */
const sbState = new WeakMap<SuperBlock, { rdonly: boolean; mounts: Set<Mount> }>();
function stateOf(sb: SuperBlock) {
  let s = sbState.get(sb);
  if (!s) { s = { rdonly: false, mounts: new Set() }; sbState.set(sb, s); }
  return s;
}

/** A path of mount m as a path from its superblock's root. */
function sbPath(m: Mount, path: string): string {
  if (m.rootPath === '/') return path;
  return path === '/' ? m.rootPath : m.rootPath + path;
}

/**
 * d_mountpoint: something is mounted on this directory, through any mount of
 * its superblock in any namespace (rmdir and rename then fail with EBUSY).
 */
export function isMounted(sb: SuperBlock, path: string, via: Mount): boolean {
  const p = sbPath(via, path);
  for (const m of stateOf(sb).mounts) for (const key of m.children.keys()) if (sbPath(m, key) === p) return true;
  return false;
}
export function sbReadOnly(sb: SuperBlock): boolean {
  return stateOf(sb).rdonly || sb.options().split(',').includes('ro');
}
export function setSbReadOnly(sb: SuperBlock, ro: boolean): void { stateOf(sb).rdonly = ro; }

export class Mount {
  readonly id = allocId();
  /** The mount this one is attached to; null for a namespace's root and for detached mounts. */
  parent: Mount | null = null;
  /** Where in the parent it is attached. */
  mountpoint: Location | null = null;
  /** Mounts attached on directories of this one, by their path in it. */
  readonly children = new Map<string, Mount>();
  ns: MntNamespace | null = null;
  propagation: Propagation = 'private';
  /** The peer group of a shared mount (shared:N), and of the master of a slave (master:N). */
  peerGroup = 0;
  masterGroup = 0;
  /** Gone from the tree (umount): it stays usable by whoever still holds it (MNT_DETACH). */
  detached = false;
  /** MNT_EXPIRE's mark: set by a first umount2(MNT_EXPIRE), cleared by any use. */
  expiryMark = false;

  constructor(
    readonly sb: SuperBlock,
    /** MS_* per-mount flags (MNT_FLAGS). */
    public flags = 0,
    /** The directory of sb that is this mount's root (a bind mount's source). */
    readonly root: Inode = sb.root,
    /** That directory's path from the superblock's root (mountinfo's 4th field). */
    readonly rootPath = '/',
  ) {
    stateOf(sb).mounts.add(this);
  }

  get readOnly(): boolean { return (this.flags & MS.RDONLY) !== 0 || sbReadOnly(this.sb); }

  /** The location of this mount's root. */
  rootLocation(): Location { return { mnt: this, inode: this.root, path: '/' }; }

  /** A copy with the same root, flags and propagation (clone_mnt). */
  clone(root: Inode = this.root, rootPath = this.rootPath): Mount {
    const m = new Mount(this.sb, this.flags, root, rootPath);
    m.propagation = this.propagation === 'unbindable' ? 'private' : this.propagation;
    m.peerGroup = this.peerGroup;
    m.masterGroup = this.masterGroup;
    return m;
  }

  /** Releases its id; true when it was the superblock's last mount (the caller kills the superblock). */
  release(): boolean {
    usedIds.delete(this.id);
    const s = stateOf(this.sb);
    s.mounts.delete(this);
    return s.mounts.size === 0;
  }

  /** Every mount of the subtree, this one first, parents before children. */
  subtree(): Mount[] {
    const out: Mount[] = [this];
    for (let i = 0; i < out.length; i++) out.push(...out[i].children.values());
    return out;
  }

  makeShared(): void {
    if (!this.peerGroup) this.peerGroup = nextPeerGroup++;
    this.propagation = 'shared';
  }
}

/** The proc inode number of a machine's first mount namespace (after init_net's). */
export const INIT_MNT_NS_INUM = 0xf0000001;
/** proc_alloc_inum for namespaces made later (unshare, clone). */
let nextNsInum = INIT_MNT_NS_INUM + 1;

/** struct mnt_namespace: a tree of mounts, listed in the order they were made. */
export class MntNamespace {
  /** The mounts of the tree in mount order (/proc/mounts lists them so). */
  readonly list: Mount[] = [];

  /** inum: its inode number in nsfs (/proc/PID/ns/mnt, setns). */
  constructor(public root: Mount, readonly inum = nextNsInum++) {
    this.add(root);
  }

  add(m: Mount): void {
    m.ns = this;
    this.list.push(m);
  }

  remove(m: Mount): void {
    const i = this.list.indexOf(m);
    if (i >= 0) this.list.splice(i, 1);
    m.ns = null;
  }

  /** The mount stacked on top at path of parent, if any. */
  static childAt(parent: Mount, path: string): Mount | undefined { return parent.children.get(path); }

  /** attach_mnt: hangs m (not yet in a tree) on the mountpoint, and adds its subtree to this namespace. */
  attach(m: Mount, mp: Location): void {
    m.parent = mp.mnt;
    m.mountpoint = mp;
    m.detached = false;
    mp.mnt.children.set(mp.path, m);
    for (const x of m.subtree()) this.add(x);
  }

  /** Takes m out of its parent (its subtree stays hanging from it). */
  static detachFromParent(m: Mount): void {
    if (m.parent && m.mountpoint) {
      if (m.parent.children.get(m.mountpoint.path) === m) m.parent.children.delete(m.mountpoint.path);
    }
    m.parent = null;
    m.mountpoint = null;
  }

  /**
   * copy_mnt_ns: a copy of the whole tree for a new namespace (CLONE_NEWNS).
   * Returns it with the map from old mounts to new, to move the task's root
   * and cwd over.
   */
  copy(): { ns: MntNamespace; map: Map<Mount, Mount> } {
    const map = new Map<Mount, Mount>();
    const order = this.root.subtree();
    for (const m of order) map.set(m, m.clone());
    const ns = new MntNamespace(map.get(this.root)!);
    ns.list.length = 0;
    for (const m of order) {
      const c = map.get(m)!;
      if (m.parent && m.mountpoint) {
        const p = map.get(m.parent)!;
        c.parent = p;
        c.mountpoint = { mnt: p, inode: m.mountpoint.inode, path: m.mountpoint.path };
        p.children.set(m.mountpoint.path, c);
      }
    }
    // Keep this namespace's order for the copies.
    for (const m of this.list) { const c = map.get(m); if (c) ns.add(c); }
    return { ns, map };
  }
}
