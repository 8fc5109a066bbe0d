/* fcntl F_GETFD/F_SETFD/F_GETFL/F_SETFL: which flags change, per-fd vs
 * per-description state, O_APPEND behaviour, F_GETFL access modes. */
#include "common.h"

static void flags(const char *label, int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int acc = fl & O_ACCMODE;
	printf("%s: acc=%s%s%s%s\n", label, acc == O_RDONLY ? "RDONLY" : acc == O_WRONLY ? "WRONLY" : "RDWR",
	       fl & O_APPEND ? " APPEND" : "", fl & O_NONBLOCK ? " NONBLOCK" : "", fl & O_SYNC ? " SYNC" : "");
}

int main(void)
{
	make_tmpdir();
	const char *f = tpath("f");
	int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	printf("F_GETFD new fd: %d\n", fcntl(fd, F_GETFD));
	TRY("F_SETFD FD_CLOEXEC", fcntl(fd, F_SETFD, FD_CLOEXEC));
	printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
	TRY("F_SETFD 0", fcntl(fd, F_SETFD, 0));
	printf("F_GETFD: %d\n", fcntl(fd, F_GETFD));
	TRY("F_SETFD unknown bits", fcntl(fd, F_SETFD, 0xf0));
	printf("F_GETFD keeps only FD_CLOEXEC: %d\n", fcntl(fd, F_GETFD));
	fcntl(fd, F_SETFD, 0);

	flags("O_RDWR", fd);
	TRY("F_SETFL O_APPEND|O_NONBLOCK", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	flags("after", fd);
	TRY("F_SETFL O_RDONLY (access mode ignored)", fcntl(fd, F_SETFL, O_RDONLY));
	flags("after", fd);
	fcntl(fd, F_SETFL, O_APPEND);
	write_all(fd, "one", 3);
	lseek(fd, 0, SEEK_SET);
	write_all(fd, "two", 3); /* O_APPEND: still goes to the end */
	printf("O_APPEND file size: %ld, offset after write: %ld\n", (long)lseek(fd, 0, SEEK_END),
	       (long)lseek(fd, 0, SEEK_CUR));
	char buf[16] = { 0 };
	pread(fd, buf, sizeof buf - 1, 0);
	printf("content: %s\n", buf);
	TRYV("pwrite with O_APPEND (Linux appends)", pwrite(fd, "X", 1, 0));
	memset(buf, 0, sizeof buf);
	pread(fd, buf, sizeof buf - 1, 0);
	printf("content: %s\n", buf);

	/* FD flags are per fd; status flags are per open file description. */
	int d = dup(fd);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	printf("dup: FD_CLOEXEC not shared: %d\n", fcntl(d, F_GETFD));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	flags("dup after F_SETFL on original", d);
	int o2 = open(f, O_RDWR);
	flags("separate open", o2);

	int ro = open(f, O_RDONLY);
	int wo = open(f, O_WRONLY | O_APPEND);
	flags("O_RDONLY", ro);
	flags("O_WRONLY|O_APPEND", wo);
	int sy = open(f, O_WRONLY | O_SYNC);
	flags("O_WRONLY|O_SYNC", sy);
	int pa = open(f, O_PATH);
	printf("O_PATH F_GETFL has O_PATH: %s\n", yesno(fcntl(pa, F_GETFL) & O_PATH));
	TRY("read on O_PATH fd", read(pa, buf, 1));
	TRY("fcntl on closed fd", fcntl(999, F_GETFD));
	TRY("fcntl unknown cmd", fcntl(fd, 12345));
	TRY("F_GETOWN on file", fcntl(fd, F_GETOWN));
	return 0;
}
