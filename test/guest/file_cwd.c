/* chdir/fchdir/getcwd relative to a temp dir; .., symlinked dirs, errors,
 * cwd of a removed directory, cwd inherited by children. */
#include "common.h"

static void pwd(const char *label)
{
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof buf))
		printf("%s: getcwd %s\n", label, errname(errno));
	else
		printf("%s: %s\n", label, rel(buf));
}

int main(void)
{
	make_tmpdir();
	/* resolve the temp dir's real path (e.g. if /tmp is a symlink) */
	char real[PATH_MAX];
	CHECK(realpath(tuml_tmpdir, real) != NULL);
	CHECK(strlen(real) < sizeof tuml_tmpdir);
	memcpy(tuml_tmpdir, real, strlen(real) + 1);
	mkdir(tpath("a"), 0755);
	mkdir(tpath("a/b"), 0755);
	mkdir(tpath("a/b/c"), 0755);
	symlink("a/b", tpath("shortcut"));
	write_file(tpath("file"), "x", 0644);

	TRY("chdir tmp", chdir(tuml_tmpdir));
	pwd("cwd");
	TRY("chdir a/b/c", chdir("a/b/c"));
	pwd("cwd");
	TRY("chdir ..", chdir(".."));
	pwd("cwd");
	TRY("chdir ../..", chdir("../.."));
	pwd("cwd");
	TRY("chdir shortcut (symlink)", chdir("shortcut"));
	pwd("cwd resolves the symlink");
	TRY("chdir .", chdir("."));
	pwd("cwd");
	TRY("chdir missing", chdir("missing"));
	TRY("chdir to a file", chdir(tpath("file")));
	TRY("chdir empty string", chdir(""));
	pwd("cwd unchanged after failures");

	int fd = open(tpath("a"), O_RDONLY | O_DIRECTORY);
	TRY("fchdir", fchdir(fd));
	pwd("after fchdir");
	int ffd = open(tpath("file"), O_RDONLY);
	TRY("fchdir on a file fd", fchdir(ffd));
	TRY("fchdir bad fd", fchdir(999));
	int pfd = open(tpath("a/b"), O_PATH);
	TRY("fchdir on O_PATH dir fd", fchdir(pfd));
	pwd("after fchdir O_PATH");

	char small[4];
	char *r = getcwd(small, sizeof small);
	printf("getcwd tiny buffer: %s %s\n", r ? "ok" : "NULL", r ? "" : errname(errno));
	r = getcwd(small, 0);
	printf("getcwd size 0 with buffer: %s %s\n", r ? "ok" : "NULL", r ? "" : errname(errno));
	char *dyn = getcwd(NULL, 0);
	printf("getcwd(NULL, 0) allocates: %s\n", dyn ? rel(dyn) : errname(errno));
	free(dyn);

	/* relative opens use the cwd */
	chdir(tuml_tmpdir);
	int rfd = open("a/b/../../file", O_RDONLY);
	TRY("open relative path with ..", rfd);

	/* child inherits cwd; child's chdir doesn't affect parent */
	pid_t p = xfork();
	if (p == 0) {
		pwd("child inherited");
		chdir("a");
		pwd("child after chdir");
		_exit(0);
	}
	wait_report("child", p);
	pwd("parent unchanged");

	/* cwd removed under us */
	mkdir(tpath("doomed"), 0755);
	chdir(tpath("doomed"));
	rmdir(tpath("doomed"));
	char buf[PATH_MAX];
	r = getcwd(buf, sizeof buf);
	printf("getcwd in removed dir: %s\n", r ? "succeeded" : errname(errno));
	TRY("create file in removed cwd", open("x", O_CREAT | O_WRONLY, 0644));
	TRY("chdir .. from removed dir", chdir(".."));
	pwd("after ..");
	chdir("/");
	pwd("at root");
	TRY("chdir /..", chdir("/.."));
	pwd("still root");
	return 0;
}
