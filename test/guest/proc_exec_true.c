/* execve of system binaries: /bin/true, /bin/false, sh -c, execvp PATH search. */
#include "common.h"

static int run(const char *label, const char *path, char *const argv[], int use_path)
{
	pid_t p = xfork();
	if (p == 0) {
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		if (use_path)
			execvp(path, argv);
		else
			execve(path, argv, envp);
		_exit(126);
	}
	return wait_report(label, p);
}

int main(void)
{
	char *t[] = { "true", NULL };
	char *f[] = { "false", NULL };
	run("execve /bin/true", "/bin/true", t, 0);
	run("execve /bin/false", "/bin/false", f, 0);
	run("execve /usr/bin/true", "/usr/bin/true", t, 0);
	run("execvp true", "true", t, 1);
	char *sh1[] = { "sh", "-c", "exit 23", NULL };
	run("sh -c 'exit 23'", "/bin/sh", sh1, 0);
	char *sh2[] = { "sh", "-c", "echo hello from sh; echo \"args: $# $1 $2\"", "zero", "one", "two", NULL };
	run("sh -c echo", "/bin/sh", sh2, 0);
	char *sh3[] = { "sh", "-c", "kill -TERM $$", NULL };
	run("sh kills itself with SIGTERM", "/bin/sh", sh3, 0);
	char *sh4[] = { "sh", "-c", "(exit 3); echo sub=$?; true | false; echo pipe=$?", NULL };
	run("sh subshell and pipeline", "/bin/sh", sh4, 0);
	char *echo[] = { "echo", "-n", "no newline", NULL };
	run("/bin/echo -n", "/bin/echo", echo, 0);
	printf("\n");
	char *cat[] = { "cat", "/proc/self/comm", NULL };
	run("cat /proc/self/comm", "/bin/cat", cat, 0);

	/* exec in the main process itself: successful exec never returns;
	 * do it in a child whose image becomes /bin/sh printing something. */
	pid_t p = xfork();
	if (p == 0) {
		char *a[] = { "sh", "-c", "echo exec replaced image", NULL };
		execv("/bin/sh", a);
		_exit(1);
	}
	wait_report("execv", p);
	return 0;
}
