/* SIGCHLD: handler on child exit, SA_NOCLDSTOP, SIG_IGN auto-reap, SA_NOCLDWAIT. */
#include "common.h"

static volatile int chld_count, last_code, last_status;
static volatile pid_t last_pid;

static void on_chld(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	chld_count++;
	last_code = si->si_code;
	last_status = si->si_status;
	last_pid = si->si_pid;
}

static const char *cname(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	}
	return "?";
}

static void wait_for_count(int n)
{
	for (int i = 0; i < 5000 && chld_count < n; i++)
		msleep(2);
}

int main(void)
{
	printf("default SIGCHLD disposition is SIG_DFL: ");
	struct sigaction sa;
	sigaction(SIGCHLD, NULL, &sa);
	printf("%s\n", yesno(sa.sa_handler == SIG_DFL));

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	pid_t p = xfork();
	if (p == 0)
		_exit(6);
	wait_for_count(1);
	printf("handler ran on exit: %d, %s status=%d pid==child:%s\n", chld_count, cname(last_code), last_status,
	       yesno(last_pid == p));
	wait_report("reaped", p);

	/* Stop/continue also send SIGCHLD unless SA_NOCLDSTOP. */
	chld_count = 0;
	p = xfork();
	if (p == 0) {
		for (;;)
			pause();
	}
	kill(p, SIGSTOP);
	wait_for_count(1);
	printf("stop: count=%d %s status=%s\n", chld_count, cname(last_code), sigabbrev_np(last_status));
	waitpid(p, NULL, WUNTRACED);
	kill(p, SIGCONT);
	wait_for_count(2);
	printf("continue: count=%d %s status=%s\n", chld_count, cname(last_code), sigabbrev_np(last_status));
	kill(p, SIGKILL);
	wait_for_count(3);
	printf("killed: count=%d %s status=%s\n", chld_count, cname(last_code), sigabbrev_np(last_status));
	waitpid(p, NULL, 0);

	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	chld_count = 0;
	p = xfork();
	if (p == 0) {
		for (;;)
			pause();
	}
	kill(p, SIGSTOP);
	int st;
	waitpid(p, &st, WUNTRACED);
	msleep(20);
	printf("SA_NOCLDSTOP: stop sent SIGCHLD: %s (%s)\n", yesno(chld_count > 0), wstatus_str(st));
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	wait_for_count(1);
	printf("SA_NOCLDSTOP: death still sends SIGCHLD: %s\n", yesno(chld_count == 1));

	/* SIG_IGN: children are reaped automatically; wait fails with ECHILD. */
	signal(SIGCHLD, SIG_IGN);
	p = xfork();
	if (p == 0)
		_exit(1);
	errno = 0;
	pid_t r = waitpid(p, &st, 0);
	printf("SIG_IGN: waitpid -> %d %s\n", r < 0 ? -1 : 0, r < 0 ? errname(errno) : "");

	/* SA_NOCLDWAIT with a handler: auto-reap but the handler still runs. */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	chld_count = 0;
	p = xfork();
	if (p == 0)
		_exit(2);
	r = waitpid(p, &st, 0);
	wait_for_count(1);
	printf("SA_NOCLDWAIT: waitpid -> %s, handler ran: %s\n", r < 0 ? errname(errno) : "child", yesno(chld_count == 1));

	/* Default again: zombies are kept for wait. */
	signal(SIGCHLD, SIG_DFL);
	p = xfork();
	if (p == 0)
		_exit(3);
	msleep(10);
	wait_report("SIG_DFL: zombie reaped", p);
	return 0;
}
