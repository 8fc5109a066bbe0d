/* SA_RESTART vs EINTR: blocking pipe read/write, waitpid, nanosleep and pause
 * interrupted by a periodic ITIMER_REAL (periodic, so a tick that lands before
 * the call blocks is followed by another one while it is blocked). */
#include "common.h"
#include <sys/time.h>

static int pfd[2];
static volatile int fired, handler_writes;

static void on_alarm(int s)
{
	(void)s;
	if (fired++ == 0 && handler_writes)
		write(pfd[1], "A", 1); /* gives the restarted read something to return */
}

static void timer_ms(int ms) /* 0 disarms */
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
	/* Only the SA_RESTART case feeds the pipe: without SA_RESTART a byte
	 * written by a tick that came before read() would be returned instead
	 * of EINTR. */
	handler_writes = (flags & SA_RESTART) != 0;
	timer_ms(30);
	char buf[8];
	ssize_t r = read(pfd[0], buf, sizeof buf);
	int e = errno;
	timer_ms(0);
	if (r < 0)
		printf("%s: read -> -1 %s, handler ran: %s\n", label, errname(e), yesno(fired > 0));
	else
		printf("%s: read -> %zd [%.*s], handler ran: %s\n", label, r, (int)r, buf, yesno(fired > 0));
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	printf("%s: pipe empty afterwards: %s\n", label, yesno(read(pfd[0], buf, sizeof buf) < 0 && errno == EAGAIN));
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
	/* a reader child drains the pipe after a while; the parent's write is
	 * blocked meanwhile and sees several timer ticks */
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
	timer_ms(10);
	w = write(pfd[1], blk, 100);
	int e = errno;
	timer_ms(0);
	if (w < 0)
		printf("%s: blocked write -> -1 %s, handler ran: %s\n", label, errname(e), yesno(fired > 0));
	else
		printf("%s: blocked write -> %zd, handler ran: %s\n", label, w, yesno(fired > 0));
	if (w < 0) /* keep the child's byte count right */
		write_all(pfd[1], blk, 100);
	close(pfd[1]);
	wait_report("reader child saw every byte (0)", p);
}

static void wait_test(const char *label, int flags, int code)
{
	set_handler(flags);
	pid_t p = xfork();
	if (p == 0) {
		msleep(100);
		_exit(code);
	}
	fired = 0;
	timer_ms(10);
	int st;
	pid_t w = waitpid(p, &st, 0);
	int e = errno;
	timer_ms(0);
	if (w == p) {
		printf("%s: waitpid returned the child, %s, handler ran: %s\n", label, wstatus_str(st), yesno(fired > 0));
	} else {
		printf("%s: waitpid -> %s, handler ran: %s\n", label, errname(e), yesno(fired > 0));
		wait_report("  then", p);
	}
}

int main(void)
{
	read_test("SA_RESTART", SA_RESTART);
	read_test("no SA_RESTART", 0);
	write_test("SA_RESTART", SA_RESTART);
	write_test("no SA_RESTART", 0);
	wait_test("SA_RESTART", SA_RESTART, 3);
	wait_test("no SA_RESTART", 0, 4);

	/* nanosleep is never restarted: EINTR with the remaining time */
	set_handler(SA_RESTART);
	handler_writes = 0;
	timer_ms(20);
	struct timespec ts = { 5, 0 }, rem = { 0, 0 };
	int r = nanosleep(&ts, &rem);
	int e = errno;
	timer_ms(0);
	printf("nanosleep with SA_RESTART handler: %d %s, remaining > 1s: %s\n", r, errname(e), yesno(rem.tv_sec >= 1));

	/* pause() always returns EINTR */
	timer_ms(20);
	r = pause();
	e = errno;
	timer_ms(0);
	printf("pause: %d %s\n", r, errname(e));

	/* sigsuspend likewise, even with SA_RESTART */
	sigset_t empty;
	sigemptyset(&empty);
	timer_ms(20);
	r = sigsuspend(&empty);
	e = errno;
	timer_ms(0);
	printf("sigsuspend: %d %s\n", r, errname(e));
	return 0;
}
