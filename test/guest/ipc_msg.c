/* System V message queues: messages taken in order, by type, by another
 * type (MSG_EXCEPT) and by the lowest type up to a bound; E2BIG and
 * MSG_NOERROR; a full queue (EAGAIN, then a sender woken by a receiver);
 * a receiver woken by a sender in another process; IPC_STAT counts,
 * IPC_SET of msg_qbytes, IPC_RMID waking a sleeper with EIDRM. */
#include "common.h"
#include <sys/ipc.h>
#include <sys/msg.h>

struct m { long type; char text[64]; };

static int snd(int id, long type, const char *s, int flg)
{
	struct m m = { type, "" };
	strcpy(m.text, s);
	return msgsnd(id, &m, strlen(s) + 1, flg);
}

static void rcv(int id, long type, int flg, size_t size)
{
	struct m m;
	memset(&m, 0, sizeof m);
	ssize_t n = msgrcv(id, &m, size, type, flg);
	if (n < 0) printf("  msgrcv(type %ld): -1 %s\n", type, errname(errno));
	else printf("  msgrcv(type %ld): %zd type=%ld text=%.*s\n", type, n, m.type, (int)n, m.text);
}

int main(void)
{
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(id >= 0);
	snd(id, 3, "three", 0);
	snd(id, 1, "one", 0);
	snd(id, 2, "two", 0);
	snd(id, 1, "one again", 0);
	struct msqid_ds ds;
	CHECK(msgctl(id, IPC_STAT, &ds) == 0);
	printf("qnum=%lu cbytes=%lu qbytes=%lu lspid is me: %s\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes,
	       (unsigned long)ds.msg_qbytes, yesno(ds.msg_lspid == getpid()));
	rcv(id, 2, 0, 64);
	rcv(id, 1, MSG_EXCEPT, 64);
	rcv(id, -5, 0, 64);
	rcv(id, 0, 0, 3);
	rcv(id, 0, MSG_NOERROR, 3);
	rcv(id, 0, IPC_NOWAIT, 64);
	rcv(id, 7, IPC_NOWAIT, 64);

	pid_t c = xfork();
	if (c == 0) {
		usleep(20000);
		snd(id, 9, "from the child", 0);
		_exit(0);
	}
	rcv(id, 9, 0, 64);
	wait_report("sender", c);

	struct msqid_ds set;
	CHECK(msgctl(id, IPC_STAT, &set) == 0);
	set.msg_qbytes = 10;
	CHECK(msgctl(id, IPC_SET, &set) == 0);
	printf("qbytes now %lu\n", (unsigned long)(msgctl(id, IPC_STAT, &ds), ds.msg_qbytes));
	report_ret("send that fits", snd(id, 1, "12345678", 0), 0);
	report_ret("send to the full queue, IPC_NOWAIT", snd(id, 1, "x", IPC_NOWAIT), 0);
	c = xfork();
	if (c == 0) {
		report_ret("child's send once there is room", snd(id, 2, "later", 0), 0);
		_exit(0);
	}
	usleep(20000);
	rcv(id, 1, 0, 64);
	wait_report("waiting sender", c);
	rcv(id, 0, 0, 64);

	report_ret("type 0", snd(id, 0, "x", 0), 0);
	struct m big = { 1, "" };
	report_ret("bigger than MSGMAX", msgsnd(id, &big, 9000, 0), 0);

	c = xfork();
	if (c == 0) {
		struct m m;
		ssize_t n = msgrcv(id, &m, 64, 0, 0);
		printf("sleeper: %zd %s\n", n, n < 0 ? errname(errno) : "");
		_exit(0);
	}
	usleep(20000);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0);
	wait_report("sleeper", c);
	report_ret("IPC_STAT after IPC_RMID", msgctl(id, IPC_STAT, &ds), 0);

	key_t key = 0x6d000000 + (getpid() & 0xffff);
	int k = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	printf("same key: %s\n", yesno(msgget(key, 0) == k));
	report_ret("IPC_EXCL on it", msgget(key, IPC_CREAT | IPC_EXCL | 0600), 0);
	CHECK(msgctl(k, IPC_RMID, NULL) == 0);
	report_ret("a key that is gone", msgget(key, 0), 0);
	return 0;
}
