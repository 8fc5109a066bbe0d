/* Process exit with threads: exit() from a thread, pthread_exit() from main,
 * exec from a non-main thread, _exit vs exit_group. */
#include "common.h"
#include <pthread.h>
#include <sys/syscall.h>

static void *exiter(void *arg)
{
	msleep(10);
	exit((int)(long)arg);
}

static void *blocker(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *late_writer(void *arg)
{
	(void)arg;
	msleep(30);
	printf("last thread still ran after main's pthread_exit\n");
	return NULL; /* last thread exits -> process exits 0 */
}

static void *thread_exec(void *arg)
{
	(void)arg;
	char *a[] = { "sh", "-c", "echo exec from thread: $#; exit 12", NULL };
	execv("/bin/sh", a);
	return NULL;
}

static void *thread_sys_exit(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 77); /* only this thread exits */
	return NULL;
}

int main(void)
{
	pid_t p = xfork();
	if (p == 0) {
		pthread_t t1, t2;
		pthread_create(&t2, NULL, blocker, NULL);
		pthread_create(&t1, NULL, exiter, (void *)33L);
		for (;;)
			pause();
	}
	wait_report("exit(33) from a thread while others block", p);

	p = xfork();
	if (p == 0) {
		pthread_t t;
		pthread_create(&t, NULL, late_writer, NULL);
		pthread_exit(NULL);
	}
	wait_report("main pthread_exit, other thread returns", p);

	p = xfork();
	if (p == 0) {
		pthread_t t, b;
		pthread_create(&b, NULL, blocker, NULL);
		pthread_create(&t, NULL, thread_exec, NULL);
		for (;;)
			pause();
	}
	wait_report("execve from a non-main thread", p);

	p = xfork();
	if (p == 0) {
		pthread_t t;
		pthread_create(&t, NULL, thread_sys_exit, NULL);
		pthread_join(t, NULL);
		printf("raw SYS_exit in thread: process continues\n");
		_exit(4);
	}
	wait_report("raw SYS_exit in thread", p);

	p = xfork();
	if (p == 0) {
		pthread_t b;
		pthread_create(&b, NULL, blocker, NULL);
		syscall(SYS_exit_group, 19);
		_exit(1);
	}
	wait_report("exit_group(19) with a blocked thread", p);

	p = xfork();
	if (p == 0) {
		pthread_t b;
		pthread_create(&b, NULL, blocker, NULL);
		msleep(5);
		kill(getpid(), SIGTERM);
		for (;;)
			pause();
	}
	wait_report("SIGTERM to multithreaded process", p);
	return 0;
}
