// Writing back (fs/sync.c): sync(2) writes every filesystem's cached data
// and then flushes every block device, syncfs(2) one filesystem and its
// device. The machine's shutdown runs the same walk as emergency_sync, so a
// `tuml run` whose command leaves a filesystem mounted loses nothing.
import { allBdevs } from '../block/blkdev.js';
import { KERN, printk } from '../kernel/printk.js';
import type { SuperBlock } from './inode.js';
import { liveSupers } from './super.js';

/** sync_filesystem: the filesystem's cached blocks and metadata to its device, the device flushed. */
export function syncFilesystem(sb: SuperBlock): void { sb.sync?.(); }

/**
 * ksys_sync: every filesystem, newest mount first (a filesystem on a loop
 * device writes into the file system under it, which is then written in
 * turn), then every block device's flush (ubd: fsync of the host file).
 * Errors are logged: sync(2) reports none.
 */
export function syncAll(): void {
  for (const sb of liveSupers().reverse()) {
    try { syncFilesystem(sb); } catch (e) { printk(KERN.ERR, `sync: ${sb.type} on ${sb.source}: ${(e as Error).message}`); }
  }
  for (const b of allBdevs()) {
    try { b.flush(); } catch (e) { printk(KERN.ERR, `sync: flush of ${b.name}: ${(e as Error).message}`); }
  }
}
