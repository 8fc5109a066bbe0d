/* argv and envp passing through execve (re-exec of /proc/self/exe). */
#include "common.h"

extern char **environ;

static int child_main(int argc, char **argv)
{
	printf("child argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] len=%zu [%.40s]\n", i, strlen(argv[i]), argv[i]);
	printf("argv[argc]==NULL: %s\n", yesno(argv[argc] == NULL));
	int n = 0;
	for (char **e = environ; *e; e++, n++)
		printf("env[%d] len=%zu [%.40s]\n", n, strlen(*e), *e);
	printf("getenv(FOO)=%s\n", getenv("FOO") ? getenv("FOO") : "(null)");
	printf("getenv(EMPTY) is empty string: %s\n", yesno(getenv("EMPTY") && !*getenv("EMPTY")));
	printf("getenv(MISSING) NULL: %s\n", yesno(getenv("MISSING") == NULL));
	return argc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child"))
		return child_main(argc, argv);

	static char big[100000];
	memset(big, 'x', sizeof big - 1);
	static char bigenv[50008];
	strcpy(bigenv, "BIG=");
	memset(bigenv + 4, 'y', 50000);

	char *cargv[] = { "argv0-name", "--child", "plain", "with space", "", "tab\there",
			  "quote\"s'", "utf8-\xc3\xa9", big, NULL };
	char *cenvp[] = { "FOO=bar", "EMPTY=", "NOEQUALS", "A=B=C", bigenv, NULL };
	pid_t p = xfork();
	if (p == 0) {
		execve("/proc/self/exe", cargv, cenvp);
		printf("execve failed: %s\n", errname(errno));
		_exit(127);
	}
	wait_report("child with many args", p);

	/* Empty environment. */
	char *cargv2[] = { "x", "--child", NULL };
	char *cenvp2[] = { NULL };
	p = xfork();
	if (p == 0) {
		execve("/proc/self/exe", cargv2, cenvp2);
		_exit(127);
	}
	wait_report("child with empty env", p);

	/* Argument list too long: a single argument longer than MAX_ARG_STRLEN. */
	static char huge[131072 + 10];
	memset(huge, 'z', sizeof huge - 1);
	char *cargv3[] = { "x", "--child", huge, NULL };
	p = xfork();
	if (p == 0) {
		execve("/proc/self/exe", cargv3, cenvp2);
		printf("execve huge arg: %s\n", errname(errno));
		_exit(0);
	}
	wait_report("child with 128KiB argument", p);

	/* A different program gets the arguments too. */
	p = xfork();
	if (p == 0) {
		char *sh_env[] = { NULL };
		char *a[] = { "sh", "-c", "echo args=$#", NULL };
		execve("/bin/sh", a, sh_env);
		_exit(127);
	}
	wait_report("sh echo args", p);
	return 0;
}
