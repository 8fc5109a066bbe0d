/* open flags (O_CREAT|O_EXCL, O_TRUNC, O_APPEND), read/write/pread/pwrite/
 * readv/writev/preadv/pwritev, offsets. */
#include "common.h"
#include <sys/uio.h>

int main(void)
{
	make_tmpdir();
	const char *f = tpath("data");
	int fd = open(f, O_RDWR | O_CREAT | O_EXCL, 0644);
	TRY("open O_CREAT|O_EXCL new", fd);
	TRY("open O_CREAT|O_EXCL existing", open(f, O_RDWR | O_CREAT | O_EXCL, 0644));
	TRY("open O_CREAT existing", open(f, O_RDWR | O_CREAT, 0644));
	TRY("open without O_CREAT missing", open(tpath("missing"), O_RDONLY));

	TRYV("write", write(fd, "Hello, world!\n", 14));
	printf("offset after write: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	char buf[64] = { 0 };
	TRYV("read at EOF", read(fd, buf, sizeof buf));
	TRYV("pread(5 @ 7)", pread(fd, buf, 5, 7));
	printf("pread data: [%.5s], offset unchanged: %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
	TRYV("pwrite(\"WORLD\" @ 7)", pwrite(fd, "WORLD", 5, 7));
	TRYV("pwrite beyond EOF @ 20", pwrite(fd, "tail", 4, 20));
	struct stat st;
	fstat(fd, &st);
	printf("size now: %ld\n", (long)st.st_size);
	memset(buf, 0, sizeof buf);
	TRYV("pread all", pread(fd, buf, sizeof buf, 0));
	printf("bytes:");
	for (int i = 0; i < 24; i++)
		printf(" %02x", (unsigned char)buf[i]);
	printf("\n");
	TRY("pread negative offset", pread(fd, buf, 1, -1));
	TRYV("read 0 bytes", read(fd, buf, 0));
	lseek(fd, 0, SEEK_SET);
	void *volatile badp = (void *)8;
	TRY("read into bad pointer", read(fd, badp, 4));

	/* writev / readv */
	lseek(fd, 0, SEEK_SET);
	struct iovec w[3] = { { "aaa", 3 }, { "", 0 }, { "bbbbb", 5 } };
	TRYV("writev", writev(fd, w, 3));
	lseek(fd, 0, SEEK_SET);
	char x[2], y[4], z[30];
	memset(z, 0, sizeof z);
	struct iovec r[3] = { { x, 2 }, { y, 4 }, { z, sizeof z } };
	TRYV("readv", readv(fd, r, 3));
	printf("readv: [%.2s] [%.4s] [%.6s]\n", x, y, z);
	struct iovec pw[2] = { { "P", 1 }, { "Q", 1 } };
	TRYV("pwritev @ 1", pwritev(fd, pw, 2, 1));
	struct iovec pr[1] = { { buf, 4 } };
	TRYV("preadv @ 0", preadv(fd, pr, 1, 0));
	printf("preadv: [%.4s]\n", buf);
	volatile int cnt = -1;
	TRY("writev iovcnt -1", writev(fd, w, cnt));
	cnt = 1025;
	TRY("writev iovcnt 1025", writev(fd, w, cnt));
	close(fd);

	/* O_TRUNC */
	fd = open(f, O_WRONLY | O_TRUNC);
	fstat(fd, &st);
	printf("O_TRUNC size: %ld\n", (long)st.st_size);
	close(fd);

	/* O_APPEND from two descriptors */
	int a1 = open(f, O_WRONLY | O_APPEND);
	int a2 = open(f, O_WRONLY | O_APPEND);
	write_all(a1, "1", 1);
	write_all(a2, "2", 1);
	write_all(a1, "3", 1);
	close(a1);
	close(a2);
	memset(buf, 0, sizeof buf);
	slurp(f, buf, sizeof buf);
	printf("O_APPEND from two fds: [%s]\n", buf);

	/* Without O_APPEND two descriptors overwrite each other. */
	int b1 = open(f, O_WRONLY);
	int b2 = open(f, O_WRONLY);
	write_all(b1, "xy", 2);
	write_all(b2, "Z", 1);
	close(b1);
	close(b2);
	memset(buf, 0, sizeof buf);
	slurp(f, buf, sizeof buf);
	printf("independent offsets: [%s]\n", buf);

	/* Reading a big file in odd chunk sizes */
	fd = open(tpath("big"), O_RDWR | O_CREAT, 0600);
	static char big[300000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7 + i / 251);
	write_all(fd, big, sizeof big);
	lseek(fd, 0, SEEK_SET);
	static char back[300000];
	size_t got = 0;
	ssize_t n;
	while ((n = read(fd, back + got, got % 3 ? 4093 : 65537)) > 0)
		got += (size_t)n;
	printf("big file round trip: %zu bytes, equal: %s\n", got, yesno(got == sizeof big && !memcmp(big, back, got)));
	close(fd);

	/* O_CREAT mode is subject to umask; O_CREAT on a dangling symlink creates the target. */
	umask(022);
	symlink("target-file", tpath("dangling"));
	fd = open(tpath("dangling"), O_WRONLY | O_CREAT, 0666);
	TRY("O_CREAT through dangling symlink", fd);
	struct stat ts;
	int sr = stat(tpath("target-file"), &ts);
	printf("target created: %s, mode %o\n", yesno(sr == 0), ts.st_mode & 07777);
	TRY("O_CREAT|O_EXCL on symlink", open(tpath("dangling"), O_WRONLY | O_CREAT | O_EXCL, 0666));
	return 0;
}
