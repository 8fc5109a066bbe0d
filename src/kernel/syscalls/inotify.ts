// inotify_init1, inotify_add_watch, inotify_rm_watch (fs/notify/inotify/inotify_user.c).
import { Errno, E } from '../../host/errno.js';
import { O } from '../../fs/file.js';
import { AT_FDCWD } from '../../fs/namei.js';
import { IN, IN_ALL_EVENTS, inodeKey } from '../../fs/notify/fsnotify.js';
import { InotifyFile } from '../../fs/notify/inotify.js';
import { inodePermission, MAY } from '../../fs/permission.js';
import type { Task } from '../task.js';
import { int, register } from './table.js';

const IN_FLAGS = IN.ONLYDIR | IN.DONT_FOLLOW | IN.EXCL_UNLINK | IN.MASK_CREATE | IN.MASK_ADD | IN.ISDIR | IN.ONESHOT;
const ALL_INOTIFY_BITS = IN_ALL_EVENTS | IN.UNMOUNT | IN.Q_OVERFLOW | IN.IGNORED | IN_FLAGS;

function init(t: Task, flags: number): number {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) throw new Errno(E.EINVAL);
  const f = new InotifyFile(t.kernel, O.RDONLY | (flags & O.NONBLOCK));
  return t.files.install(f, (flags & O.CLOEXEC) !== 0, t.group.rlimits.nofile());
}

function inotifyOf(t: Task, fd: number): InotifyFile {
  const f = t.files.get(fd);
  if (!(f instanceof InotifyFile)) throw new Errno(E.EINVAL);
  return f;
}

register('inotify_init', (_k, t) => init(t, 0));
register('inotify_init1', (_k, t, a) => init(t, int(a[0])));

register('inotify_add_watch', (k, t, a) => {
  const f = inotifyOf(t, int(a[0]));
  const mask = int(a[2]) >>> 0;
  if ((mask & IN.MASK_ADD) && (mask & IN.MASK_CREATE)) throw new Errno(E.EINVAL);
  if (!(mask & ALL_INOTIFY_BITS) || !(mask & IN_ALL_EVENTS)) throw new Errno(E.EINVAL);
  const loc = k.namei.resolve(t, AT_FDCWD, t.mem.readCString(a[1]), { follow: !(mask & IN.DONT_FOLLOW) });
  if ((mask & IN.ONLYDIR) && !loc.inode.isDir()) throw new Errno(E.ENOTDIR);
  inodePermission(t.cred, loc.inode, MAY.READ);
  const key = inodeKey(loc.inode);
  if (key === null) throw new Errno(E.ENOENT);
  return f.addWatch(key, mask);
});

register('inotify_rm_watch', (_k, t, a) => { inotifyOf(t, int(a[0])).rmWatch(int(a[1])); return 0; });
