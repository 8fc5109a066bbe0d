/* /proc/self/cmdline, /proc/self/environ, /proc/self/exe, /proc/self/comm
 * after re-exec with known argv/envp; /proc/<child>/cmdline. */
#include "common.h"

static void dump(const char *label, const char *path)
{
	char buf[4096];
	ssize_t n = slurp(path, buf, sizeof buf);
	printf("%s (%zd bytes):", label, n);
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == 0)
			printf("\\0");
		else
			putchar(buf[i]);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child")) {
		dump("cmdline", "/proc/self/cmdline");
		dump("environ", "/proc/self/environ");
		char buf[4096];
		ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = 0;
		printf("exe basename: %s\n", basename_of(buf));
		dump("comm", "/proc/self/comm");
		return 0;
	}
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("exe is absolute: %s, basename: %s\n", yesno(buf[0] == '/'), basename_of(buf));
	char real[4096];
	printf("exe == realpath(argv[0]): %s\n", yesno(realpath(argv[0], real) && !strcmp(real, buf)));
	n = slurp("/proc/self/cmdline", buf, sizeof buf);
	printf("own cmdline == argv joined with NULs: %s\n", yesno(n == (ssize_t)strlen(argv[0]) + 1 && !strcmp(buf, argv[0])));

	char *cargv[] = { "renamed-argv0", "--child", "two words", "", "last", NULL };
	char *cenvp[] = { "A=1", "B=two words", "EMPTY=", NULL };
	pid_t p = xfork();
	if (p == 0) {
		execve("/proc/self/exe", cargv, cenvp);
		_exit(127);
	}
	wait_report("re-exec", p);

	/* another process's cmdline, via a child blocked in read */
	int pp[2];
	pipe(pp);
	p = xfork();
	if (p == 0) {
		close(pp[1]);
		dup2(pp[0], 0);
		char *a[] = { "cat", "-", NULL };
		execv("/bin/cat", a);
		_exit(127);
	}
	close(pp[0]);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cmdline", p);
	for (int i = 0; i < 5000; i++) {
		if (slurp(path, buf, sizeof buf) > 0 && !strcmp(buf, "cat"))
			break;
		msleep(2);
	}
	dump("child cmdline", path);
	snprintf(path, sizeof path, "/proc/%d/exe", p);
	n = readlink(path, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("child exe basename: %s\n", basename_of(buf));
	close(pp[1]);
	wait_report("cat", p);
	return 0;
}
