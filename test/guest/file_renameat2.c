/* renameat/renameat2: RENAME_NOREPLACE, RENAME_EXCHANGE, dirfd-relative. */
#include "common.h"
#include <sys/syscall.h>

static long renameat2_(int od, const char *o, int nd, const char *n, unsigned fl)
{
	return syscall(SYS_renameat2, od, o, nd, n, fl);
}

static void show(const char *name)
{
	char buf[64];
	ssize_t n = slurp(tpath(name), buf, sizeof buf);
	if (n < 0)
		printf("  %s: missing\n", name);
	else
		printf("  %s: [%s]\n", name, buf);
}

int main(void)
{
	make_tmpdir();
	int dfd = open(tuml_tmpdir, O_RDONLY | O_DIRECTORY);
	write_file(tpath("a"), "A", 0644);
	write_file(tpath("b"), "B", 0644);
	TRY("RENAME_NOREPLACE onto existing", renameat2_(dfd, "a", dfd, "b", RENAME_NOREPLACE));
	show("a");
	show("b");
	TRY("RENAME_NOREPLACE to new name", renameat2_(dfd, "a", dfd, "c", RENAME_NOREPLACE));
	show("a");
	show("c");
	TRY("RENAME_EXCHANGE b <-> c", renameat2_(dfd, "b", dfd, "c", RENAME_EXCHANGE));
	show("b");
	show("c");
	TRY("RENAME_EXCHANGE with missing target", renameat2_(dfd, "b", dfd, "zz", RENAME_EXCHANGE));
	TRY("NOREPLACE|EXCHANGE together", renameat2_(dfd, "b", dfd, "c", RENAME_NOREPLACE | RENAME_EXCHANGE));
	TRY("unknown flag", renameat2_(dfd, "b", dfd, "c", 0x100));

	/* exchange a directory with a file */
	mkdir(tpath("dir"), 0755);
	write_file(tpath("dir/inside"), "I", 0644);
	TRY("RENAME_EXCHANGE dir <-> file", renameat2_(dfd, "dir", dfd, "b", RENAME_EXCHANGE));
	struct stat st;
	stat(tpath("b"), &st);
	printf("b is now a %s, ", ftype(st.st_mode));
	stat(tpath("dir"), &st);
	printf("dir is now a %s\n", ftype(st.st_mode));
	show("b/inside");
	show("dir");

	/* renameat across directory fds */
	mkdir(tpath("x"), 0755);
	mkdir(tpath("y"), 0755);
	int xfd = open(tpath("x"), O_RDONLY | O_DIRECTORY);
	int yfd = open(tpath("y"), O_RDONLY | O_DIRECTORY);
	write_file(tpath("x/moving"), "M", 0644);
	TRY("renameat x/moving -> y/moved", renameat(xfd, "moving", yfd, "moved"));
	show("x/moving");
	show("y/moved");
	TRY("renameat with flags 0 via renameat2", renameat2_(yfd, "moved", AT_FDCWD, tpath("top"), 0));
	show("top");
	TRY("renameat file-fd as dirfd", renameat(open(tpath("top"), O_RDONLY), "a", dfd, "q"));
	TRY("renameat bad dirfd", renameat(999, "a", dfd, "q"));
	return 0;
}
