// The System V IPC calls (ipc/shm.c, sem.c, msg.c).
import { shmat, shmctl, shmdt, shmget } from '../../ipc/shm.js';
import { semctl, semget, semop } from '../../ipc/sem.js';
import { msgctl, msgget, msgrcv, msgsnd } from '../../ipc/msg.js';
import { IPC_64 } from '../../ipc/util.js';
import { int, long, register, uint } from './table.js';
import { timespecMs } from './poll.js';

register('shmget', (_k, t, a) => shmget(t, int(a[0]), a[1], int(a[2])));
register('shmat', (_k, t, a) => shmat(t, int(a[0]), a[1], int(a[2])));
register('shmdt', (_k, t, a) => shmdt(t, a[0]));
register('shmctl', (_k, t, a) => shmctl(t, int(a[0]), int(a[1]) & ~IPC_64, a[2]));


register('semget', (_k, t, a) => semget(t, int(a[0]), int(a[1]), int(a[2])));
// semop is never restarted after a signal (EINTR), as Linux's.
register('semop', (_k, t, a) => semop(t, int(a[0]), a[1], uint(a[2]), null), 'never');
register('semtimedop', (_k, t, a) => semop(t, int(a[0]), a[1], uint(a[2]), timespecMs(t, a[3])), 'never');
register('semctl', (_k, t, a) => semctl(t, int(a[0]), int(a[1]), int(a[2]) & ~IPC_64, a[3]));

register('msgget', (_k, t, a) => msgget(t, int(a[0]), int(a[1])));
register('msgsnd', (_k, t, a) => msgsnd(t, int(a[0]), a[1], Number(long(a[2])), int(a[3])), 'never');
register('msgrcv', (_k, t, a) => msgrcv(t, int(a[0]), a[1], Number(long(a[2])), long(a[3]), int(a[4])), 'never');
register('msgctl', (_k, t, a) => msgctl(t, int(a[0]), int(a[1]) & ~IPC_64, a[2]));
