// Inodes and superblocks: what a filesystem gives the VFS (include/linux/fs.h
// inode_operations, reduced to what the path walk and the *at calls need).
import { Errno, E } from '../host/errno.js';
import type { Task } from '../kernel/task.js';
import type { File, Stat } from './file.js';

export interface SuperBlock {
  readonly type: string;        // "hostfs", "proc", ...
  readonly dev: bigint;         // st_dev of its inodes
  readonly root: Inode;
  /** What /proc/mounts shows as the source and the options. */
  readonly source: string;
  options(): string;
  statfs?(): Buffer;            // struct statfs, 120 bytes
  /** Writes back what is cached (sync(2), syncfs, umount). */
  sync?(): void;
  /** The last mount of it went away (umount): release the device. */
  kill?(): void;
  /**
   * mount -o remount: the new superblock options (mount's data). The VFS
   * checks the call and keeps the read-only state itself (fs/mount.ts).
   */
  remount?(data: string, readOnly: boolean): void;
}

export interface SetAttr {
  mode?: number;
  uid?: number; gid?: number;
  size?: bigint;
  atime?: [bigint, bigint] | 'now' | 'omit';
  mtime?: [bigint, bigint] | 'now' | 'omit';
  /**
   * ATTR_FORCE: a change the kernel makes itself (file_remove_privs clearing
   * set-id bits on a write), which the filesystem applies without checking
   * the caller's rights over the inode.
   */
  force?: boolean;
}

export abstract class Inode {
  abstract readonly sb: SuperBlock;
  abstract getattr(): Stat;
  get mode(): number { return this.getattr().mode; }
  /** S_IFMT of the inode: fixed for its life, so a filesystem may answer without asking its store. */
  fmt(): number { return this.mode & 0o170000; }
  isDir(): boolean { return (this.mode & 0o170000) === 0o040000; }
  isLink(): boolean { return (this.mode & 0o170000) === 0o120000; }

  /**
   * d_real(): the inode that holds the data. A stacking filesystem (overlay)
   * answers with the layer's inode, so exec and mmap can use a host file
   * directly instead of a copy.
   */
  real(): Inode { return this; }
  /** The child called name (ENOENT when there is none). */
  lookup(_name: string): Inode { throw new Errno(E.ENOTDIR); }
  /** The link's target; task is the reader (/proc/self depends on who asks). */
  readlink(_task?: Task): string { throw new Errno(E.EINVAL); }
  /**
   * A "magic" link as /proc/PID/fd/N and /proc/PID/exe are: following it
   * gives an object directly rather than a path to walk.
   */
  followMagic(_task: Task): import('./namei.js').Location | File | null { return null; }
  open(_task: Task, _flags: number): File { throw new Errno(E.ENXIO); }
  /**
   * open(O_TMPFILE) in this directory: a file with no name (nlink 0) that
   * linkat can give one later, unless O_EXCL was in flags. Returns the open
   * file and its unnamed inode (the VFS makes the file's location of it).
   */
  tmpfile(_task: Task, _mode: number, _flags: number): { file: File; inode: Inode } { throw new Errno(E.EOPNOTSUPP); }

  // Directory operations; a filesystem that cannot do one says so.
  create(_task: Task, _name: string, _mode: number, _flags: number): File { throw new Errno(E.EROFS); }
  mkdir(_task: Task, _name: string, _mode: number): void { throw new Errno(E.EROFS); }
  mknod(_task: Task, _name: string, _mode: number, _dev: bigint): void { throw new Errno(E.EROFS); }
  unlink(_task: Task, _name: string): void { throw new Errno(E.EROFS); }
  rmdir(_task: Task, _name: string): void { throw new Errno(E.EROFS); }
  symlink(_task: Task, _target: string, _name: string): void { throw new Errno(E.EROFS); }
  link(_task: Task, _old: Inode, _name: string): void { throw new Errno(E.EROFS); }
  rename(_task: Task, _old: string, _newDir: Inode, _new: string, _flags: number): void { throw new Errno(E.EROFS); }
  setattr(_task: Task, _attr: SetAttr): void { throw new Errno(E.EROFS); }
  /** access(2) for the filesystems that answer it themselves (hostfs asks the host). */
  access(_task: Task, _mode: number): void {}
  /** task: the reader, for the filesystems that check it themselves (tmpfs). */
  getxattr(_name: string, _task?: Task): Buffer { throw new Errno(E.ENODATA); }
  /** The names, each NUL-terminated, as listxattr(2) returns them (trusted.* only for CAP_SYS_ADMIN). */
  listxattr(_task?: Task): Buffer { return Buffer.alloc(0); }
  setxattr(_task: Task, _name: string, _value: Buffer, _flags: number): void { throw new Errno(E.EOPNOTSUPP); }
  removexattr(_task: Task, _name: string): void { throw new Errno(E.EOPNOTSUPP); }
}
