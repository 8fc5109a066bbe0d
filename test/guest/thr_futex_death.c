/* Robust and PI locks when their owner dies in other ways than the simple
 * ones of thr_robust_*: SIGKILL while another process blocks in lock, a
 * sibling thread holding the lock when exit() ends the process, abort(); a
 * native sleep is not disturbed by the kernel waking futex waiters; a PI lock
 * interrupted by signal handlers is restarted; LOCK_PI2 timeouts; a contended
 * process-shared PI lock. Children report through exit codes only. */
#include "common.h"
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>

struct shared {
	pthread_mutex_t m;
	pthread_mutex_t pi;
	long n;
};
static struct shared *sh;

static void init(pthread_mutex_t *m, int pi, int robust)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (robust)
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pi)
		pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	CHECK(pthread_mutex_init(m, &a) == 0);
}

/* Locks m (after a robust owner's death: recovers it), unlocks; the error number of the lock. */
static int lock_recover(pthread_mutex_t *m)
{
	int e = pthread_mutex_lock(m);
	if (e == EOWNERDEAD)
		pthread_mutex_consistent(m);
	if (e == 0 || e == EOWNERDEAD)
		pthread_mutex_unlock(m);
	return e;
}

static sem_t held;
static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sh->m);
	sem_post(&held);
	for (;;)
		pause();
	return NULL;
}

static long slept_ms;
static void *sleeper(void *arg)
{
	(void)arg;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	msleep(300);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	slept_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	return NULL;
}

static int hits;
static void on_usr1(int s) { (void)s; hits++; }

static void ready_pipe(int p[2]) { CHECK(pipe(p) == 0); }
static void signal_ready(int p[2]) { write_all(p[1], "x", 1); }
static void wait_ready(int p[2]) { char c; CHECK(read(p[0], &c, 1) == 1); }

int main(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	printf("EOWNERDEAD is %d\n", EOWNERDEAD);
	for (int pi = 0; pi < 2; pi++) {
		printf("== %s: owner SIGKILLed while another process blocks in lock\n", pi ? "PI" : "plain");
		init(&sh->m, pi, 1);
		int r[2];
		ready_pipe(r);
		pid_t owner = xfork();
		if (owner == 0) {
			pthread_mutex_lock(&sh->m);
			signal_ready(r);
			for (;;)
				pause();
		}
		wait_ready(r);
		pid_t waiter = xfork();
		if (waiter == 0)
			_exit(lock_recover(&sh->m));
		msleep(50);
		kill(owner, SIGKILL);
		wait_report("owner", owner);
		wait_report("waiter (exit code = error number)", waiter);

		printf("== %s: a sibling thread holds it when the main thread calls exit()\n", pi ? "PI" : "plain");
		init(&sh->m, pi, 1);
		pid_t p = xfork();
		if (p == 0) {
			sem_init(&held, 0, 0);
			pthread_t t;
			pthread_create(&t, NULL, holder, NULL);
			sem_wait(&held);
			exit(3);
		}
		wait_report("exiting process", p);
		int e = lock_recover(&sh->m);
		printf("lock: %s\n", e ? errname(e) : "ok");

		printf("== %s: the owner aborts\n", pi ? "PI" : "plain");
		init(&sh->m, pi, 1);
		p = xfork();
		if (p == 0) {
			pthread_mutex_lock(&sh->m);
			signal(SIGABRT, SIG_DFL);
			raise(SIGABRT);
			_exit(9);
		}
		wait_report("aborting process", p);
		e = pthread_mutex_trylock(&sh->m);
		printf("trylock: %s\n", e ? errname(e) : "ok");
		if (e == EOWNERDEAD)
			pthread_mutex_consistent(&sh->m);
		pthread_mutex_unlock(&sh->m);
	}

	printf("== waking futex waiters leaves a native sleep alone\n");
	pthread_t st;
	pthread_create(&st, NULL, sleeper, NULL);
	init(&sh->m, 0, 1);
	int r[2];
	ready_pipe(r);
	pid_t o = xfork();
	if (o == 0) {
		pthread_mutex_lock(&sh->m);
		signal_ready(r);
		msleep(60);
		_exit(0);
	}
	wait_ready(r);
	int e = lock_recover(&sh->m);
	printf("blocked lock: %s\n", e ? errname(e) : "ok");
	wait_report("owner", o);
	pthread_join(st, NULL);
	printf("sleeper slept its 300ms: %s\n", yesno(slept_ms >= 300));

	printf("== a PI lock interrupted by handlers (no SA_RESTART) is restarted\n");
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	init(&sh->pi, 1, 0);
	int go[2];
	ready_pipe(go);
	o = xfork();
	if (o == 0) {
		pthread_mutex_lock(&sh->pi);
		signal_ready(r);
		wait_ready(go);
		pthread_mutex_unlock(&sh->pi);
		_exit(0);
	}
	wait_ready(r);
	pid_t self = getpid();
	pid_t k = xfork();
	if (k == 0) {
		msleep(50);
		kill(self, SIGUSR1);
		msleep(30);
		kill(self, SIGUSR1);
		msleep(30);
		signal_ready(go);
		_exit(0);
	}
	e = pthread_mutex_lock(&sh->pi);
	printf("lock: %s; handler ran twice: %s\n", e ? errname(e) : "ok", yesno(hits == 2));
	pthread_mutex_unlock(&sh->pi);
	wait_report("owner", o);
	wait_report("signaller", k);

	printf("== pthread_mutex_clocklock(CLOCK_MONOTONIC) on a PI lock\n");
	o = xfork();
	if (o == 0) {
		pthread_mutex_lock(&sh->pi);
		signal_ready(r);
		wait_ready(go);
		pthread_mutex_unlock(&sh->pi);
		_exit(0);
	}
	wait_ready(r);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 20 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	e = pthread_mutex_clocklock(&sh->pi, CLOCK_MONOTONIC, &ts);
	printf("clocklock while held: %s\n", e ? errname(e) : "ok");
	signal_ready(go);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 10;
	e = pthread_mutex_clocklock(&sh->pi, CLOCK_MONOTONIC, &ts);
	printf("clocklock once released: %s\n", e ? errname(e) : "ok");
	pthread_mutex_unlock(&sh->pi);
	wait_report("owner", o);

	printf("== a robust PI lock contended by three processes\n");
	init(&sh->pi, 1, 1);
	sh->n = 0;
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = xfork();
		if (kids[i] == 0) {
			for (int j = 0; j < 2000; j++) {
				if (pthread_mutex_lock(&sh->pi))
					_exit(2);
				long v = sh->n;
				if ((j & 7) == 0)
					sched_yield();
				sh->n = v + 1;
				pthread_mutex_unlock(&sh->pi);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < 3; i++)
		wait_report("contender", kids[i]);
	printf("counter: %ld (expected 6000)\n", sh->n);
	return 0;
}
