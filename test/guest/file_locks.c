/* Advisory locks: fcntl F_SETLK/F_GETLK between processes (l_pid relation),
 * F_OFD locks, flock LOCK_EX|LOCK_NB, lock release on close/exit. */
#include "common.h"
#include <sys/file.h>

static const char *ltype(short t)
{
	return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

int main(void)
{
	make_tmpdir();
	const char *f = tpath("lockfile");
	write_file(f, "0123456789", 0644);
	int fd = open(f, O_RDWR);
	TRY("parent F_SETLK write lock [0,5)", setlk(fd, F_SETLK, F_WRLCK, 0, 5));

	int go[2], done[2];
	pipe(go);
	pipe(done);
	pid_t parent = getpid();
	pid_t c = xfork();
	if (c == 0) {
		int cfd = open(f, O_RDWR);
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 1 };
		fcntl(cfd, F_GETLK, &q);
		printf("child F_GETLK [2]: %s start=%ld len=%ld l_pid==parent:%s\n", ltype(q.l_type), (long)q.l_start,
		       (long)q.l_len, yesno(q.l_pid == parent));
		q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 7, .l_len = 1 };
		fcntl(cfd, F_GETLK, &q);
		printf("child F_GETLK [7]: %s\n", ltype(q.l_type));
		TRY("child F_SETLK [3,4) conflicting", setlk(cfd, F_SETLK, F_WRLCK, 3, 1));
		TRY("child F_SETLK [5,10) free", setlk(cfd, F_SETLK, F_WRLCK, 5, 5));
		TRY("child read lock [0,1) conflicting", setlk(cfd, F_SETLK, F_RDLCK, 0, 1));
		write(done[1], "1", 1);
		char b;
		read(go[0], &b, 1); /* parent unlocked [0,5) */
		TRY("child F_SETLKW [0,5) after parent unlocked", setlk(cfd, F_SETLKW, F_WRLCK, 0, 5));
		_exit(0);
	}
	char b;
	read(done[0], &b, 1);
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 6, .l_len = 1 };
	fcntl(fd, F_GETLK, &q);
	printf("parent F_GETLK [6]: %s l_pid==child:%s\n", ltype(q.l_type), yesno(q.l_pid == c));
	TRY("parent unlock [0,5)", setlk(fd, F_SETLK, F_UNLCK, 0, 5));
	write(go[1], "g", 1);
	wait_report("child", c);
	q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	fcntl(fd, F_GETLK, &q);
	printf("after child exit, whole file: %s\n", ltype(q.l_type));

	/* A process's own locks never conflict; closing any fd drops them. */
	TRY("lock whole file", setlk(fd, F_SETLK, F_WRLCK, 0, 0));
	int fd2 = open(f, O_RDWR);
	TRY("same process, other fd, conflicting range", setlk(fd2, F_SETLK, F_WRLCK, 0, 1));
	close(fd2);
	c = xfork();
	if (c == 0) {
		int cfd = open(f, O_RDWR);
		TRY("child after parent closed another fd", setlk(cfd, F_SETLK, F_WRLCK, 0, 0));
		_exit(0);
	}
	wait_report("child", c);

	/* OFD locks belong to the open file description */
	int o1 = open(f, O_RDWR), o2 = open(f, O_RDWR);
	TRY("F_OFD_SETLK on o1", setlk(o1, F_OFD_SETLK, F_WRLCK, 0, 0));
	TRY("F_OFD_SETLK on o2 conflicts (same process)", setlk(o2, F_OFD_SETLK, F_WRLCK, 0, 0));
	struct flock oq = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	fcntl(o2, F_OFD_GETLK, &oq);
	printf("F_OFD_GETLK: %s l_pid=%d\n", ltype(oq.l_type), oq.l_pid);
	close(o1);
	TRY("after closing o1", setlk(o2, F_OFD_SETLK, F_WRLCK, 0, 0));
	close(o2);

	/* flock */
	int a = open(f, O_RDONLY), b2 = open(f, O_RDONLY);
	TRY("flock(a, LOCK_EX)", flock(a, LOCK_EX));
	TRY("flock(b, LOCK_EX|LOCK_NB)", flock(b2, LOCK_EX | LOCK_NB));
	TRY("flock(b, LOCK_SH|LOCK_NB)", flock(b2, LOCK_SH | LOCK_NB));
	c = xfork();
	if (c == 0) {
		/* inherited fd shares the flock */
		TRY("child flock(a dup, LOCK_EX|LOCK_NB)", flock(a, LOCK_EX | LOCK_NB));
		_exit(0);
	}
	wait_report("child", c);
	TRY("flock(a, LOCK_UN)", flock(a, LOCK_UN));
	TRY("flock(b, LOCK_SH|LOCK_NB) now", flock(b2, LOCK_SH | LOCK_NB));
	TRY("flock(a, LOCK_SH|LOCK_NB) shared", flock(a, LOCK_SH | LOCK_NB));
	TRY("flock bad op", flock(a, 0));
	TRY("F_SETLK bad type", setlk(fd, F_SETLK, 42, 0, 0));
	int rofd = open(f, O_RDONLY);
	TRY("F_SETLK write lock on O_RDONLY fd", setlk(rofd, F_SETLK, F_WRLCK, 0, 0));
	return 0;
}
