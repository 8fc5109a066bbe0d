/* Barriers, rwlocks, POSIX semaphores (unnamed, shared across fork), once. */
#include "common.h"
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>

#define T 4
static pthread_barrier_t bar;
static int serial_count;
static int phase_values[T][3];
static int phase;

static void *barrier_worker(void *arg)
{
	long id = (long)arg;
	for (int r = 0; r < 3; r++) {
		phase_values[id][r] = __atomic_load_n(&phase, __ATOMIC_SEQ_CST);
		int s = pthread_barrier_wait(&bar);
		if (s == PTHREAD_BARRIER_SERIAL_THREAD) {
			__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&phase, 1, __ATOMIC_SEQ_CST);
		}
		pthread_barrier_wait(&bar);
	}
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long shared_data;
static void *rw_worker(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < 5000; i++) {
		if ((i + id) % 4 == 0) {
			pthread_rwlock_wrlock(&rw);
			shared_data++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			volatile long x = shared_data;
			(void)x;
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static sem_t sem;
static int in_section, max_in_section;
static pthread_mutex_t mm = PTHREAD_MUTEX_INITIALIZER;
static void *sem_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		sem_wait(&sem);
		pthread_mutex_lock(&mm);
		if (++in_section > max_in_section)
			max_in_section = in_section;
		pthread_mutex_unlock(&mm);
		sched_yield();
		pthread_mutex_lock(&mm);
		in_section--;
		pthread_mutex_unlock(&mm);
		sem_post(&sem);
	}
	return NULL;
}

static int once_runs;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void once_fn(void) { once_runs++; }
static void *once_worker(void *arg) { (void)arg; pthread_once(&once, once_fn); return NULL; }

int main(void)
{
	pthread_t t[T];
	pthread_barrier_init(&bar, NULL, T);
	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, barrier_worker, (void *)i);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	printf("barrier serial threads: %d\n", serial_count);
	int ok = 1;
	for (int i = 0; i < T; i++)
		for (int r = 0; r < 3; r++)
			if (phase_values[i][r] != r)
				ok = 0;
	printf("all threads saw the same phase each round: %s\n", yesno(ok));

	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, rw_worker, (void *)i);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	printf("rwlock writes: %ld\n", shared_data);
	pthread_rwlock_rdlock(&rw);
	TRYP("tryrdlock while read-locked", pthread_rwlock_tryrdlock(&rw));
	TRYP("trywrlock while read-locked", pthread_rwlock_trywrlock(&rw));
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_unlock(&rw);
	TRYP("trywrlock when free", pthread_rwlock_trywrlock(&rw));
	pthread_rwlock_unlock(&rw);

	sem_init(&sem, 0, 2);
	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, sem_worker, NULL);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	printf("semaphore(2) max concurrent holders <= 2: %s\n", yesno(max_in_section <= 2 && max_in_section >= 1));
	int v;
	sem_getvalue(&sem, &v);
	printf("semaphore value after: %d\n", v);
	sem_t s0;
	sem_init(&s0, 0, 0);
	TRY("sem_trywait on 0", sem_trywait(&s0));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
	TRY("sem_timedwait on 0", sem_timedwait(&s0, &ts));

	/* process-shared semaphore ping-pong */
	sem_t *ps = mmap(NULL, 2 * sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(ps != MAP_FAILED);
	sem_init(&ps[0], 1, 0);
	sem_init(&ps[1], 1, 0);
	pid_t p = xfork();
	if (p == 0) {
		for (int i = 0; i < 100; i++) {
			sem_wait(&ps[0]);
			sem_post(&ps[1]);
		}
		_exit(0);
	}
	for (int i = 0; i < 100; i++) {
		sem_post(&ps[0]);
		sem_wait(&ps[1]);
	}
	wait_report("semaphore ping-pong child (100 rounds)", p);

	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, once_worker, NULL);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	printf("pthread_once ran %d time(s)\n", once_runs);
	return 0;
}
