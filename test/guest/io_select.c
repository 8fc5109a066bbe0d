/* select/pselect on pipes: fd_set results, timeouts (and the timeout being
 * updated), EBADF, exceptional set, pselect sigmask. */
#include "common.h"
#include <sys/select.h>

static volatile int got;
static void h(int s) { (void)s; got = 1; }

int main(void)
{
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	int maxfd = (p[1] > q[1] ? p[1] : q[1]) + 1;
	fd_set r, w;
	struct timeval tv = { 0, 0 };

	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	int n = select(maxfd, &r, NULL, NULL, &tv);
	printf("empty pipes, zero timeout: %d\n", n);

	tv.tv_sec = 0;
	tv.tv_usec = 30000;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	n = select(maxfd, &r, NULL, NULL, &tv);
	printf("30ms timeout: %d, timeval left zeroed (Linux): %s\n", n, yesno(tv.tv_sec == 0 && tv.tv_usec == 0));

	write_all(q[1], "x", 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	n = select(maxfd, &r, &w, NULL, &tv);
	printf("q readable, p writable: %d, p[0] in r: %d, q[0] in r: %d, p[1] in w: %d\n", n, FD_ISSET(p[0], &r),
	       FD_ISSET(q[0], &r), FD_ISSET(p[1], &w));
	printf("timeout decremented but > 4s: %s\n", yesno(tv.tv_sec >= 4 && tv.tv_sec <= 5));

	/* closed writer: read end selects readable (EOF) */
	close(p[1]);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	n = select(p[0] + 1, &r, NULL, NULL, &tv);
	printf("writer closed: %d, readable: %d\n", n, FD_ISSET(p[0], &r));

	/* closed fd in the set -> EBADF */
	int dead = dup(q[0]);
	close(dead);
	FD_ZERO(&r);
	FD_SET(dead, &r);
	n = select(dead + 1, &r, NULL, NULL, &tv);
	printf("closed fd in set: %d %s\n", n, n < 0 ? errname(errno) : "");
	n = select(-1, NULL, NULL, NULL, &tv);
	printf("nfds -1: %d %s\n", n, n < 0 ? errname(errno) : "");
	struct timeval badtv = { 0, -1 };
	n = select(1, NULL, NULL, NULL, &badtv);
	printf("negative timeout: %d %s\n", n, n < 0 ? errname(errno) : "");
	/* select as a sleep */
	tv.tv_sec = 0;
	tv.tv_usec = 10000;
	n = select(0, NULL, NULL, NULL, &tv);
	printf("select(0) as sleep: %d\n", n);

	/* exceptfds on a pipe never set */
	fd_set e;
	FD_ZERO(&e);
	FD_SET(q[0], &e);
	tv.tv_usec = 0;
	n = select(q[0] + 1, NULL, NULL, &e, &tv);
	printf("exceptfds on pipe: %d\n", n);

	/* woken by child */
	pid_t k = xfork();
	if (k == 0) {
		msleep(30);
		write(q[1], "y", 1);
		_exit(0);
	}
	char buf[8];
	read(q[0], buf, sizeof buf); /* drain "x" */
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	n = select(q[0] + 1, &r, NULL, NULL, NULL);
	printf("blocking select woken by child: %d, set: %d\n", n, FD_ISSET(q[0], &r));
	wait_report("child", k);
	read(q[0], buf, sizeof buf);

	/* pselect: timespec not modified, atomically unblocks signals */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct timespec ts = { 0, 20000000 };
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	n = pselect(q[0] + 1, &r, NULL, NULL, &ts, NULL);
	printf("pselect 20ms: %d, timespec unchanged: %s\n", n, yesno(ts.tv_nsec == 20000000));
	raise(SIGUSR1);
	ts.tv_sec = 5;
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	n = pselect(q[0] + 1, &r, NULL, NULL, &ts, &empty);
	printf("pselect with pending signal: %d %s, handler ran: %s\n", n, n < 0 ? errname(errno) : "", yesno(got));
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("mask restored: %s\n", yesno(sigismember(&cur, SIGUSR1)));
	return 0;
}
