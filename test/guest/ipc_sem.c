/* System V semaphores: SETVAL/GETVAL/SETALL/GETALL, semop applied all or
 * nothing, IPC_NOWAIT, a waiter woken by another process (GETNCNT while it
 * waits), waiting for zero, SEM_UNDO reverted at exit, semtimedop's
 * timeout, IPC_RMID waking a sleeper with EIDRM, and the errors. */
#include "common.h"
#include <sys/ipc.h>
#include <sys/sem.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static int op(int id, unsigned short num, short o, short flg)
{
	struct sembuf b = { num, o, flg };
	return semop(id, &b, 1);
}

int main(void)
{
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	CHECK(id >= 0);
	struct semid_ds ds;
	union semun u = { .buf = &ds };
	CHECK(semctl(id, 0, IPC_STAT, u) == 0);
	printf("nsems=%lu mode=%o otime=%ld\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777, (long)ds.sem_otime);

	unsigned short vals[3] = { 1, 2, 3 }, got[3];
	u.array = vals;
	CHECK(semctl(id, 0, SETALL, u) == 0);
	u.array = got;
	CHECK(semctl(id, 0, GETALL, u) == 0);
	printf("GETALL: %d %d %d\n", got[0], got[1], got[2]);

	struct sembuf two[2] = { { 0, -1, 0 }, { 1, -5, IPC_NOWAIT } };
	report_ret("semop needing more than there is, IPC_NOWAIT", semop(id, two, 2), 0);
	printf("nothing applied: %d %d\n", semctl(id, 0, GETVAL), semctl(id, 1, GETVAL));
	two[1].sem_op = -2;
	CHECK(semop(id, two, 2) == 0);
	printf("both applied: %d %d, GETPID is me: %s\n", semctl(id, 0, GETVAL), semctl(id, 1, GETVAL), yesno(semctl(id, 1, GETPID) == getpid()));

	pid_t c = xfork();
	if (c == 0) {
		CHECK(op(id, 2, -10, 0) == 0);   /* waits until the parent adds enough */
		printf("child got 10\n");
		_exit(0);
	}
	while (semctl(id, 2, GETNCNT) != 1) usleep(1000);
	printf("GETNCNT while the child waits: %d\n", semctl(id, 2, GETNCNT));
	CHECK(op(id, 2, 7, 0) == 0);
	wait_report("child", c);
	printf("after the child: %d\n", semctl(id, 2, GETVAL));

	c = xfork();
	if (c == 0) {
		CHECK(op(id, 0, 5, SEM_UNDO) == 0);
		printf("child holds: %d\n", semctl(id, 0, GETVAL));
		_exit(0);
	}
	wait_report("undo child", c);
	printf("after its exit the undo reverted it: %d\n", semctl(id, 0, GETVAL));

	CHECK(semctl(id, 0, SETVAL, (union semun){ .val = 1 }) == 0);
	c = xfork();
	if (c == 0) {
		CHECK(op(id, 0, 0, 0) == 0);   /* waits for zero */
		printf("child saw zero\n");
		_exit(0);
	}
	while (semctl(id, 0, GETZCNT) != 1) usleep(1000);
	printf("GETZCNT: %d\n", semctl(id, 0, GETZCNT));
	CHECK(op(id, 0, -1, 0) == 0);
	wait_report("zero child", c);

	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct sembuf w = { 1, -1, 0 };
	report_ret("semtimedop that times out", semtimedop(id, &w, 1, &ts), 0);
	report_ret("SETVAL out of range", semctl(id, 0, SETVAL, (union semun){ .val = 40000 }), 0);
	report_ret("semop on a semaphore beyond the set", op(id, 5, 1, 0), 0);
	report_ret("semop with no operations", semop(id, &w, 0), 0);
	report_ret("GETVAL of a semaphore beyond the set", semctl(id, 9, GETVAL), 0);

	c = xfork();
	if (c == 0) {
		int r = op(id, 1, -1, 0);
		printf("sleeper: %d %s\n", r, r < 0 ? errname(errno) : "");
		_exit(0);
	}
	while (semctl(id, 1, GETNCNT) != 1) usleep(1000);
	CHECK(semctl(id, 0, IPC_RMID) == 0);
	wait_report("sleeper", c);
	report_ret("GETVAL after IPC_RMID", semctl(id, 0, GETVAL), 0);

	key_t key = 0x5e000000 + (getpid() & 0xffff);
	int k = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(k >= 0);
	printf("same key: %s\n", yesno(semget(key, 0, 0) == k));
	report_ret("more semaphores than the set has", semget(key, 3, 0), 0);
	report_ret("a new set of none", semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), 0);
	CHECK(semctl(k, 0, IPC_RMID) == 0);
	return 0;
}
