/* lseek: SEEK_SET/CUR/END, past EOF holes reading as zeros, negative
 * offsets, SEEK_DATA/SEEK_HOLE on simple files, lseek on directories. */
#include "common.h"

int main(void)
{
	make_tmpdir();
	int fd = open(tpath("f"), O_RDWR | O_CREAT, 0644);
	write_all(fd, "0123456789", 10);
	TRYV("SEEK_SET 3", lseek(fd, 3, SEEK_SET));
	char c;
	read(fd, &c, 1);
	printf("read after SEEK_SET 3: %c\n", c);
	TRYV("SEEK_CUR +2", lseek(fd, 2, SEEK_CUR));
	TRYV("SEEK_CUR -4", lseek(fd, -4, SEEK_CUR));
	TRYV("SEEK_CUR 0 (tell)", lseek(fd, 0, SEEK_CUR));
	TRYV("SEEK_END 0", lseek(fd, 0, SEEK_END));
	TRYV("SEEK_END -3", lseek(fd, -3, SEEK_END));
	read(fd, &c, 1);
	printf("read after SEEK_END -3: %c\n", c);
	TRY("SEEK_SET -1", lseek(fd, -1, SEEK_SET));
	TRY("SEEK_CUR to negative", lseek(fd, -100, SEEK_CUR));
	TRYV("offset unchanged after failure", lseek(fd, 0, SEEK_CUR));
	TRY("bad whence", lseek(fd, 0, 42));

	/* Seek past EOF and write: a hole that reads as zeros. */
	TRYV("SEEK_SET 100000", lseek(fd, 100000, SEEK_SET));
	struct stat st;
	fstat(fd, &st);
	printf("size unchanged by seek: %ld\n", (long)st.st_size);
	write_all(fd, "end", 3);
	fstat(fd, &st);
	printf("size after write past EOF: %ld\n", (long)st.st_size);
	static char buf[100003];
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read_full(fd, buf, sizeof buf);
	int zeros = 1;
	for (int i = 10; i < 100000; i++)
		if (buf[i])
			zeros = 0;
	printf("read %zd bytes, gap is zeros: %s, tail: %.3s\n", n, yesno(zeros), buf + 100000);
	TRYV("read at EOF", read(fd, buf, 10));

	/* SEEK_DATA / SEEK_HOLE on a file without holes. */
	int g = open(tpath("g"), O_RDWR | O_CREAT, 0644);
	write_all(g, "abcdefgh", 8);
	TRYV("SEEK_DATA 0", lseek(g, 0, SEEK_DATA));
	TRYV("SEEK_DATA 5", lseek(g, 5, SEEK_DATA));
	TRYV("SEEK_HOLE 0 (end of file)", lseek(g, 0, SEEK_HOLE));
	TRY("SEEK_DATA at EOF", lseek(g, 8, SEEK_DATA));
	TRY("SEEK_HOLE beyond EOF", lseek(g, 100, SEEK_HOLE));
	int e = open(tpath("empty"), O_RDWR | O_CREAT, 0644);
	TRY("SEEK_DATA on empty file", lseek(e, 0, SEEK_DATA));
	TRY("SEEK_HOLE on empty file", lseek(e, 0, SEEK_HOLE));

	/* Large offsets. */
	TRYV("SEEK_SET 2^40", lseek(e, 1LL << 40, SEEK_SET));
	TRY("SEEK_CUR overflow", lseek(e, 0x7fffffffffffffffLL, SEEK_CUR));

	/* Directories: lseek 0 is allowed (rewind). */
	int d = open(tuml_tmpdir, O_RDONLY | O_DIRECTORY);
	TRYV("lseek(dir, 0, SEEK_SET)", lseek(d, 0, SEEK_SET));
	/* Character devices: /dev/null seeks always succeed with 0. */
	int dn = open("/dev/null", O_RDWR);
	TRYV("lseek /dev/null SEEK_SET 123", lseek(dn, 123, SEEK_SET));
	TRYV("lseek /dev/null SEEK_END", lseek(dn, 0, SEEK_END));
	int p[2];
	pipe(p);
	TRY("lseek pipe", lseek(p[0], 0, SEEK_CUR));
	return 0;
}
