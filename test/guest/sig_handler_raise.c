/* Signal handlers: raise, kill to self, old action retrieval, SIG_IGN discards,
 * SA_RESETHAND, SA_NODEFER, mask during handler. */
#include "common.h"

static volatile int count[65];
static volatile int usr1_blocked_in_handler, nested;
static volatile int depth, max_depth, calls;

static void handler(int s)
{
	count[s]++;
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	if (s == SIGUSR1)
		usr1_blocked_in_handler = sigismember(&m, SIGUSR1);
}

static void nodefer_handler(int s)
{
	depth++;
	calls++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls < 3)
		raise(s);
	depth--;
}

int main(void)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	TRY("sigaction USR1", sigaction(SIGUSR1, &sa, &old));
	printf("previous USR1 action was SIG_DFL: %s\n", yesno(old.sa_handler == SIG_DFL));
	TRY("raise(SIGUSR1)", raise(SIGUSR1));
	printf("handler ran before raise returned: %s (count=%d)\n", yesno(count[SIGUSR1] == 1), count[SIGUSR1]);
	printf("USR1 blocked inside its own handler: %s\n", yesno(usr1_blocked_in_handler));
	TRY("kill(getpid(), SIGUSR1)", kill(getpid(), SIGUSR1));
	printf("count after kill: %d\n", count[SIGUSR1]);
	TRY("kill(getpid(), 0)", kill(getpid(), 0));
	TRY("kill(getpid(), 65)", kill(getpid(), 65));
	TRY("kill(getpid(), -1)", kill(getpid(), -1));
	TRY("sigaction(0)", sigaction(0, &sa, NULL));
	TRY("sigaction(65)", sigaction(65, &sa, NULL));

	CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
	printf("query returns our handler: %s\n", yesno(old.sa_handler == handler));

	/* SIG_IGN: signal is discarded. */
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	sigset_t p;
	sigpending(&p);
	printf("ignored USR2 not pending: %s\n", yesno(!sigismember(&p, SIGUSR2)));

	/* signal() returns previous disposition */
	void (*prev)(int) = signal(SIGUSR2, handler);
	printf("signal() returned SIG_IGN: %s\n", yesno(prev == SIG_IGN));
	raise(SIGUSR2);
	printf("USR2 count: %d\n", count[SIGUSR2]);

	/* SA_RESETHAND: one-shot. */
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGHUP, &sa, NULL);
	raise(SIGHUP);
	sigaction(SIGHUP, NULL, &old);
	printf("SA_RESETHAND: handled once=%d, now default=%s\n", count[SIGHUP], yesno(old.sa_handler == SIG_DFL));

	/* SA_NODEFER: handler re-entered. */
	sa.sa_handler = nodefer_handler;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGALRM, &sa, NULL);
	raise(SIGALRM);
	printf("SA_NODEFER max nesting: %d, calls: %d\n", max_depth, calls);
	/* Without SA_NODEFER the re-raise is deferred until the handler returns. */
	depth = max_depth = calls = 0;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	raise(SIGALRM);
	printf("deferred max nesting: %d, calls: %d\n", max_depth, calls);

	/* sa_mask blocks extra signals during the handler. */
	sa.sa_handler = handler;
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGTERM, &sa, NULL);
	raise(SIGTERM);
	printf("SIGTERM handled: %d\n", count[SIGTERM]);

	/* Handlers survive across many deliveries. */
	for (int i = 0; i < 1000; i++)
		raise(SIGUSR1);
	printf("USR1 count after 1000 raises: %d\n", count[SIGUSR1]);

	/* Mask after handler returns is restored. */
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	printf("nothing left blocked: %s\n", yesno(!sigismember(&m, SIGUSR1) && !sigismember(&m, SIGTERM)));
	return 0;
}
