/* mkdir/rmdir/unlink/rename/link/symlink/readlink and their errors. */
#include "common.h"

int main(void)
{
	umask(022);
	make_tmpdir();
	CHECK(chdir(tuml_tmpdir) == 0);
	TRY("mkdir d", mkdir("d", 0755));
	TRY("mkdir d again", mkdir("d", 0755));
	TRY("mkdir missing/parent", mkdir("missing/x", 0755));
	TRY("mkdir d/sub", mkdir("d/sub", 0700));
	TRY("mkdir with trailing slash", mkdir("e/", 0755));
	TRY("rmdir non-empty d", rmdir("d"));
	TRY("rmdir d/sub", rmdir("d/sub"));
	TRY("rmdir d/sub again", rmdir("d/sub"));
	TRY("rmdir .", rmdir("d/."));
	TRY("rmdir ..", rmdir("d/.."));
	write_file("file", "content", 0644);
	TRY("rmdir on a file", rmdir("file"));
	TRY("unlink a directory", unlink("d"));
	TRY("mkdir over a file", mkdir("file", 0755));
	TRY("mkdir under a file", mkdir("file/x", 0755));

	TRY("link file hard", link("file", "hard"));
	TRY("link onto existing", link("file", "hard"));
	TRY("link a directory", link("d", "dlink"));
	TRY("link missing source", link("nope", "x"));
	TRY("unlink hard", unlink("hard"));
	TRY("unlink missing", unlink("hard"));

	TRY("symlink", symlink("file", "sl"));
	TRY("symlink existing name", symlink("file", "sl"));
	TRY("symlink with empty target", symlink("", "empty-target"));
	char buf[256];
	ssize_t n = readlink("sl", buf, sizeof buf);
	printf("readlink: %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	n = readlink("sl", buf, 2);
	printf("readlink truncated to 2: %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	TRY("readlink on a regular file", readlink("file", buf, sizeof buf));
	TRY("readlink missing", readlink("nope", buf, sizeof buf));
	TRY("readlink bufsiz 0", readlink("sl", buf, 0));
	symlink("/very/long/absolute/target/path", "abs");
	n = readlinkat(AT_FDCWD, "abs", buf, sizeof buf);
	printf("readlinkat absolute: %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	symlink("loop-b", "loop-a");
	symlink("loop-a", "loop-b");
	TRY("open symlink loop", open("loop-a", O_RDONLY));
	TRY("unlink symlink (not target)", unlink("sl"));
	struct stat st;
	printf("target still exists: %s\n", yesno(stat("file", &st) == 0));
	symlink("d", "dir-link");
	TRY("rmdir symlink to dir", rmdir("dir-link"));
	TRY("mkdir through symlink path", mkdir("dir-link/inner", 0755));
	printf("created in target dir: %s\n", yesno(stat("d/inner", &st) == 0 && S_ISDIR(st.st_mode)));

	/* rename */
	TRY("rename file -> file2", rename("file", "file2"));
	TRY("rename missing", rename("file", "file3"));
	write_file("other", "other", 0644);
	TRY("rename over existing file", rename("other", "file2"));
	n = slurp("file2", buf, sizeof buf);
	printf("file2 now: [%s]\n", buf);
	TRY("rename file over directory", rename("file2", "d"));
	mkdir("d2", 0755);
	TRY("rename dir over empty dir", rename("d2", "d3") == 0 ? rename("d3", "d/inner") : -1);
	mkdir("d4", 0755);
	TRY("rename dir over non-empty dir", rename("d4", "d"));
	TRY("rename dir over file", rename("d4", "file2"));
	TRY("rename dir into itself", rename("d", "d/inner/x"));
	TRY("rename to same name", rename("file2", "file2"));
	link("file2", "file2-hard");
	TRY("rename onto own hard link (no-op)", rename("file2", "file2-hard"));
	printf("both names remain: %s\n", yesno(stat("file2", &st) == 0 && stat("file2-hard", &st) == 0));
	TRY("rename symlink", rename("abs", "abs2"));
	n = readlink("abs2", buf, sizeof buf);
	printf("renamed symlink target kept: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
	TRY("rename . ", rename(".", "x"));
	TRY("rename with trailing slash on file", rename("file2/", "y"));

	/* unlink an open file: data stays readable */
	int fd = open("file2", O_RDONLY);
	unlink("file2");
	unlink("file2-hard");
	memset(buf, 0, sizeof buf);
	n = read(fd, buf, sizeof buf);
	printf("read from unlinked file: %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);

	/* names */
	char longname[300];
	memset(longname, 'n', sizeof longname);
	longname[299] = 0;
	TRY("mkdir with 299-char name", mkdir(longname, 0755));
	longname[255] = 0;
	TRY("mkdir with 255-char name", mkdir(longname, 0755));
	TRY("rmdir it", rmdir(longname));
	TRY("mkdir empty name", mkdir("", 0755));
	CHECK(chdir("/") == 0);
	return 0;
}
