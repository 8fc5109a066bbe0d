/* ftruncate/truncate: grow (zero fill), shrink, errors; fallocate; fsync. */
#include "common.h"

static long size_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

int main(void)
{
	make_tmpdir();
	const char *f = tpath("f");
	int fd = open(f, O_RDWR | O_CREAT, 0644);
	write_all(fd, "abcdefghij", 10);
	TRY("ftruncate 4", ftruncate(fd, 4));
	printf("size: %ld, offset still: %ld\n", size_of(f), (long)lseek(fd, 0, SEEK_CUR));
	TRY("ftruncate 8192", ftruncate(fd, 8192));
	printf("size: %ld\n", size_of(f));
	char buf[16];
	memset(buf, 'x', sizeof buf);
	pread(fd, buf, 8, 0);
	printf("content: %.4s then zeros: %s\n", buf, yesno(!buf[4] && !buf[5] && !buf[6] && !buf[7]));
	/* write at old offset (10) after truncation leaves a zero gap */
	write_all(fd, "Z", 1);
	ftruncate(fd, 11);
	memset(buf, 'x', sizeof buf);
	pread(fd, buf, 11, 0);
	printf("bytes:");
	for (int i = 0; i < 11; i++)
		printf(" %02x", (unsigned char)buf[i]);
	printf("\n");

	TRY("truncate path 3", truncate(f, 3));
	printf("size: %ld\n", size_of(f));
	TRY("truncate 0", truncate(f, 0));
	printf("size: %ld\n", size_of(f));
	TRY("ftruncate negative", ftruncate(fd, -1));
	TRY("truncate missing", truncate(tpath("missing"), 0));
	TRY("truncate directory", truncate(tuml_tmpdir, 0));
	int ro = open(f, O_RDONLY);
	TRY("ftruncate on O_RDONLY fd", ftruncate(ro, 0));
	int p[2];
	pipe(p);
	TRY("ftruncate on pipe", ftruncate(p[1], 0));
	TRY("ftruncate bad fd", ftruncate(999, 0));
	int d = open(tuml_tmpdir, O_RDONLY);
	TRY("ftruncate on directory fd", ftruncate(d, 0));

	/* Shrinking and regrowing drops old data. */
	ftruncate(fd, 0);
	pwrite(fd, "secret", 6, 0);
	ftruncate(fd, 2);
	ftruncate(fd, 6);
	memset(buf, 'x', sizeof buf);
	pread(fd, buf, 6, 0);
	printf("regrown: %.2s + zeros: %s\n", buf, yesno(!buf[2] && !buf[3] && !buf[4] && !buf[5]));

	/* fallocate mode 0 grows, KEEP_SIZE does not */
	int r = fallocate(fd, 0, 0, 10000);
	printf("fallocate(0..10000): %s, size %ld\n", r == 0 ? "ok" : errname(errno), size_of(f));
	r = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 20000);
	printf("fallocate KEEP_SIZE: %s, size %ld\n", r == 0 ? "ok" : errname(errno), size_of(f));
	TRY("fallocate len 0", fallocate(fd, 0, 0, 0));
	TRY("posix_fallocate-like via fallocate on pipe", fallocate(p[1], 0, 0, 10));

	TRY("fsync", fsync(fd));
	TRY("fdatasync", fdatasync(fd));
	TRY("fsync on pipe", fsync(p[0]));
	TRY("syncfs", syncfs(fd));
	sync();
	printf("sync returned\n");
	return 0;
}
