/* Default signal actions on children: terminate, ignore, stop; handler vs
 * default after fork; SIGKILL overrides a blocked mask. */
#include "common.h"
#include <sys/resource.h>

static void h(int s) { (void)s; _exit(50); }

/* Child: set up per mode, tell parent it's ready, then wait for signals. */
static void run(const char *label, int sig, int mode)
{
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t p = xfork();
	if (p == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		if (mode == 1)
			signal(sig, h);
		if (mode == 2) {
			sigset_t m;
			sigfillset(&m);
			sigprocmask(SIG_BLOCK, &m, NULL);
		}
		if (mode == 3)
			signal(sig, SIG_IGN);
		close(ready[0]);
		write(ready[1], "r", 1);
		close(ready[1]);
		/* ignored/blocked signals leave us running: exit by timeout */
		msleep(100);
		_exit(0);
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	kill(p, sig);
	int st;
	CHECK(waitpid(p, &st, 0) == p);
	printf("%-28s %-7s -> %s\n", label, signame(sig), wstatus_str(st));
}

int main(void)
{
	int terminate[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE,
			    SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS, SIGXCPU, SIGTRAP, SIGABRT };
	for (unsigned i = 0; i < sizeof terminate / sizeof *terminate; i++)
		run("default", terminate[i], 0);
	int ignored[] = { SIGCHLD, SIGURG, SIGWINCH, SIGCONT };
	for (unsigned i = 0; i < sizeof ignored / sizeof *ignored; i++)
		run("default (ignored)", ignored[i], 0);
	run("default rt signal", SIGRTMIN + 2, 0);
	run("handler installed", SIGTERM, 1);
	run("handler installed", SIGINT, 1);
	run("all signals blocked", SIGTERM, 2);
	run("all signals blocked", SIGKILL, 2);
	run("SIG_IGN", SIGTERM, 3);
	run("SIG_IGN", SIGHUP, 3);

	/* A handler installed before fork is inherited. */
	signal(SIGUSR1, h);
	pid_t p = xfork();
	if (p == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	wait_report("handler inherited across fork (50)", p);
	signal(SIGUSR1, SIG_DFL);

	/* kill() of a process group kills all its members. */
	pid_t g1 = xfork();
	if (g1 == 0) {
		setpgid(0, 0);
		msleep(150);
		_exit(0);
	}
	setpgid(g1, g1);
	pid_t g2 = xfork();
	if (g2 == 0) {
		setpgid(0, g1);
		msleep(150);
		_exit(0);
	}
	setpgid(g2, g1);
	TRY("kill(-pgrp, SIGTERM)", kill(-g1, SIGTERM));
	wait_report("group member 1", g1);
	wait_report("group member 2", g2);
	TRY("kill(-pgrp) after all died", kill(-g1, SIGTERM));
	return 0;
}
