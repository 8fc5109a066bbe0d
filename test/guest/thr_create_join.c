/* pthread_create/join/detach, return values, TLS, tids, /proc/self/task. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

#define N 8
static __thread int tls_var = 100;
static pid_t tids[N];
static pid_t main_pid;

static void *worker(void *arg)
{
	long i = (long)arg;
	tls_var += (int)i;
	tids[i] = (pid_t)syscall(SYS_gettid);
	int ok = getpid() == main_pid && tids[i] != main_pid;
	return (void *)(long)(ok ? tls_var * 10 : -1);
}

static pthread_barrier_t bar;
static void *waiter(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	return NULL;
}

/* A joined thread can linger in /proc/self/task for a moment after
 * pthread_join returns (the tid is cleared before the task is released), so
 * wait (bounded) for the expected count. */
static int count_tasks_now(void);
static int count_tasks(int expect)
{
	int n = -1;
	for (int i = 0; i < 2500; i++) {
		n = count_tasks_now();
		if (n == expect)
			break;
		msleep(2);
	}
	return n;
}

static int count_tasks_now(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static volatile int detached_done;
static void *detached(void *arg)
{
	(void)arg;
	detached_done = 1;
	return NULL;
}

int main(void)
{
	main_pid = getpid();
	printf("main: gettid()==getpid(): %s\n", yesno(syscall(SYS_gettid) == main_pid));
	pthread_t th[N];
	for (long i = 0; i < N; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	for (long i = 0; i < N; i++) {
		void *ret;
		CHECK(pthread_join(th[i], &ret) == 0);
		printf("thread %ld returned %ld\n", i, (long)ret);
	}
	int distinct = 1;
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (tids[i] == tids[j])
				distinct = 0;
	printf("thread tids distinct: %s\n", yesno(distinct));
	printf("main tls untouched: %d\n", tls_var);

	pthread_barrier_init(&bar, NULL, 4);
	pthread_t w[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	pthread_barrier_wait(&bar);
	printf("tasks in /proc/self/task with 3 extra threads: %d\n", count_tasks(4));
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 3; i++)
		pthread_join(w[i], NULL);
	/* a joined thread's task is gone */
	printf("tasks after join: %d\n", count_tasks(1));

	TRYP("join self", pthread_join(pthread_self(), NULL));
	pthread_t d;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	TRYP("create detached", pthread_create(&d, &attr, detached, NULL));
	for (int i = 0; i < 5000 && !detached_done; i++)
		msleep(2);
	printf("detached thread ran: %s\n", yesno(detached_done));

	/* Small custom stack and guard size. */
	pthread_attr_t a2;
	pthread_attr_init(&a2);
	pthread_attr_setstacksize(&a2, 64 * 1024);
	pthread_t s;
	TRYP("create with 64KiB stack", pthread_create(&s, &a2, worker, (void *)3L));
	void *r;
	pthread_join(s, &r);
	printf("small-stack thread returned %ld\n", (long)r);

	/* Many sequential create/join cycles. */
	int ok = 1;
	for (int i = 0; i < 200; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, (void *)1L) || pthread_join(t, &r) || (long)r != 1010)
			ok = 0;
	}
	printf("200 create/join cycles ok: %s\n", yesno(ok));
	return 0;
}
