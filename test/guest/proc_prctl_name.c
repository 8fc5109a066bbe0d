/* prctl PR_SET_NAME / PR_GET_NAME, /proc comm files, thread names. */
#include "common.h"
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static pthread_barrier_t bar;

static void *thr(void *arg)
{
	(void)arg;
	CHECK(prctl(PR_SET_NAME, "worker-thread", 0, 0, 0) == 0);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	return NULL;
}

static void show_comm(const char *label, const char *path)
{
	char buf[64];
	ssize_t n = slurp(path, buf, sizeof buf);
	printf("%s: %s", label, n > 0 ? buf : "(unreadable)\n");
}

int main(int argc, char **argv)
{
	(void)argc;
	char name[32] = { 0 };
	CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0);
	printf("initial name == basename(argv[0]) truncated: %s\n",
	       yesno(!strncmp(name, basename_of(argv[0]), 15)));
	TRY("PR_SET_NAME short", prctl(PR_SET_NAME, "tuml-test", 0, 0, 0));
	memset(name, 0, sizeof name);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	printf("PR_GET_NAME: [%s]\n", name);
	show_comm("/proc/self/comm", "/proc/self/comm");

	TRY("PR_SET_NAME long", prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz", 0, 0, 0));
	memset(name, 0, sizeof name);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	printf("PR_GET_NAME truncated to 15: [%s] len=%zu\n", name, strlen(name));
	show_comm("/proc/self/comm", "/proc/self/comm");

	/* writing /proc/self/comm also renames */
	int fd = open("/proc/self/comm", O_WRONLY);
	TRY("open /proc/self/comm for writing", fd);
	if (fd >= 0) {
		TRYV("write comm", write(fd, "via-proc", 8));
		close(fd);
	}
	memset(name, 0, sizeof name);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	printf("after write: [%s]\n", name);

	/* Thread names are per thread. */
	pthread_barrier_init(&bar, NULL, 2);
	pthread_t t;
	pthread_create(&t, NULL, thr, NULL);
	pthread_barrier_wait(&bar);
	char tname[32] = { 0 };
	pthread_getname_np(t, tname, sizeof tname);
	printf("thread name via pthread_getname_np: [%s]\n", tname);
	memset(name, 0, sizeof name);
	prctl(PR_GET_NAME, name, 0, 0, 0);
	printf("main name unchanged: [%s]\n", name);
	TRYP("pthread_setname_np", pthread_setname_np(t, "renamed"));
	pthread_getname_np(t, tname, sizeof tname);
	printf("thread renamed: [%s]\n", tname);
	TRYP("pthread_setname_np too long", pthread_setname_np(t, "0123456789abcdefXYZ"));
	pthread_barrier_wait(&bar);
	pthread_join(t, NULL);

	/* fork keeps the name; exec resets it to the new program's basename. */
	pid_t p = xfork();
	if (p == 0) {
		show_comm("child comm", "/proc/self/comm");
		char *a[] = { "cat", "/proc/self/comm", NULL };
		execv("/bin/cat", a);
		_exit(127);
	}
	wait_report("child", p);
	return 0;
}
