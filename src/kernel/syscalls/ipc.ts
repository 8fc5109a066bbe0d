// The System V IPC calls (ipc/shm.c): shmget, shmat, shmdt, shmctl.
// Semaphores and message queues are not here yet (ENOSYS).
import { shmat, shmctl, shmdt, shmget } from '../../ipc/shm.js';
import { IPC_64 } from '../../ipc/util.js';
import { int, register } from './table.js';

register('shmget', (_k, t, a) => shmget(t, int(a[0]), a[1], int(a[2])));
register('shmat', (_k, t, a) => shmat(t, int(a[0]), a[1], int(a[2])));
register('shmdt', (_k, t, a) => shmdt(t, a[0]));
register('shmctl', (_k, t, a) => shmctl(t, int(a[0]), int(a[1]) & ~IPC_64, a[2]));
