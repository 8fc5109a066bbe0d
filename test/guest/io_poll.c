/* poll/ppoll on pipes: timeouts, POLLIN/POLLOUT/POLLHUP/POLLERR/POLLNVAL,
 * negative fds ignored, wakeup by a writer child, ppoll with a sigmask. */
#include "common.h"
#include <poll.h>

static void show(const char *label, int r, struct pollfd *p, int n)
{
	printf("%s: ret=%d", label, r);
	if (r < 0)
		printf(" %s", errname(errno));
	for (int i = 0; i < n; i++) {
		short e = p[i].revents;
		printf(" [%s%s%s%s%s%s]", e & POLLIN ? "IN " : "", e & POLLOUT ? "OUT " : "", e & POLLHUP ? "HUP " : "",
		       e & POLLERR ? "ERR " : "", e & POLLNVAL ? "NVAL " : "", e & POLLPRI ? "PRI " : "");
	}
	printf("\n");
}

static volatile int got_usr1;
static void h(int s) { (void)s; got_usr1 = 1; }

int main(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd f[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	show("empty pipe, timeout 0", poll(f, 2, 0), f, 2);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("read end only, timeout 50ms", poll(f, 1, 50), f, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("waited at least 50ms: %s\n", yesno(ms >= 49));
	write_all(p[1], "x", 1);
	show("after write", poll(f, 2, 0), f, 2);
	struct pollfd both = { p[0], POLLIN | POLLOUT, 0 };
	show("read end asked for OUT too", poll(&both, 1, 0), &both, 1);
	close(p[1]);
	show("writer closed, data left", poll(f, 1, 0), f, 1);
	char c;
	read(p[0], &c, 1);
	show("writer closed, drained", poll(f, 1, 0), f, 1);
	close(p[0]);

	CHECK(pipe(p) == 0);
	close(p[0]);
	struct pollfd w = { p[1], POLLOUT, 0 };
	show("reader closed, poll write end", poll(&w, 1, 0), &w, 1);
	w.events = 0;
	show("reader closed, events=0", poll(&w, 1, 0), &w, 1);
	close(p[1]);
	struct pollfd nv[2] = { { p[1], POLLIN, 0 }, { -1, POLLIN, 0 } };
	show("closed fd + negative fd", poll(nv, 2, 0), nv, 2);
	show("nfds=0 timeout 10", poll(NULL, 0, 10), NULL, 0);
	struct pollfd *volatile badp = (struct pollfd *)16;
	show("bad pointer", poll(badp, 1, 0), NULL, 0);

	/* wakeup by a child writing later; infinite timeout */
	CHECK(pipe(p) == 0);
	pid_t k = xfork();
	if (k == 0) {
		msleep(30);
		write(p[1], "wake", 4);
		_exit(0);
	}
	struct pollfd r = { p[0], POLLIN, 0 };
	show("blocking poll woken by child", poll(&r, 1, -1), &r, 1);
	wait_report("child", k);

	/* regular files are always ready */
	int nul = open("/dev/null", O_RDWR);
	struct pollfd fz = { nul, POLLIN | POLLOUT, 0 };
	show("/dev/null", poll(&fz, 1, 0), &fz, 1);
	int zf = open("/proc/self/exe", O_RDONLY);
	struct pollfd fe = { zf, POLLIN | POLLOUT, 0 };
	show("regular file", poll(&fe, 1, 0), &fe, 1);

	/* ppoll: timeout and signal mask */
	struct timespec ts = { 0, 20000000 };
	r.revents = 0;
	char buf[8];
	read(p[0], buf, sizeof buf);
	show("ppoll 20ms", ppoll(&r, 1, &ts, NULL), &r, 1);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1); /* pending; ppoll's mask unblocks it */
	sigemptyset(&empty);
	ts.tv_sec = 5;
	show("ppoll with pending signal unblocked by mask", ppoll(&r, 1, &ts, &empty), &r, 1);
	printf("handler ran: %s\n", yesno(got_usr1));
	struct timespec bad = { 0, -5 };
	show("ppoll invalid timeout", ppoll(&r, 1, &bad, NULL), NULL, 0);

	/* poll with a signal interrupting an infinite wait -> EINTR */
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	pid_t parent = getpid();
	k = xfork();
	if (k == 0) {
		/* keep signalling until killed, so a slow parent can't miss it */
		for (;;) {
			msleep(30);
			kill(parent, SIGUSR1);
		}
	}
	show("poll interrupted by signal", poll(&r, 1, -1), &r, 1);
	kill(k, SIGKILL);
	wait_report("signaller", k);
	return 0;
}
