/* Condition variables: bounded producer/consumer, broadcast, timedwait. */
#include "common.h"
#include <pthread.h>

#define CAP 4
#define ITEMS 2000
#define PRODUCERS 3
#define CONSUMERS 2

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int buf[CAP], head, count, producers_left = PRODUCERS;
static long consumed_sum[CONSUMERS], consumed_n[CONSUMERS];

static void *producer(void *arg)
{
	long id = (long)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (count == CAP)
			pthread_cond_wait(&not_full, &m);
		buf[(head + count) % CAP] = (int)(i + id * ITEMS);
		count++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_lock(&m);
	producers_left--;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *consumer(void *arg)
{
	long id = (long)arg;
	for (;;) {
		pthread_mutex_lock(&m);
		while (count == 0 && producers_left > 0)
			pthread_cond_wait(&not_empty, &m);
		if (count == 0) {
			pthread_mutex_unlock(&m);
			return NULL;
		}
		int v = buf[head];
		head = (head + 1) % CAP;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&m);
		consumed_sum[id] += v;
		consumed_n[id]++;
	}
}

static int go, arrived;
static void *gate(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	arrived++;
	pthread_cond_broadcast(&not_full);
	while (!go)
		pthread_cond_wait(&not_empty, &m);
	pthread_mutex_unlock(&m);
	return NULL;
}

int main(void)
{
	pthread_t p[PRODUCERS], c[CONSUMERS];
	for (long i = 0; i < CONSUMERS; i++)
		pthread_create(&c[i], NULL, consumer, (void *)i);
	for (long i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i], NULL, producer, (void *)i);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(c[i], NULL);
	long total = 0, n = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		total += consumed_sum[i];
		n += consumed_n[i];
	}
	long expect = 0;
	for (long id = 0; id < PRODUCERS; id++)
		for (int i = 1; i <= ITEMS; i++)
			expect += i + id * ITEMS;
	printf("items consumed: %ld, sum matches: %s\n", n, yesno(total == expect));

	/* broadcast wakes every waiter */
	pthread_t g[5];
	for (int i = 0; i < 5; i++)
		pthread_create(&g[i], NULL, gate, NULL);
	pthread_mutex_lock(&m);
	while (arrived < 5)
		pthread_cond_wait(&not_full, &m);
	go = 1;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 5; i++)
		pthread_join(g[i], NULL);
	printf("broadcast released all 5 waiters\n");

	/* timedwait with nobody signalling */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	TRYP("cond_timedwait (REALTIME)", pthread_cond_timedwait(&not_empty, &m, &ts));
	pthread_mutex_unlock(&m);

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_t mc;
	pthread_cond_init(&mc, &ca);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 30 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	TRYP("cond_timedwait (MONOTONIC)", pthread_cond_timedwait(&mc, &m, &ts));
	pthread_mutex_unlock(&m);
	/* a deadline in the past */
	ts.tv_sec -= 10;
	pthread_mutex_lock(&m);
	TRYP("cond_timedwait past deadline", pthread_cond_timedwait(&mc, &m, &ts));
	pthread_mutex_unlock(&m);
	return 0;
}
