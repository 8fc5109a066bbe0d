/* sigsuspend, sigwaitinfo, sigtimedwait, rt_sigtimedwait timeout. */
#include "common.h"
#include <sys/time.h>

static volatile int got;
static void h(int s) { got = s; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = h;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	sigset_t block, old, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);

	/* sigsuspend: atomically unblock and wait; signal already pending. */
	raise(SIGUSR1);
	sigemptyset(&waitmask);
	int r = sigsuspend(&waitmask);
	printf("sigsuspend with pending USR1: %d %s, got=%s\n", r, errname(errno), sigabbrev_np(got));
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("mask restored after sigsuspend: %s\n", yesno(sigismember(&cur, SIGUSR1)));

	/* sigsuspend woken by a timer */
	got = 0;
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	r = sigsuspend(&waitmask);
	printf("sigsuspend woken by timer: %d %s, got=%s\n", r, errname(errno), sigabbrev_np(got));

	/* sigwaitinfo takes a pending signal without running the handler. */
	got = 0;
	union sigval v = { .sival_int = 99 };
	sigqueue(getpid(), SIGUSR1, v);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	sigset_t w1;
	sigemptyset(&w1);
	sigaddset(&w1, SIGUSR1);
	r = sigwaitinfo(&w1, &si);
	printf("sigwaitinfo: %s, si_code SI_QUEUE: %s, value=%d, handler ran: %s\n", sigabbrev_np(r),
	       yesno(si.si_code == SI_QUEUE), si.si_value.sival_int, yesno(got != 0));

	/* sigtimedwait: timeout and zero timeout */
	struct timespec ts = { 0, 20000000 };
	r = sigtimedwait(&w1, &si, &ts);
	printf("sigtimedwait 20ms nothing pending: %d %s\n", r, errname(errno));
	struct timespec zero = { 0, 0 };
	r = sigtimedwait(&w1, &si, &zero);
	printf("sigtimedwait zero timeout: %d %s\n", r, errname(errno));
	raise(SIGUSR1);
	r = sigtimedwait(&w1, &si, &zero);
	/* glibc folds the kernel's SI_TKILL into SI_USER here */
	printf("sigtimedwait zero timeout, pending: %s si_code=%d\n", r > 0 ? sigabbrev_np(r) : errname(errno), si.si_code);
	struct timespec bad = { 0, -1 };
	r = sigtimedwait(&w1, &si, &bad);
	printf("sigtimedwait invalid timeout: %d %s\n", r, errname(errno));

	/* sigwaitinfo interrupted by an unblocked handled signal -> EINTR */
	got = 0;
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	struct itimerval periodic = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &periodic, NULL); /* a tick landing before the wait can't hang us */
	r = sigwaitinfo(&w1, &si);
	int e = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	printf("sigwaitinfo interrupted by SIGALRM handler: %d %s got=%s\n", r, errname(e), got ? sigabbrev_np(got) : "none");

	/* Signal sent by a child while we wait. */
	pid_t parent = getpid();
	pid_t p = xfork();
	if (p == 0) {
		msleep(20);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	memset(&si, 0, sizeof si);
	r = sigwaitinfo(&w1, &si);
	printf("sigwaitinfo from child: %s si_pid==child:%s si_code SI_USER:%s\n", sigabbrev_np(r), yesno(si.si_pid == p),
	       yesno(si.si_code == SI_USER));
	waitpid(p, NULL, 0);

	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
