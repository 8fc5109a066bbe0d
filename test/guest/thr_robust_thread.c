/* Robust mutex whose owner thread exits while holding it -> EOWNERDEAD. */
#include "common.h"
#include <pthread.h>

static pthread_mutex_t m;

static void *die_holding(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	return NULL; /* thread exits with the lock held */
}

static void init_robust(pthread_mutex_t *mx, int pi)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	CHECK(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
	if (pi)
		CHECK(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) == 0);
	CHECK(pthread_mutex_init(mx, &a) == 0);
}

static void round_trip(const char *kind, int pi)
{
	printf("-- %s\n", kind);
	init_robust(&m, pi);
	pthread_t t;
	pthread_create(&t, NULL, die_holding, NULL);
	pthread_join(t, NULL);
	TRYP("lock after owner died", pthread_mutex_lock(&m));
	TRYP("consistent", pthread_mutex_consistent(&m));
	TRYP("unlock", pthread_mutex_unlock(&m));
	TRYP("lock again", pthread_mutex_lock(&m));
	TRYP("unlock again", pthread_mutex_unlock(&m));

	/* Not made consistent -> ENOTRECOVERABLE forever. */
	pthread_create(&t, NULL, die_holding, NULL);
	pthread_join(t, NULL);
	TRYP("trylock after owner died", pthread_mutex_trylock(&m));
	TRYP("unlock without consistent", pthread_mutex_unlock(&m));
	TRYP("lock now", pthread_mutex_lock(&m));
	TRYP("trylock now", pthread_mutex_trylock(&m));
	pthread_mutex_destroy(&m);
}

static pthread_mutex_t m2;
static pthread_barrier_t bar;
static void *hold_then_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m2);
	pthread_barrier_wait(&bar);
	msleep(30);
	return NULL;
}

int main(void)
{
	round_trip("robust", 0);
	round_trip("robust + PI", 1);

	/* A waiter blocked in lock is woken when the owner dies. */
	init_robust(&m2, 0);
	pthread_barrier_init(&bar, NULL, 2);
	pthread_t t;
	pthread_create(&t, NULL, hold_then_die, NULL);
	pthread_barrier_wait(&bar);
	TRYP("blocked lock while owner exits", pthread_mutex_lock(&m2));
	pthread_join(t, NULL);
	pthread_mutex_consistent(&m2);
	pthread_mutex_unlock(&m2);

	init_robust(&m2, 1);
	pthread_create(&t, NULL, hold_then_die, NULL);
	pthread_barrier_wait(&bar);
	TRYP("blocked PI lock while owner exits", pthread_mutex_lock(&m2));
	pthread_join(t, NULL);
	pthread_mutex_consistent(&m2);
	pthread_mutex_unlock(&m2);
	return 0;
}
