/* vfork(): parent suspended until child _exit/exec, shared memory. */
#include "common.h"
#include <spawn.h>

extern char **environ;

static volatile int shared_var = 1;

int main(void)
{
	fflush(stdout);
	pid_t p = vfork();
	if (p == 0) {
		shared_var = 2; /* visible to parent: vfork shares the address space */
		_exit(12);
	}
	CHECK(p > 0);
	printf("vfork child ran before parent resumed: %s\n", yesno(shared_var == 2));
	wait_report("vfork _exit(12)", p);

	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };
	p = vfork();
	if (p == 0) {
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	wait_report("vfork+execve /bin/true", p);

	char *argv2[] = { "false", NULL };
	p = vfork();
	if (p == 0) {
		execve("/bin/false", argv2, envp);
		_exit(127);
	}
	wait_report("vfork+execve /bin/false", p);

	p = vfork();
	if (p == 0) {
		execve("/nonexistent/program", argv, envp);
		_exit(errno == ENOENT ? 66 : 67);
	}
	wait_report("vfork+execve missing (66 = ENOENT)", p);

	/* posix_spawn uses CLONE_VM|CLONE_VFORK in glibc. */
	fflush(stdout);
	pid_t sp;
	int rc = 0;
	{
		char *a[] = { "sh", "-c", "exit 4", NULL };
		rc = posix_spawn(&sp, "/bin/sh", NULL, NULL, a, environ);
	}
	printf("posix_spawn: %s\n", rc ? errname(rc) : "ok");
	if (rc == 0)
		wait_report("posix_spawn sh -c 'exit 4'", sp);
	{
		char *a[] = { "x", NULL };
		rc = posix_spawn(&sp, "/nonexistent/x", NULL, NULL, a, environ);
		printf("posix_spawn missing: %s\n", rc ? errname(rc) : "ok");
		if (rc == 0)
			wait_report("posix_spawn missing child", sp);
	}
	return 0;
}
