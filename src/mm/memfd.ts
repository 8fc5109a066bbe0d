// memfd_create (mm/memfd.c): anonymous memory with a file interface. The
// kernel holds a host memfd; reads, writes, seals and mmap go to it.
import { Errno, E } from '../host/errno.js';
import { syscall } from '../host/libc.js';
import * as sys from '../host/sys.js';
import { HostFile } from '../fs/hostfs/file.js';
import { O } from '../fs/file.js';
import { int, register } from '../kernel/syscalls/table.js';

const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
const SYS_memfd_create = 319;

register('memfd_create', (_k, t, a) => {
  let name: string;
  try { name = t.mem.readCString(a[0], 249); } catch (e) {
    throw e instanceof Errno && e.errno === E.ENAMETOOLONG ? new Errno(E.EINVAL) : e;
  }
  const flags = int(a[1]);
  if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC)) throw new Errno(E.EINVAL);
  if (flags & MFD_HUGETLB) throw new Errno(E.EINVAL);
  const fd = syscall(SYS_memfd_create, sys.hostPath(name), (flags & ~MFD_CLOEXEC) | MFD_CLOEXEC);
  if (fd < 0) throw new Errno(-fd);
  const f = new HostFile(fd, O.RDWR | O.LARGEFILE, `/memfd:${name} (deleted)`);
  return t.files.install(f, (flags & MFD_CLOEXEC) !== 0, t.group.rlimits.nofile());
});
