/* Mutex contention: threads increment shared counters under different locks. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>

#define THREADS 4
#define ITERS 50000

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t spin;
static long counter, spin_counter;
static atomic_long atomic_counter;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&m);
		long v = counter;
		if ((i & 1023) == 0)
			sched_yield(); /* make contention likely */
		counter = v + 1;
		pthread_mutex_unlock(&m);
		pthread_spin_lock(&spin);
		spin_counter++;
		pthread_spin_unlock(&spin);
		atomic_fetch_add(&atomic_counter, 1);
	}
	return NULL;
}

int main(void)
{
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("mutex counter: %ld (expected %d)\n", counter, THREADS * ITERS);
	printf("spin counter: %ld\n", spin_counter);
	printf("atomic counter: %ld\n", (long)atomic_counter);

	/* Mutex types. */
	pthread_mutexattr_t a;
	pthread_mutex_t em, rm;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&em, &a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&rm, &a);
	TRYP("errorcheck lock", pthread_mutex_lock(&em));
	TRYP("errorcheck relock", pthread_mutex_lock(&em));
	TRYP("errorcheck trylock held", pthread_mutex_trylock(&em));
	TRYP("errorcheck unlock", pthread_mutex_unlock(&em));
	TRYP("errorcheck unlock unlocked", pthread_mutex_unlock(&em));
	TRYP("recursive lock", pthread_mutex_lock(&rm));
	TRYP("recursive lock 2", pthread_mutex_lock(&rm));
	TRYP("recursive unlock", pthread_mutex_unlock(&rm));
	TRYP("recursive unlock 2", pthread_mutex_unlock(&rm));
	TRYP("recursive unlock 3", pthread_mutex_unlock(&rm));

	/* timedlock on a held mutex times out */
	pthread_mutex_lock(&m);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	TRYP("timedlock (held by self, normal mutex)", pthread_mutex_timedlock(&m, &ts));
	pthread_mutex_unlock(&m);
	return 0;
}
