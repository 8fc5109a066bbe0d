/* execve failures: ENOENT, EACCES, ENOEXEC, ENOTDIR, EFAULT, ELOOP. */
#include "common.h"

static void try_exec(const char *label, const char *path)
{
	char *argv[] = { "x", NULL };
	char *envp[] = { NULL };
	errno = 0;
	int r = execve(path, argv, envp);
	printf("%s: returned %d errno %s\n", label, r, errname(errno));
}

int main(void)
{
	make_tmpdir();
	try_exec("missing file", tpath("nope"));
	try_exec("missing dir component", tpath("nodir/x"));
	write_file(tpath("plain"), "just text\n", 0644);
	try_exec("mode 0644 file", tpath("plain"));
	write_file(tpath("garbage"), "\x01\x02\x03 this is not an executable format\n", 0755);
	try_exec("executable garbage", tpath("garbage"));
	write_file(tpath("empty"), "", 0755);
	try_exec("empty executable file", tpath("empty"));
	try_exec("path through regular file", tpath("plain/x"));
	try_exec("directory", tuml_tmpdir);
	try_exec("empty path", "");
	CHECK(symlink("loop2", tpath("loop1")) == 0);
	CHECK(symlink("loop1", tpath("loop2")) == 0);
	try_exec("symlink loop", tpath("loop1"));
	CHECK(symlink("/bin/true", tpath("link-to-true")) == 0);
	/* Truncated ELF: valid magic, nothing else. */
	write_file(tpath("badelf"), "\x7f" "ELF", 0755);
	try_exec("truncated ELF", tpath("badelf"));
	CHECK(mkfifo(tpath("fifo"), 0755) == 0);
	try_exec("fifo", tpath("fifo"));

	char *argv[] = { "x", NULL };
	errno = 0;
	const char *volatile badptr = (const char *)1;
	int r = execve(badptr, argv, NULL);
	printf("bad path pointer: returned %d errno %s\n", r, errname(errno));

	/* A successful exec through a symlink, in a child. */
	pid_t p = xfork();
	if (p == 0) {
		char *envp[] = { NULL };
		execve(tpath("link-to-true"), argv, envp);
		_exit(127);
	}
	wait_report("exec via symlink to /bin/true", p);

	/* The failed execs did not disturb the process: still running here. */
	printf("still alive after failed execs: yes\n");
	return 0;
}
