/* SIGSTOP/SIGCONT of a child seen through waitpid WUNTRACED/WCONTINUED and waitid. */
#include "common.h"

int main(void)
{
	int ready[2];
	CHECK(pipe(ready) == 0);
	/* The child gets its own process group: SIGTSTP (unlike SIGSTOP) is
	 * discarded for members of an orphaned process group, and whether the
	 * group we inherited is orphaned depends on who started us. A group whose
	 * only member has its parent (us) in another group of the same session
	 * is never orphaned. */
	pid_t p = xfork();
	if (p == 0) {
		setpgid(0, 0);
		close(ready[0]);
		char c = 'r';
		write(ready[1], &c, 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	setpgid(p, p);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);

	int st;
	pid_t r;
	CHECK(kill(p, SIGSTOP) == 0);
	r = waitpid(p, &st, WUNTRACED);
	printf("after SIGSTOP: returned child %s, %s\n", yesno(r == p), wstatus_str(st));
	r = waitpid(p, &st, WUNTRACED | WNOHANG);
	printf("stop reported only once: %s\n", yesno(r == 0));

	CHECK(kill(p, SIGCONT) == 0);
	r = waitpid(p, &st, WCONTINUED);
	printf("after SIGCONT: returned child %s, %s\n", yesno(r == p), wstatus_str(st));

	/* Stop with SIGTSTP (default action stop) and observe with waitid. */
	CHECK(kill(p, SIGTSTP) == 0);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	TRY("waitid WSTOPPED", waitid(P_PID, p, &si, WSTOPPED));
	printf("si_code is CLD_STOPPED: %s, si_status=%s\n", yesno(si.si_code == CLD_STOPPED),
	       sigabbrev_np(si.si_status));
	CHECK(kill(p, SIGCONT) == 0);
	memset(&si, 0, sizeof si);
	TRY("waitid WCONTINUED", waitid(P_PID, p, &si, WCONTINUED));
	printf("si_code is CLD_CONTINUED: %s, si_status=%s\n", yesno(si.si_code == CLD_CONTINUED),
	       sigabbrev_np(si.si_status));

	/* Stopped, then killed while stopped. */
	CHECK(kill(p, SIGSTOP) == 0);
	r = waitpid(p, &st, WUNTRACED);
	printf("stopped again: %s\n", wstatus_str(st));
	/* Without WUNTRACED a stopped child is not reported. */
	r = waitpid(p, &st, WNOHANG);
	printf("plain WNOHANG on stopped child returns 0: %s\n", yesno(r == 0));
	CHECK(kill(p, SIGTERM) == 0); /* pending while stopped */
	msleep(20);
	r = waitpid(p, &st, WNOHANG);
	printf("SIGTERM stays pending while stopped: %s\n", yesno(r == 0));
	CHECK(kill(p, SIGCONT) == 0);
	r = waitpid(p, &st, 0);
	printf("after SIGCONT the pending SIGTERM kills: %s\n", wstatus_str(st));

	/* SIGSTOP cannot be caught or ignored. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	TRY("sigaction(SIGSTOP, SIG_IGN)", sigaction(SIGSTOP, &sa, NULL));
	TRY("sigaction(SIGKILL, SIG_IGN)", sigaction(SIGKILL, &sa, NULL));

	/* A child that ignores SIGTSTP is not stopped by it. */
	p = xfork();
	if (p == 0) {
		signal(SIGTSTP, SIG_IGN);
		raise(SIGTSTP);
		_exit(6);
	}
	r = waitpid(p, &st, WUNTRACED);
	printf("ignored SIGTSTP: %s\n", wstatus_str(st));

	/* A child stopping itself. */
	p = xfork();
	if (p == 0) {
		raise(SIGSTOP);
		_exit(9);
	}
	r = waitpid(p, &st, WUNTRACED);
	printf("raise(SIGSTOP): %s\n", wstatus_str(st));
	kill(p, SIGCONT);
	r = waitpid(p, &st, 0);
	printf("continued and exited: %s\n", wstatus_str(st));
	return 0;
}
