/* Signal state across fork and execve: handlers reset, ignores kept,
 * mask and pending signals kept. */
#include "common.h"

static void handler(int s) { (void)s; }

static const char *disp(int sig)
{
	struct sigaction sa;
	CHECK(sigaction(sig, NULL, &sa) == 0);
	if (sa.sa_handler == SIG_DFL) return "default";
	if (sa.sa_handler == SIG_IGN) return "ignored";
	return "handler";
}

static void state(const char *who)
{
	sigset_t m, p;
	CHECK(sigprocmask(SIG_BLOCK, NULL, &m) == 0);
	CHECK(sigpending(&p) == 0);
	printf("%s: USR1=%s USR2=%s TERM=%s HUP=%s\n", who, disp(SIGUSR1), disp(SIGUSR2),
	       disp(SIGTERM), disp(SIGHUP));
	printf("%s: blocked INT=%d QUIT=%d USR1=%d; pending INT=%d QUIT=%d\n", who,
	       sigismember(&m, SIGINT), sigismember(&m, SIGQUIT), sigismember(&m, SIGUSR1),
	       sigismember(&p, SIGINT), sigismember(&p, SIGQUIT));
	stack_t ss;
	CHECK(sigaltstack(NULL, &ss) == 0);
	printf("%s: altstack disabled=%d\n", who, !!(ss.ss_flags & SS_DISABLE));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child")) {
		state("after exec");
		/* Unblock: the pending SIGINT (default action) terminates us. */
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGINT);
		sigprocmask(SIG_UNBLOCK, &m, NULL);
		printf("not reached\n");
		return 0;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sa.sa_handler = SIG_IGN;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(sigaction(SIGHUP, &sa, NULL) == 0);

	static char stack[65536];
	stack_t ss = { .ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0 };
	CHECK(sigaltstack(&ss, NULL) == 0);

	pid_t p = xfork();
	if (p == 0) {
		sigset_t m;
		sigemptyset(&m);
		sigaddset(&m, SIGINT);
		sigaddset(&m, SIGQUIT);
		CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0);
		state("child before exec");
		raise(SIGINT);
		state("child after raise");
		char *a[] = { argv[0], "--child", NULL };
		execv("/proc/self/exe", a);
		_exit(127);
	}
	wait_report("exec'd child", p);
	state("parent");

	/* Pending signals are not inherited by fork children. */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0);
	raise(SIGUSR1);
	p = xfork();
	if (p == 0) {
		sigset_t pend;
		sigpending(&pend);
		printf("fork child: USR1 pending=%d blocked=1 inherited\n", sigismember(&pend, SIGUSR1));
		_exit(0);
	}
	wait_report("fork child", p);
	sigset_t pend;
	sigpending(&pend);
	printf("parent: USR1 still pending=%d\n", sigismember(&pend, SIGUSR1));
	return 0;
}
