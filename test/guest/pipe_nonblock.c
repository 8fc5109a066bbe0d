/* O_NONBLOCK pipes: EAGAIN on empty read and full write, partial writes,
 * EOF vs EAGAIN, toggling with F_SETFL. */
#include "common.h"

int main(void)
{
	int p[2];
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	char buf[128];
	TRY("read empty nonblocking pipe", read(p[0], buf, sizeof buf));

	long total = 0;
	ssize_t n;
	char blk[4096];
	memset(blk, 'a', sizeof blk);
	while ((n = write(p[1], blk, sizeof blk)) > 0)
		total += n;
	printf("filled pipe with %ld bytes, then: %s\n", total, errname(errno));
	TRY("write 1 byte to full pipe", write(p[1], "x", 1));

	/* Free some space: a write of <= PIPE_BUF is all-or-nothing. */
	n = read(p[0], buf, 100);
	printf("read 100: %zd\n", n);
	TRY("write PIPE_BUF bytes with only 100 free", write(p[1], blk, PIPE_BUF));
	/* Free a full page; a small write now fits. */
	static char sink[8192];
	n = read(p[0], sink, 4096 - 100);
	TRYV("write 100 bytes after draining a page", write(p[1], blk, 100));
	/* Large nonblocking write into partial space: partial write. */
	n = read(p[0], sink, 8192);
	static char big[4096 * 4];
	n = write(p[1], big, sizeof big);
	printf("large write into ~8KiB free space is partial: %s\n", yesno(n > 0 && n < (ssize_t)sizeof big));

	/* drain it all */
	long drained = 0;
	while ((n = read(p[0], sink, sizeof sink)) > 0)
		drained += n;
	printf("drained, then: %s\n", errname(errno));
	close(p[1]);
	TRYV("read after writer closed gives EOF not EAGAIN", read(p[0], buf, sizeof buf));
	close(p[0]);

	/* Toggle O_NONBLOCK with F_SETFL on a normal pipe. */
	CHECK(pipe(p) == 0);
	int fl = fcntl(p[0], F_GETFL);
	printf("O_NONBLOCK initially: %d\n", !!(fl & O_NONBLOCK));
	TRY("F_SETFL O_NONBLOCK", fcntl(p[0], F_SETFL, fl | O_NONBLOCK));
	TRY("read now", read(p[0], buf, 1));
	TRY("F_SETFL clear", fcntl(p[0], F_SETFL, fl));
	/* Blocking read gets data written by a child later. */
	pid_t c = xfork();
	if (c == 0) {
		msleep(20);
		write(p[1], "late", 4);
		_exit(0);
	}
	n = read(p[0], buf, sizeof buf);
	printf("blocking read got: %zd [%.*s]\n", n, (int)(n > 0 ? n : 0), buf);
	wait_report("child", c);

	/* O_NONBLOCK is per open file description: shared by dup. */
	int d = dup(p[0]);
	fcntl(p[0], F_SETFL, fl | O_NONBLOCK);
	printf("dup sees O_NONBLOCK: %s\n", yesno(fcntl(d, F_GETFL) & O_NONBLOCK));
	TRY("read on dup", read(d, buf, 1));
	return 0;
}
