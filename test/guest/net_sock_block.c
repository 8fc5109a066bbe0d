/* Blocking AF_UNIX calls: accept and recv interrupted by signals with and
 * without SA_RESTART, SO_RCVTIMEO turning a restart into EINTR, a writer
 * blocked on a full send buffer, connect waiting for backlog room, poll and
 * epoll woken by a peer, SIGPIPE on a write to a closed peer. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void handler(int restart)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
}

static void alarm_ms(long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof a->sun_path, "%s", path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

int main(void)
{
	make_tmpdir();
	struct sockaddr_un a;
	socklen_t al = mkaddr(&a, tpath("srv"));
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, al) == 0 && listen(s, 0) == 0);

	handler(0);
	alarm_ms(50);
	TRY("accept interrupted without SA_RESTART", accept(s, NULL, NULL));

	/* With SA_RESTART the accept goes on and gets the child's connection. */
	handler(1);
	pid_t c = xfork();
	if (c == 0) {
		msleep(150);
		int cs = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(cs, (struct sockaddr *)&a, al) == 0 && write(cs, "hi", 2) == 2 ? 0 : 1);
	}
	alarms = 0;
	alarm_ms(50);
	int acc = accept(s, NULL, NULL);
	printf("accept with SA_RESTART: %s, after %s\n", acc >= 0 ? "ok" : errname(errno), alarms ? "a signal" : "no signal");
	wait_report("connecting child", c);
	char buf[4096];
	TRYV("read", read(acc, buf, sizeof buf));

	/* recv: SA_RESTART restarts, unless SO_RCVTIMEO is set */
	alarms = 0;
	c = xfork();
	if (c == 0) {
		msleep(150);
		int cs = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(cs, (struct sockaddr *)&a, al);
		_exit(0);
	}
	alarm_ms(50);
	int acc2 = accept(s, NULL, NULL);
	wait_report("second child", c);
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct timeval tv = { 5, 0 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	alarm_ms(50);
	TRY("recv with SO_RCVTIMEO and SA_RESTART, interrupted", recv(sv[0], buf, 1, 0));
	close(acc2);

	/* A writer blocked on a full buffer completes when the reader drains it. */
	c = xfork();
	if (c == 0) {
		msleep(100);
		long got = 0;
		ssize_t n;
		while (got < 300000 && (n = read(sv[1], buf, sizeof buf)) > 0)
			got += n;
		_exit(got == 300000 ? 0 : 1);
	}
	char *big = calloc(1, 300000);
	TRYV("blocking write of 300000 bytes", write(sv[0], big, 300000));
	free(big);
	wait_report("reader child", c);

	/* poll and epoll woken by the peer */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	c = xfork();
	if (c == 0) {
		msleep(50);
		write(sv[1], "x", 1);
		msleep(50);
		shutdown(sv[1], SHUT_WR);
		_exit(0);
	}
	int n = epoll_wait(ep, &out, 1, 5000);
	printf("epoll_wait: %d events %x data %u\n", n, n > 0 ? out.events : 0, n > 0 ? out.data.u32 : 0);
	read(sv[0], buf, 1);
	struct pollfd pf = { sv[0], POLLIN | POLLRDHUP, 0 };
	n = poll(&pf, 1, 5000);
	printf("poll after peer SHUT_WR: %d%s%s\n", n, pf.revents & POLLIN ? " IN" : "", pf.revents & POLLRDHUP ? " RDHUP" : "");
	wait_report("poll child", c);
	TRYV("read at EOF", read(sv[0], buf, 1));

	/* connect blocks while the backlog is full, until accept makes room */
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c1, (struct sockaddr *)&a, al) == 0);
	c = xfork();
	if (c == 0) {
		msleep(100);
		int x = accept(s, NULL, NULL);
		_exit(x >= 0 ? 0 : 1);
	}
	TRY("connect waits for backlog room", connect(c2, (struct sockaddr *)&a, al));
	wait_report("accepting child", c);

	/* SIGPIPE */
	close(sv[1]);
	c = xfork();
	if (c == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(sv[0], "x", 1);
		_exit(0);
	}
	wait_report("writer to a closed peer", c);
	return 0;
}
