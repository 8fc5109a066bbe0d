/* Priority-inheritance mutexes (FUTEX_LOCK_PI/UNLOCK_PI) under contention. */
#include "common.h"
#include <pthread.h>
#include <sys/mman.h>

#define THREADS 4
#define ITERS 20000

static pthread_mutex_t pm;
static long counter;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		int e = pthread_mutex_lock(&pm);
		if (e) {
			printf("lock failed: %s\n", errname(e));
			exit(1);
		}
		long v = counter;
		if ((i & 511) == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(&pm);
	}
	return NULL;
}

static pthread_mutex_t *held;
static int other_result;
static void *try_other(void *arg)
{
	(void)arg;
	other_result = pthread_mutex_trylock(held);
	int u = pthread_mutex_unlock(held);
	printf("other thread: unlock of mutex it does not own: %s\n", u ? errname(u) : "ok");
	return NULL;
}

static void *timed_other(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	other_result = pthread_mutex_timedlock(held, &ts);
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	TRYP("setprotocol PRIO_INHERIT", pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT));
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	TRYP("mutex_init", pthread_mutex_init(&pm, &a));
	int proto = -1;
	pthread_mutexattr_getprotocol(&a, &proto);
	printf("protocol is PRIO_INHERIT: %s\n", yesno(proto == PTHREAD_PRIO_INHERIT));

	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("PI counter: %ld (expected %d)\n", counter, THREADS * ITERS);

	TRYP("lock", pthread_mutex_lock(&pm));
	TRYP("relock (errorcheck)", pthread_mutex_lock(&pm));
	held = &pm;
	pthread_t o;
	pthread_create(&o, NULL, try_other, NULL);
	pthread_join(o, NULL);
	printf("other thread trylock: %s\n", other_result ? errname(other_result) : "ok");
	pthread_create(&o, NULL, timed_other, NULL);
	pthread_join(o, NULL);
	printf("other thread timedlock: %s\n", other_result ? errname(other_result) : "ok");
	TRYP("unlock", pthread_mutex_unlock(&pm));
	TRYP("unlock again", pthread_mutex_unlock(&pm));

	/* Process-shared PI mutex in shared memory, contended by two processes. */
	struct shared {
		pthread_mutex_t m;
		long n;
	} *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	pthread_mutexattr_t sa;
	pthread_mutexattr_init(&sa);
	pthread_mutexattr_setprotocol(&sa, PTHREAD_PRIO_INHERIT);
	pthread_mutexattr_setpshared(&sa, PTHREAD_PROCESS_SHARED);
	TRYP("pshared PI init", pthread_mutex_init(&sh->m, &sa));
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = xfork();
		if (kids[k] == 0) {
			for (int i = 0; i < ITERS; i++) {
				if (pthread_mutex_lock(&sh->m))
					_exit(2);
				long v = sh->n;
				if ((i & 511) == 0)
					sched_yield();
				sh->n = v + 1;
				pthread_mutex_unlock(&sh->m);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++)
		wait_report("pshared PI child", kids[k]);
	printf("pshared PI counter: %ld (expected %d)\n", sh->n, 2 * ITERS);
	return 0;
}
