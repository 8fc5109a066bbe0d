/* waitid(): siginfo fields, WNOWAIT, WNOHANG, P_ALL/P_PID/P_PGID. */
#include "common.h"

static const char *code_name(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	case CLD_TRAPPED: return "CLD_TRAPPED";
	}
	return "?";
}

static void show(const char *label, siginfo_t *si, pid_t expect)
{
	printf("%s: si_signo=%s si_code=%s si_status=%d si_pid==child:%s si_uid==getuid:%s\n",
	       label, si->si_signo ? sigabbrev_np(si->si_signo) : "0", code_name(si->si_code),
	       si->si_status, yesno(si->si_pid == expect), yesno(si->si_uid == getuid()));
}

int main(void)
{
	siginfo_t si;
	pid_t p = xfork();
	if (p == 0)
		_exit(17);
	memset(&si, 0, sizeof si);
	TRY("waitid P_PID WEXITED|WNOWAIT", waitid(P_PID, p, &si, WEXITED | WNOWAIT));
	show("nowait", &si, p);
	memset(&si, 0, sizeof si);
	TRY("waitid P_PID WEXITED", waitid(P_PID, p, &si, WEXITED));
	show("reaped", &si, p);
	TRY("waitid again", waitid(P_PID, p, &si, WEXITED));

	int hold[2];
	CHECK(pipe(hold) == 0);
	p = xfork();
	if (p == 0) {
		close(hold[1]);
		char c;
		read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	memset(&si, 0xff, sizeof si);
	TRY("waitid WNOHANG running child", waitid(P_PID, p, &si, WEXITED | WNOHANG));
	printf("WNOHANG with nothing to report leaves si_pid 0: %s\n", yesno(si.si_pid == 0));
	CHECK(kill(p, SIGKILL) == 0);
	memset(&si, 0, sizeof si);
	TRY("waitid P_ALL killed child", waitid(P_ALL, 0, &si, WEXITED));
	show("killed", &si, p);
	close(hold[1]);

	TRY("waitid no options", waitid(P_ALL, 0, &si, 0));
	TRY("waitid no children", waitid(P_ALL, 0, &si, WEXITED));
	TRY("waitid bad idtype", waitid((idtype_t)42, 0, &si, WEXITED));

	p = xfork();
	if (p == 0) {
		setpgid(0, 0);
		_exit(5);
	}
	setpgid(p, p);
	memset(&si, 0, sizeof si);
	TRY("waitid P_PGID", waitid(P_PGID, p, &si, WEXITED));
	show("pgid", &si, p);

	/* Exit status is truncated to 8 bits in si_status too. */
	p = xfork();
	if (p == 0)
		_exit(0x1234);
	memset(&si, 0, sizeof si);
	TRY("waitid exit(0x1234)", waitid(P_PID, p, &si, WEXITED));
	show("truncated", &si, p);

	/* P_PIDFD (Linux 5.4) */
	p = xfork();
	if (p == 0)
		_exit(8);
	int pfd = (int)syscall(434 /* pidfd_open */, p, 0);
	TRY("pidfd_open", pfd);
	if (pfd >= 0) {
		memset(&si, 0, sizeof si);
		TRY("waitid P_PIDFD", waitid((idtype_t)3 /* P_PIDFD */, pfd, &si, WEXITED));
		show("pidfd", &si, p);
		close(pfd);
	} else {
		waitpid(p, NULL, 0);
	}
	return 0;
}
