// The file descriptor table (include/linux/fdtable.h), shared by CLONE_FILES.
// Every way an fd goes away is Linux's filp_close: it drops the POSIX locks
// this table owns on the file's inode before putting the file.
import { Errno, E } from '../host/errno.js';
import type { File } from './file.js';
import { releasePosixLocks } from './locks.js';

export interface FdEntry { file: File; cloexec: boolean }

export class FdTable {
  readonly fds = new Map<number, FdEntry>();

  get(fd: number): File {
    const e = this.fds.get(fd);
    if (!e) throw new Errno(E.EBADF);
    return e.file;
  }

  entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (!e) throw new Errno(E.EBADF);
    return e;
  }

  /** Installs file at the lowest free fd >= min (the table takes the caller's reference). */
  install(file: File, cloexec: boolean, limit: number, min = 0): number {
    let fd = min;
    while (this.fds.has(fd)) fd++;
    if (fd >= limit) { file.put(); throw new Errno(E.EMFILE); }
    this.fds.set(fd, { file, cloexec });
    return fd;
  }

  /** dup2 semantics: replaces whatever was at fd. */
  installAt(fd: number, file: File, cloexec: boolean): void {
    const old = this.fds.get(fd);
    this.fds.set(fd, { file, cloexec });
    if (old) this.drop(old.file);
  }

  close(fd: number): void {
    const e = this.fds.get(fd);
    if (!e) throw new Errno(E.EBADF);
    this.fds.delete(fd);
    this.drop(e.file);
  }

  /** filp_close: the file leaves this table. */
  private drop(file: File): void {
    releasePosixLocks(this, file);
    file.put();
  }

  /** A copy for fork (each file gains a reference). */
  clone(): FdTable {
    const t = new FdTable();
    for (const [fd, e] of this.fds) t.fds.set(fd, { file: e.file.get(), cloexec: e.cloexec });
    return t;
  }

  closeOnExec(): void {
    for (const [fd, e] of [...this.fds]) if (e.cloexec) { this.fds.delete(fd); this.drop(e.file); }
  }

  closeAll(): void {
    const all = [...this.fds.values()];
    this.fds.clear();
    for (const e of all) this.drop(e.file);
  }
}
