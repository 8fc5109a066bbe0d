/* Signals and threads: pthread_kill targets a thread, per-thread masks,
 * sigwait in a dedicated thread, process-directed signal to unblocked thread. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

static volatile pid_t handled_in;
static volatile int handled_sig;
static void handler(int s)
{
	handled_in = (pid_t)syscall(SYS_gettid);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	handled_sig = s;
}

static pthread_barrier_t bar;
static volatile pid_t worker_tid;

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar); /* main signals us in between */
	return NULL;
}

static void *unblocked_worker(void *arg)
{
	(void)arg;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&bar);
	while (!handled_sig)
		msleep(1);
	return NULL;
}

static void *sigwaiter(void *arg)
{
	(void)arg;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	int sig = 0;
	int e = sigwait(&m, &sig);
	printf("sigwait thread: %s, got %s\n", e ? errname(e) : "ok", sigabbrev_np(sig));
	return NULL;
}

int main(void)
{
	pid_t main_tid = (pid_t)syscall(SYS_gettid);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	pthread_barrier_init(&bar, NULL, 2);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_barrier_wait(&bar);
	TRYP("pthread_kill(worker, SIGUSR1)", pthread_kill(t, SIGUSR1));
	/* the handler runs in the worker: wait for it */
	for (int i = 0; i < 5000 && !handled_sig; i++)
		msleep(2);
	printf("handled by worker thread: %s\n", yesno(handled_in == worker_tid && handled_in != main_tid));
	pthread_barrier_wait(&bar);
	pthread_join(t, NULL);

	handled_sig = 0;
	TRYP("pthread_kill(self, SIGUSR1)", pthread_kill(pthread_self(), SIGUSR1));
	printf("handled synchronously in main: %s\n", yesno(handled_sig == SIGUSR1 && handled_in == main_tid));

	/* Process-directed signal goes to the one thread that doesn't block it. */
	handled_sig = 0;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
	pthread_create(&t, NULL, unblocked_worker, NULL);
	pthread_barrier_wait(&bar);
	kill(getpid(), SIGUSR2);
	pthread_join(t, NULL);
	printf("process-directed SIGUSR2 handled by the unblocking thread: %s\n",
	       yesno(handled_in == worker_tid));
	sigset_t pend;
	sigpending(&pend);
	printf("SIGUSR2 not left pending: %s\n", yesno(!sigismember(&pend, SIGUSR2)));

	/* Thread masks are inherited from the creator. */
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	printf("main still blocks SIGUSR2: %s\n", yesno(sigismember(&cur, SIGUSR2)));

	/* sigwait in a thread; signal directed at the process. */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
	pthread_create(&t, NULL, sigwaiter, NULL);
	msleep(20);
	kill(getpid(), SIGUSR1);
	pthread_join(t, NULL);

	TRYP("pthread_kill invalid signal", pthread_kill(pthread_self(), 999));
	TRYP("pthread_kill signal 0 (existence)", pthread_kill(pthread_self(), 0));
	TRY("tgkill(wrong tgid)", syscall(SYS_tgkill, 999999, main_tid, 0));
	TRY("tgkill(self, SIGUSR2 blocked)", syscall(SYS_tgkill, getpid(), main_tid, SIGUSR2));
	sigpending(&pend);
	printf("SIGUSR2 pending after tgkill: %s\n", yesno(sigismember(&pend, SIGUSR2)));
	return 0;
}
