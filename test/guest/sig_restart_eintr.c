/* SA_RESTART vs EINTR: blocking pipe read/write interrupted by setitimer. */
#include "common.h"
#include <sys/time.h>

static int pfd[2];
static volatile int fired, handler_writes;

static void on_alarm(int s)
{
	(void)s;
	fired++;
	if (handler_writes) {
		char c = 'A' + fired - 1;
		write(pfd[1], &c, 1); /* gives the restarted read something to return */
	}
}

static void arm_ms(int ms)
{
	struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

/* Periodic: a blocking call entered late is still interrupted by a later tick. */
static void arm_periodic_ms(int ms)
{
	struct itimerval it = { { 0, ms * 1000 }, { 0, ms * 1000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

static void set_handler(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
}

static void read_test(const char *label, int flags)
{
	set_handler(flags);
	CHECK(pipe(pfd) == 0);
	fired = 0;
	handler_writes = 1;
	arm_ms(30);
	char buf[8];
	errno = 0;
	ssize_t r = read(pfd[0], buf, sizeof buf);
	int e = errno;
	if (r < 0)
		printf("%s: read -> -1 %s, handler ran %d time(s)\n", label, errname(e), fired);
	else
		printf("%s: read -> %zd [%.*s], handler ran %d time(s)\n", label, r, (int)r, buf, fired);
	if (r < 0) {
		r = read(pfd[0], buf, sizeof buf);
		printf("%s: byte written by handler is still there: %s\n", label, yesno(r == 1 && buf[0] == 'A'));
	}
	close(pfd[0]);
	close(pfd[1]);
}

static void write_test(const char *label, int flags)
{
	set_handler(flags);
	CHECK(pipe(pfd) == 0);
	fired = 0;
	handler_writes = 0;
	int fl = fcntl(pfd[1], F_GETFL);
	fcntl(pfd[1], F_SETFL, fl | O_NONBLOCK);
	char blk[4096];
	memset(blk, 'x', sizeof blk);
	long filled = 0;
	ssize_t w;
	while ((w = write(pfd[1], blk, sizeof blk)) > 0)
		filled += w;
	fcntl(pfd[1], F_SETFL, fl);
	/* a reader child drains the pipe after the timer fired */
	pid_t p = xfork();
	if (p == 0) {
		close(pfd[1]);
		msleep(100);
		char sink[8192];
		long got = 0;
		ssize_t r;
		while ((r = read(pfd[0], sink, sizeof sink)) > 0)
			got += r;
		_exit(got == filled + 100 ? 0 : 1);
	}
	close(pfd[0]);
	arm_ms(10);
	w = write(pfd[1], blk, 100);
	if (w < 0)
		printf("%s: blocked write -> -1 %s, handler ran %d\n", label, errname(errno), fired);
	else
		printf("%s: blocked write -> %zd, handler ran %d\n", label, w, fired);
	if (w < 0) /* keep the child's byte count right */
		write_all(pfd[1], blk, 100);
	close(pfd[1]);
	wait_report("reader child saw every byte (0)", p);
}

int main(void)
{
	read_test("SA_RESTART", SA_RESTART);
	read_test("no SA_RESTART", 0);
	write_test("SA_RESTART", SA_RESTART);
	write_test("no SA_RESTART", 0);

	/* nanosleep is never restarted: EINTR with remaining time */
	set_handler(SA_RESTART);
	handler_writes = 0;
	arm_periodic_ms(20);
	struct timespec ts = { 5, 0 }, rem = { 0, 0 };
	int r = nanosleep(&ts, &rem);
	arm_ms(0);
	printf("nanosleep interrupted: %d %s, remaining > 1s: %s\n", r, errname(errno), yesno(rem.tv_sec >= 1));

	/* pause() always returns EINTR */
	arm_periodic_ms(20);
	r = pause();
	arm_ms(0);
	printf("pause: %d %s\n", r, errname(errno));

	/* wait() is restarted with SA_RESTART */
	pid_t p = xfork();
	if (p == 0) {
		msleep(100);
		_exit(3);
	}
	fired = 0;
	arm_ms(10);
	int st;
	pid_t w = waitpid(p, &st, 0);
	printf("waitpid with SA_RESTART timer: returned child %s, %s, handler ran %d\n", yesno(w == p),
	       wstatus_str(st), fired);
	set_handler(0);
	p = xfork();
	if (p == 0) {
		msleep(100);
		_exit(4);
	}
	fired = 0;
	arm_ms(10);
	w = waitpid(p, &st, 0);
	printf("waitpid without SA_RESTART: %s\n", w < 0 ? errname(errno) : "returned");
	wait_report("then", p);
	return 0;
}
