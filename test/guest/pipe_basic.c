/* pipe/pipe2: flags, data order, EOF after writer close, FIONREAD,
 * F_GETPIPE_SZ/F_SETPIPE_SZ, fstat type, ESPIPE. */
#include "common.h"
#include <sys/ioctl.h>

int main(void)
{
	int p[2];
	TRY("pipe", pipe(p));
	printf("read end O_RDONLY: %s, write end O_WRONLY: %s\n", yesno((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY),
	       yesno((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY));
	printf("FD_CLOEXEC: %d %d\n", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
	struct stat st;
	fstat(p[0], &st);
	printf("fstat type: %s, size: %ld\n", ftype(st.st_mode), (long)st.st_size);

	write_all(p[1], "hello ", 6);
	write_all(p[1], "world", 5);
	int avail = -1;
	TRY("FIONREAD", ioctl(p[0], FIONREAD, &avail));
	printf("bytes available: %d\n", avail);
	char buf[64];
	ssize_t n = read(p[0], buf, 3);
	printf("read 3: %zd [%.*s]\n", n, (int)n, buf);
	n = read(p[0], buf, sizeof buf);
	printf("read rest: %zd [%.*s]\n", n, (int)n, buf);
	TRY("write to read end", write(p[0], "x", 1));
	TRY("read from write end", read(p[1], buf, 1));
	TRY("lseek on pipe", lseek(p[0], 0, SEEK_SET));
	TRY("pread on pipe", pread(p[0], buf, 1, 0));
	close(p[1]);
	TRYV("read after writer closed (EOF)", read(p[0], buf, sizeof buf));
	TRYV("read again (EOF)", read(p[0], buf, sizeof buf));
	close(p[0]);

	TRY("pipe2(O_CLOEXEC|O_NONBLOCK)", pipe2(p, O_CLOEXEC | O_NONBLOCK));
	printf("FD_CLOEXEC: %d %d, O_NONBLOCK: %d %d\n", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD),
	       !!(fcntl(p[0], F_GETFL) & O_NONBLOCK), !!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
	printf("F_GETPIPE_SZ: %d\n", fcntl(p[0], F_GETPIPE_SZ));
	TRYV("F_SETPIPE_SZ 8192", fcntl(p[0], F_SETPIPE_SZ, 8192));
	printf("F_GETPIPE_SZ now: %d\n", fcntl(p[1], F_GETPIPE_SZ));
	TRYV("F_SETPIPE_SZ 5000 rounds up", fcntl(p[0], F_SETPIPE_SZ, 5000));
	int devnull = open("/dev/null", O_RDONLY);
	TRY("F_GETPIPE_SZ on /dev/null", fcntl(devnull, F_GETPIPE_SZ));
	close(devnull);
	long total = 0;
	char blk[4096];
	memset(blk, 'z', sizeof blk);
	while ((n = write(p[1], blk, sizeof blk)) > 0)
		total += n;
	printf("nonblocking fill of 8192-byte pipe wrote %ld bytes, then %s\n", total, errname(errno));
	close(p[0]);
	close(p[1]);
	TRY("pipe2 bad flags", pipe2(p, O_APPEND));

	/* Parent -> child -> parent round trip through two pipes. */
	int up[2], down[2];
	CHECK(pipe(up) == 0 && pipe(down) == 0);
	pid_t c = xfork();
	if (c == 0) {
		close(down[1]);
		close(up[0]);
		char b[64];
		ssize_t r;
		while ((r = read(down[0], b, sizeof b)) > 0) {
			for (ssize_t i = 0; i < r; i++)
				if (b[i] >= 'a' && b[i] <= 'z')
					b[i] -= 32;
			write_all(up[1], b, (size_t)r);
		}
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	write_all(down[1], "round trip text", 15);
	close(down[1]);
	char res[64];
	n = read_full(up[0], res, sizeof res);
	printf("child uppercased: %zd [%.*s]\n", n, (int)n, res);
	wait_report("child", c);

	/* Writer blocked on full pipe is woken by a reader. */
	CHECK(pipe(p) == 0);
	c = xfork();
	if (c == 0) {
		close(p[0]);
		static char big[200000];
		memset(big, 'q', sizeof big);
		write_all(p[1], big, sizeof big);
		_exit(0);
	}
	close(p[1]);
	static char sink[300000];
	n = read_full(p[0], sink, sizeof sink);
	printf("read all from blocked writer: %zd\n", n);
	wait_report("writer", c);
	return 0;
}
