/*
 * fexecve of a memfd (as runc and self-extracting programs do): the program
 * has no name on any filesystem, so the kernel executes the open file itself.
 * Also execveat(fd, "", AT_EMPTY_PATH) of an ordinary file, a memfd holding a
 * script, and a memfd still open for writing (the host copy is the kernel's
 * business; Linux allows it for a memfd made without MFD_CLOEXEC too).
 */
#define _GNU_SOURCE
#include "common.h"
#include <sys/mman.h>
#include <sys/syscall.h>

static int copy_self(int cloexec)
{
	int src = open("/proc/self/exe", O_RDONLY);
	int m = memfd_create("prog", cloexec ? MFD_CLOEXEC : 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(src, buf, sizeof buf)) > 0)
		if (write(m, buf, n) != n) return -1;
	close(src);
	return m;
}

static void child_report(void)
{
	char b[256];
	ssize_t n = readlink("/proc/self/exe", b, sizeof b - 1);
	b[n > 0 ? n : 0] = 0;
	printf("child: exe %s\n", b);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		child_report();
		return 7;
	}
	char *av[] = { "prog", "child", NULL };
	char *ev[] = { NULL };

	int m = copy_self(1);
	pid_t p = xfork();
	if (p == 0) { fexecve(m, av, ev); _exit(126); }
	wait_report("fexecve memfd", p);

	p = xfork();
	if (p == 0) {
		int fd = open("/proc/self/exe", O_RDONLY);
		syscall(SYS_execveat, fd, "", av, ev, AT_EMPTY_PATH);
		_exit(126);
	}
	wait_report("execveat AT_EMPTY_PATH file", p);

	int s = memfd_create("script", 0);
	const char *text = "#!/bin/sh\necho script from memfd: $0 $#\nexit 5\n";
	if (write(s, text, strlen(text)) < 0) return 1;
	p = xfork();
	if (p == 0) {
		char *sv[] = { "script", NULL };
		fexecve(s, sv, ev);
		printf("script fexecve: %s\n", strerror(errno));
		_exit(126);
	}
	wait_report("fexecve script memfd", p);

	errno = 0;
	p = xfork();
	if (p == 0) { execveat(m, "", av, ev, 0); printf("no AT_EMPTY_PATH: %s\n", strerror(errno)); _exit(1); }
	wait_report("execveat without AT_EMPTY_PATH", p);
	return 0;
}
