// The hostfs filesystem type (UML's fs/hostfs/hostfs_kern.c): mount -t hostfs
// none /mnt -o /host/dir mounts a host directory; the data string is the host
// path (the host's / when empty).
import { Errno, E } from '../../host/errno.js';
import { statSync } from 'node:fs';
import { registerFilesystem, anonDev } from '../filesystems.js';
import { HostSuperBlock } from './inode.js';

registerFilesystem({
  name: 'hostfs',
  requiresDev: false,
  mount(req) {
    const dir = req.data === '' ? '/' : req.data;
    if (!dir.startsWith('/')) throw new Errno(E.EINVAL);
    let st;
    try { st = statSync(dir); } catch { throw new Errno(E.ENOENT); }
    if (!st.isDirectory()) throw new Errno(E.ENOTDIR);
    return new HostSuperBlock(dir, anonDev(), req.source);
  },
});
