/* Robust process-shared mutex in a shared mapping; the owner process dies. */
#include "common.h"
#include <pthread.h>
#include <sys/mman.h>

struct shared {
	pthread_mutex_t m;
	int value;
};

static struct shared *setup(int pi)
{
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	CHECK(pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0);
	CHECK(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
	if (pi)
		CHECK(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) == 0);
	CHECK(pthread_mutex_init(&sh->m, &a) == 0);
	return sh;
}

static void scenario(const char *label, int pi, int how)
{
	printf("-- %s\n", label);
	struct shared *sh = setup(pi);
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t p = xfork();
	if (p == 0) {
		close(ready[0]);
		pthread_mutex_lock(&sh->m);
		sh->value = 42;
		write(ready[1], "x", 1);
		if (how == 0)
			_exit(0);             /* normal exit holding the lock */
		if (how == 1)
			for (;;) pause();     /* parent SIGKILLs us */
		msleep(30);                   /* parent blocks in lock meanwhile */
		_exit(0);
	}
	close(ready[1]);
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	if (how == 1) {
		kill(p, SIGKILL);
		wait_report("owner", p);
	} else if (how == 0) {
		wait_report("owner", p);
	}
	TRYP("parent lock", pthread_mutex_lock(&sh->m));
	printf("value written by dead owner: %d\n", sh->value);
	TRYP("consistent", pthread_mutex_consistent(&sh->m));
	TRYP("unlock", pthread_mutex_unlock(&sh->m));
	if (how == 2)
		wait_report("owner", p);

	/* The next child can lock it normally. */
	p = xfork();
	if (p == 0) {
		int e = pthread_mutex_lock(&sh->m);
		if (e == 0)
			pthread_mutex_unlock(&sh->m);
		_exit(e);
	}
	wait_report("next child lock (exit code = error number)", p);
	munmap(sh, sizeof *sh);
}

int main(void)
{
	scenario("owner _exit()s holding the lock", 0, 0);
	scenario("owner SIGKILLed holding the lock", 0, 1);
	scenario("parent blocked in lock while owner exits", 0, 2);
	scenario("PI: owner _exit()s holding the lock", 1, 0);
	scenario("PI: owner SIGKILLed holding the lock", 1, 1);
	scenario("PI: parent blocked in lock while owner exits", 1, 2);
	return 0;
}
