/* sigprocmask: blocked signals stay pending, delivery on unblock,
 * standard signals coalesce, real-time signals queue in order. */
#include "common.h"

static int order[64], norder;
static int values[64];

static void handler(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	if (norder < 64) {
		values[norder] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
		order[norder++] = s;
	}
}

static void show_order(const char *label)
{
	printf("%s:", label);
	for (int i = 0; i < norder; i++) {
		int s = order[i];
		if (s >= SIGRTMIN)
			printf(" RTMIN+%d", s - SIGRTMIN);
		else
			printf(" %s", sigabbrev_np(s));
		if (values[i] >= 0)
			printf("(%d)", values[i]);
	}
	printf("\n");
	norder = 0;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);

	sigset_t block, old, pend;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	TRY("block USR1", sigprocmask(SIG_BLOCK, &block, &old));
	printf("USR1 was blocked before: %s\n", yesno(sigismember(&old, SIGUSR1)));
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	printf("USR1 pending: %s, handler ran: %d\n", yesno(sigismember(&pend, SIGUSR1)), norder);
	TRY("unblock USR1", sigprocmask(SIG_UNBLOCK, &block, NULL));
	show_order("after unblock (3 kills coalesce)");
	sigpending(&pend);
	printf("USR1 no longer pending: %s\n", yesno(!sigismember(&pend, SIGUSR1)));

	/* Real-time signals queue; delivered lowest-numbered first, FIFO within. */
	sigset_t all;
	sigemptyset(&all);
	sigaddset(&all, SIGRTMIN);
	sigaddset(&all, SIGRTMIN + 1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGHUP);
	sigprocmask(SIG_BLOCK, &all, NULL);
	union sigval v;
	for (int i = 1; i <= 3; i++) {
		v.sival_int = 10 + i;
		sigqueue(getpid(), SIGRTMIN + 1, v);
		v.sival_int = 20 + i;
		sigqueue(getpid(), SIGRTMIN, v);
	}
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGHUP);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	show_order("delivery order");

	/* SIG_SETMASK and how argument validation. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	TRY("SIG_SETMASK {INT}", sigprocmask(SIG_SETMASK, &s, NULL));
	sigprocmask(SIG_SETMASK, NULL, &old);
	printf("mask is exactly INT: %s\n", yesno(sigismember(&old, SIGINT) && !sigismember(&old, SIGUSR1)));
	TRY("invalid how", sigprocmask(42, &s, NULL));
	/* KILL and STOP cannot be blocked: silently dropped from the mask. */
	sigfillset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);
	sigprocmask(SIG_SETMASK, NULL, &old);
	printf("after blocking everything: KILL blocked=%d STOP blocked=%d TERM blocked=%d\n",
	       sigismember(&old, SIGKILL), sigismember(&old, SIGSTOP), sigismember(&old, SIGTERM));
	sigemptyset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);

	/* Ignoring a pending blocked signal discards it. */
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	sigpending(&pend);
	printf("pending USR1 discarded by SIG_IGN: %s\n", yesno(!sigismember(&pend, SIGUSR1)));
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	/* rt queue on a child that blocks: many queued signals. */
	sigprocmask(SIG_BLOCK, &all, NULL);
	int queued = 0;
	for (int i = 0; i < 50; i++) {
		v.sival_int = i;
		if (sigqueue(getpid(), SIGRTMIN, v) == 0)
			queued++;
	}
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	int inorder = 1;
	for (int i = 0; i < norder; i++)
		if (values[i] != i)
			inorder = 0;
	printf("queued %d rt signals, delivered %d, in order: %s\n", queued, norder, yesno(inorder));
	return 0;
}
