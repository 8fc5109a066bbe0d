// mmap of files (mm/mmap.c). Anonymous memory never reaches the kernel (the
// seccomp filter lets it through); a file mapping names a kernel fd, so the
// kernel gives the guest a host fd for the object behind it (through
// /proc/TUML/fd/N, injected as an openat in the guest), maps it there with
// the guest's own arguments, and closes the host fd again. A file with no
// host fd behind it is mapped from a host image of its bytes (host_image.ts).
import { Errno, E } from '../../host/errno.js';
import { O } from '../../fs/file.js';
import { imageOf } from '../../mm/host_image.js';
import type { Task } from '../task.js';
import { NR } from './names.js';
import { mapHostFd } from '../../mm/host_map.js';
import { noteMapped } from '../../mm/mapped_names.js';
import { int, register } from './table.js';

const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_SHARED_VALIDATE = 3, MAP_TYPE = 0xf, MAP_ANONYMOUS = 0x20;
const PROT_WRITE = 2;

register('mmap', async (_k, t, a) => {
  const [addr, len, protArg, flagsArg, fdArg, off] = a;
  const prot = int(protArg), flags = int(flagsArg), fd = int(fdArg);
  const f = t.files.get(fd);
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) throw new Errno(E.EINVAL);
  if (!f.readable && !(f.flags & O.PATH)) throw new Errno(E.EACCES);
  if (f.flags & O.PATH) throw new Errno(E.EBADF);
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE) && !f.writable) throw new Errno(E.EACCES);
  if ((f as { mapsAnonymous?(): boolean }).mapsAnonymous?.()) {
    // /dev/zero: private or shared anonymous memory.
    return t.host.inject(NR.mmap, [addr, len, prot, (flags & ~0) | MAP_ANONYMOUS, -1, 0]);
  }
  const shared = type !== MAP_PRIVATE;
  let hfd = f.hostFd();
  let mode = shared && f.writable ? O.RDWR : O.RDONLY;
  if (hfd === null) {
    // A file with no host fd of its own (ext2, ...): private mappings and
    // read-only shared ones map a host image of its bytes. A writable shared
    // mapping would have to write back through the filesystem: not yet.
    if (!f.location || f.location.inode.isDir() || (shared && (prot & PROT_WRITE))) throw new Errno(E.ENODEV);
    hfd = imageOf(t, f.location.inode.real());
    mode = O.RDONLY;
  }
  if (f.location) noteMapped(hfd, f.location);
  return mapHostFd(t, hfd, mode, addr, len, prot, flags, off);
});
