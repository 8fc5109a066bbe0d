/* Default signal actions on children: terminate, ignore; a handler, a blocked
 * mask or SIG_IGN instead; SIGKILL overrides a blocked mask; kill() of a
 * process group. No timing: the child waits on a pipe, the parent sends the
 * signal and then releases the child, which exits 0 if still alive. */
#include "common.h"
#include <sys/resource.h>

static void h(int s) { (void)s; _exit(50); }

static void run(const char *label, int sig, int mode)
{
	int ready[2], release[2];
	CHECK(pipe(ready) == 0 && pipe(release) == 0);
	pid_t p = xfork();
	if (p == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_CORE, &rl);
		signal(SIGPIPE, SIG_DFL); /* the parent ignores it */
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
		close(release[1]);
		write(ready[1], "r", 1);
		char c;
		read(release[0], &c, 1); /* a pending fatal signal is acted on before this returns */
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	kill(p, sig);
	write(release[1], "go", 1);
	close(release[1]);
	int st;
	CHECK(waitpid(p, &st, 0) == p);
	printf("%-28s %-7s -> %s\n", label, signame(sig), wstatus_str(st));
}

int main(void)
{
	/* the child may already be dead when we write to its release pipe */
	signal(SIGPIPE, SIG_IGN);
	int terminate[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE,
			    SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS, SIGXCPU, SIGXFSZ, SIGTRAP, SIGABRT,
			    SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSTKFLT, SIGKILL };
	for (unsigned i = 0; i < sizeof terminate / sizeof *terminate; i++)
		run("default", terminate[i], 0);
	int ignored[] = { SIGCHLD, SIGURG, SIGWINCH, SIGCONT };
	for (unsigned i = 0; i < sizeof ignored / sizeof *ignored; i++)
		run("default (ignored)", ignored[i], 0);
	run("default rt signal", SIGRTMIN + 2, 0);
	run("default rt signal", SIGRTMAX, 0);
	run("handler installed", SIGTERM, 1);
	run("handler installed", SIGINT, 1);
	run("all signals blocked", SIGTERM, 2);
	run("all signals blocked", SIGKILL, 2);
	run("SIG_IGN", SIGTERM, 3);
	run("SIG_IGN", SIGHUP, 3);
	run("SIG_IGN", SIGSEGV, 3);

	/* A handler installed before fork is inherited. */
	signal(SIGUSR1, h);
	pid_t p = xfork();
	if (p == 0) {
		raise(SIGUSR1);
		_exit(0);
	}
	wait_report("handler inherited across fork (50)", p);
	signal(SIGUSR1, SIG_DFL);

	/* kill() of a process group reaches all of its members. */
	pid_t g1 = xfork();
	if (g1 == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(g1, g1);
	pid_t g2 = xfork();
	if (g2 == 0) {
		setpgid(0, g1);
		for (;;)
			pause();
	}
	setpgid(g2, g1);
	TRY("kill(-pgrp, SIGTERM)", kill(-g1, SIGTERM));
	wait_report("group member 1", g1);
	wait_report("group member 2", g2);
	TRY("kill(-pgrp) after all died", kill(-g1, SIGTERM));
	TRY("kill(nonexistent pid)", kill(999999, SIGTERM));
	TRY("kill(self, bad signal)", kill(getpid(), 1000));
	return 0;
}
