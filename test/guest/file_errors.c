/* Common error paths: EBADF, EISDIR, ENOTDIR, ENOENT, ESPIPE, EFAULT,
 * ENAMETOOLONG, EINVAL, EEXIST on the basic fd syscalls. */
#include "common.h"
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>

static int ioctl_tcgets_probe(int fd)
{
	struct termios t;
	return ioctl(fd, TCGETS, &t);
}

int main(void)
{
	make_tmpdir();
	char buf[16];
	write_file(tpath("f"), "hello", 0644);
	mkdir(tpath("d"), 0755);

	TRY("read on bad fd", read(999, buf, 1));
	TRY("read on fd -1", read(-1, buf, 1));
	TRY("write on bad fd", write(999, "x", 1));
	TRY("close bad fd", close(999));
	TRY("fstat bad fd", fstat(999, &(struct stat){ 0 }));
	TRY("lseek bad fd", lseek(999, 0, SEEK_SET));

	int ro = open(tpath("f"), O_RDONLY);
	int wo = open(tpath("f"), O_WRONLY);
	TRY("write to O_RDONLY fd", write(ro, "x", 1));
	TRY("read from O_WRONLY fd", read(wo, buf, 1));
	TRY("pwrite to O_RDONLY fd", pwrite(ro, "x", 1, 0));
	struct iovec v = { buf, 1 };
	TRY("readv from O_WRONLY fd", readv(wo, &v, 1));

	int dfd = open(tpath("d"), O_RDONLY);
	TRY("read on a directory fd", read(dfd, buf, sizeof buf));
	TRY("write on a directory fd", write(dfd, "x", 1));
	TRY("open dir for writing", open(tpath("d"), O_WRONLY));
	TRY("open ENOENT", open(tpath("nope"), O_RDONLY));
	TRY("open ENOTDIR", open(tpath("f/sub"), O_RDONLY));
	TRY("open EEXIST", open(tpath("f"), O_CREAT | O_EXCL | O_WRONLY, 0644));
	TRY("open EFAULT", open((const char *)16, O_RDONLY));
	char longname[NAME_MAX + 2];
	memset(longname, 'x', sizeof longname);
	longname[sizeof longname - 1] = 0;
	TRY("open component > NAME_MAX", open(tpath(longname), O_RDONLY));
	TRY("open bad flags O_CREAT|O_DIRECTORY", open(tpath("zz"), O_CREAT | O_DIRECTORY | O_RDWR, 0644));

	int p[2];
	pipe(p);
	TRY("lseek on pipe", lseek(p[0], 0, SEEK_CUR));
	TRY("pread on pipe", pread(p[0], buf, 1, 0));
	TRY("pwrite on pipe", pwrite(p[1], "x", 1, 0));
	void *volatile bad = (void *)16;
	TRY("read into unmapped buffer", read(ro, bad, 4));
	TRY("write from unmapped buffer", write(wo, bad, 4));
	TRY("write to pipe from unmapped buffer", write(p[1], bad, 4));

	TRY("unlink ENOENT", unlink(tpath("nope")));
	TRY("unlink EISDIR", unlink(tpath("d")));
	TRY("rmdir ENOTDIR", rmdir(tpath("f")));
	TRY("mkdir EEXIST", mkdir(tpath("f"), 0755));
	TRY("chdir ENOTDIR", chdir(tpath("f")));
	TRY("readlink EINVAL", readlink(tpath("f"), buf, sizeof buf));
	TRY("dup2 bad oldfd", dup2(999, 50));
	TRY("dup2 negative newfd", dup2(ro, -1));
	TRY("fcntl bad fd", fcntl(999, F_GETFL));
	TRY("ioctl TCGETS on file", ioctl_tcgets_probe(ro));
	return 0;
}
