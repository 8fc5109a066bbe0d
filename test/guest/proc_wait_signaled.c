/* Wait statuses of children killed by signals (sent and self-inflicted). */
#include "common.h"
#include <sys/resource.h>

static void no_core(void)
{
	struct rlimit rl = { 0, 0 };
	setrlimit(RLIMIT_CORE, &rl);
}

static pid_t spawn_pauser(void)
{
	pid_t p = xfork();
	if (p == 0) {
		no_core();
		for (;;)
			pause();
	}
	return p;
}

int main(void)
{
	int sigs[] = { SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGQUIT };
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		pid_t p = spawn_pauser();
		CHECK(kill(p, sigs[i]) == 0);
		int st;
		CHECK(waitpid(p, &st, 0) == p);
		printf("kill(child, SIG%s): WIFSIGNALED=%d sig=%s WIFEXITED=%d\n",
		       sigabbrev_np(sigs[i]), WIFSIGNALED(st),
		       WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "-", WIFEXITED(st));
	}

	pid_t p = xfork();
	if (p == 0) {
		no_core();
		volatile int *np = NULL;
		*np = 1;
		_exit(0);
	}
	wait_report("null dereference", p);

	p = xfork();
	if (p == 0) {
		no_core();
		abort();
	}
	wait_report("abort()", p);

	p = xfork();
	if (p == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	wait_report("raise(SIGUSR1)", p);

	p = xfork();
	if (p == 0) {
		kill(getpid(), SIGKILL);
		_exit(0);
	}
	wait_report("kill(getpid(), SIGKILL)", p);

	p = xfork();
	if (p == 0) {
		no_core();
		volatile int z = 0;
		volatile int r = 10 / z;
		(void)r;
		_exit(0);
	}
	wait_report("integer divide by zero", p);

	p = xfork();
	if (p == 0) {
		no_core();
		__asm__ volatile("ud2");
		_exit(0);
	}
	wait_report("ud2", p);

	/* Signal sent to an already-exited (zombie) child is accepted. */
	p = xfork();
	if (p == 0)
		_exit(3);
	msleep(20);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0);
	TRY("kill(zombie, SIGTERM)", kill(p, SIGTERM));
	wait_report("zombie status unchanged", p);
	TRY("kill(reaped pid, 0)", kill(p, 0));
	return 0;
}
