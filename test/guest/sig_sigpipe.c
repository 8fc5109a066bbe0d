/* SIGPIPE on write to a pipe with no readers; EPIPE when ignored/blocked/handled. */
#include "common.h"
#include <sys/socket.h>

static volatile int got_pipe;
static void on_pipe(int s) { (void)s; got_pipe++; }

int main(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	close(p[0]);

	/* Default action kills (in a child). */
	pid_t c = xfork();
	if (c == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(p[1], "x", 1);
		_exit(0);
	}
	wait_report("write to broken pipe, default SIGPIPE", c);

	signal(SIGPIPE, SIG_IGN);
	TRY("write with SIGPIPE ignored", write(p[1], "x", 1));

	signal(SIGPIPE, on_pipe);
	TRY("write with handler", write(p[1], "x", 1));
	printf("handler ran: %d\n", got_pipe);

	signal(SIGPIPE, SIG_DFL);
	sigset_t m, pend;
	sigemptyset(&m);
	sigaddset(&m, SIGPIPE);
	sigprocmask(SIG_BLOCK, &m, NULL);
	TRY("write with SIGPIPE blocked", write(p[1], "x", 1));
	sigpending(&pend);
	printf("SIGPIPE pending: %s\n", yesno(sigismember(&pend, SIGPIPE)));
	signal(SIGPIPE, SIG_IGN); /* discard it */
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	close(p[1]);

	/* Reader closes while a writer has data buffered: next write fails. */
	CHECK(pipe(p) == 0);
	TRYV("write to open pipe", write(p[1], "hello", 5));
	close(p[0]);
	TRY("write after reader closed", write(p[1], "more", 4));
	close(p[1]);

	/* writev and a large write also get EPIPE */
	CHECK(pipe(p) == 0);
	close(p[0]);
	static char big[100000];
	TRY("large write, no reader", write(p[1], big, sizeof big));
	close(p[1]);

	/* A child killed by SIGPIPE in a shell pipeline: yes | head -1 */
	c = xfork();
	if (c == 0) {
		signal(SIGPIPE, SIG_DFL); /* ignored dispositions are inherited across exec */
		char *a[] = { "sh", "-c", "yes | head -n 2; echo \"yes status: $?\"", NULL };
		execv("/bin/sh", a);
		_exit(127);
	}
	wait_report("sh pipeline", c);

	/* Default disposition restored in a child: dies from SIGPIPE, raised by write
	 * to a socketpair whose peer is closed. */
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	c = xfork();
	if (c == 0) {
		signal(SIGPIPE, SIG_DFL);
		write(sv[0], "x", 1);
		_exit(0);
	}
	wait_report("write to socket with closed peer", c);
	TRY("send MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
	return 0;
}
