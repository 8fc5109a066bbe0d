/* execve of #! scripts written into a temp dir, interpreter arguments. */
#include "common.h"

static void run(const char *label, const char *path, char *const argv[])
{
	pid_t p = xfork();
	if (p == 0) {
		char *envp[] = { "PATH=/usr/bin:/bin", "GREETING=hi", NULL };
		execve(path, argv, envp);
		printf("%s: execve failed: %s\n", label, errname(errno));
		_exit(126);
	}
	wait_report(label, p);
}

int main(void)
{
	make_tmpdir();
	write_file(tpath("s1.sh"),
		   "#!/bin/sh\n"
		   "echo \"script: \\$0 basename=$(basename \"$0\") argc=$#\"\n"
		   "for a in \"$@\"; do echo \"arg=[$a]\"; done\n"
		   "echo \"GREETING=$GREETING\"\n"
		   "exit 5\n", 0755);
	char *a1[] = { "ignored-argv0", "one", "two words", "", NULL };
	run("simple script", tpath("s1.sh"), a1);

	/* Interpreter with an argument: "#!/bin/sh -e" */
	write_file(tpath("s2.sh"), "#!/bin/sh -e\necho before\nfalse\necho not reached\n", 0755);
	char *a2[] = { "s2", NULL };
	run("script with interpreter arg -e", tpath("s2.sh"), a2);

	/* Whitespace after #! and trailing spaces. */
	write_file(tpath("s3.sh"), "#!   /bin/sh   \necho spaced shebang ok\n", 0755);
	char *a3[] = { "s3", NULL };
	run("spaces around interpreter", tpath("s3.sh"), a3);

	/* Script whose interpreter is another script (nested #!). */
	write_file(tpath("interp.sh"), "#!/bin/sh\necho \"interp got $# args\"; exit 0\n", 0755);
	char line[PATH_MAX + 16];
	snprintf(line, sizeof line, "#!%s\nthis is not run\n", tpath("interp.sh"));
	write_file(tpath("s4"), line, 0755);
	char *a4[] = { "s4", "x", NULL };
	run("nested interpreter script", tpath("s4"), a4);

	/* Missing interpreter -> ENOENT */
	write_file(tpath("s5"), "#!/nonexistent/interp\n", 0755);
	char *a5[] = { "s5", NULL };
	run("missing interpreter", tpath("s5"), a5);

	/* Script without exec permission -> EACCES */
	write_file(tpath("s6"), "#!/bin/sh\necho no\n", 0644);
	char *a6[] = { "s6", NULL };
	run("script mode 0644", tpath("s6"), a6);

	/* Awk as interpreter with -f semantics. */
	write_file(tpath("s7.awk"), "#!/usr/bin/awk -f\nBEGIN { print \"awk says\", ARGV[1]; exit 2 }\n", 0755);
	char *a7[] = { "s7", "param", NULL };
	run("awk -f script", tpath("s7.awk"), a7);

	/* Relative path exec after chdir. */
	CHECK(chdir(tuml_tmpdir) == 0);
	char *a8[] = { "./s3.sh", NULL };
	run("relative ./s3.sh", "./s3.sh", a8);
	CHECK(chdir("/") == 0);
	return 0;
}
