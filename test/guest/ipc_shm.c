/* System V shared memory: a segment made, attached in a parent and a forked
 * child that see each other's writes, counted in shm_nattch across fork,
 * shmdt, exec and exit; IPC_RMID of an attached segment, read-only and
 * fixed-address attachments, keys, and the errors of the four calls. */
#include "common.h"
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/mman.h>

static int nattch(int id)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) < 0) return -errno;
	return (int)ds.shm_nattch;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		/* The exec'd copy: its attachments did not come along. */
		printf("after exec: nattch=%d\n", nattch(atoi(argv[1])));
		return 0;
	}
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	CHECK(id >= 0);
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0);
	printf("segsz=%zu mode=%o nattch=%lu cpid is me: %s owner and creator are me: %s\n", (size_t)ds.shm_segsz,
	       ds.shm_perm.mode & 0777, (unsigned long)ds.shm_nattch, yesno(ds.shm_cpid == getpid()),
	       yesno(ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid() && ds.shm_perm.gid == getegid()));

	char *p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1);
	printf("zeroed: %s, nattch=%d\n", yesno(p[0] == 0 && p[9999] == 0), nattch(id));
	strcpy(p, "from the parent");

	pid_t c = xfork();
	if (c == 0) {
		printf("child sees: %s, nattch=%d\n", p, nattch(id));
		strcpy(p + 100, "from the child");
		CHECK(shmdt(p) == 0);
		printf("child after shmdt: nattch=%d\n", nattch(id));
		_exit(0);
	}
	wait_report("child", c);
	printf("parent sees: %s, nattch=%d\n", p + 100, nattch(id));

	c = xfork();
	if (c == 0) {
		char arg[16];
		snprintf(arg, sizeof arg, "%d", id);
		execl("/proc/self/exe", argv[0], arg, (char *)NULL);
		_exit(127);
	}
	wait_report("exec child", c);

	char *q = shmat(id, NULL, SHM_RDONLY);
	CHECK(q != (void *)-1);
	printf("second attachment reads: %s, same memory: %s, nattch=%d\n", q, yesno(q != p), nattch(id));
	report_ret("shmat at an unaligned address", (long)shmat(id, p + 1, 0), 0);
	report_ret("shmat over an attachment without SHM_REMAP", (long)shmat(id, q, 0), 0);
	char *r = shmat(id, q, SHM_REMAP);
	printf("SHM_REMAP at the same place: %s\n", yesno(r == q));
	CHECK(shmdt(q) == 0);
	report_ret("shmdt of a detached address", shmdt(q), 0);

	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	CHECK(shmctl(id, IPC_STAT, &ds) == 0);
	printf("after IPC_RMID: dest=%s key=%d nattch=%lu still readable: %s\n", yesno(ds.shm_perm.mode & SHM_DEST),
	       ds.shm_perm.__key, (unsigned long)ds.shm_nattch, p);
	CHECK(shmdt(p) == 0);
	report_ret("IPC_STAT after the last detach", shmctl(id, IPC_STAT, &ds), 0);

	key_t key = 0x7a6b0000 + (getpid() & 0xffff);
	int k1 = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0640);
	CHECK(k1 >= 0);
	printf("same key again: %s\n", yesno(shmget(key, 4096, 0) == k1));
	report_ret("IPC_CREAT|IPC_EXCL on an existing key", shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0640), 0);
	report_ret("a larger size for an existing key", shmget(key, 8192, 0), 0);
	report_ret("a key that does not exist", shmget(key + 1, 4096, 0), 0);
	report_ret("size 0", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), 0);
	struct shmid_ds set = { 0 };
	set.shm_perm.uid = getuid();
	set.shm_perm.gid = getgid();
	set.shm_perm.mode = 0604;
	CHECK(shmctl(k1, IPC_SET, &set) == 0);
	CHECK(shmctl(k1, IPC_STAT, &ds) == 0);
	printf("after IPC_SET: mode=%o\n", ds.shm_perm.mode & 0777);
	struct shminfo info;
	printf("IPC_INFO: %s shmmni=%lu shmmin=%lu\n", yesno(shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0), info.shmmni, info.shmmin);
	CHECK(shmctl(k1, IPC_RMID, NULL) == 0);
	report_ret("IPC_RMID again", shmctl(k1, IPC_RMID, NULL), 0);
	report_ret("shmat of a removed id", (long)shmat(k1, NULL, 0), 0);
	report_ret("shmctl with a bad command", shmctl(k1, 12345, &ds), 0);
	return 0;
}
