/* FIFOs: mkfifo, stat type, open semantics (blocking rendezvous, O_NONBLOCK
 * reader ok, O_NONBLOCK writer ENXIO), data through the FIFO, EOF. */
#include "common.h"

int main(void)
{
	make_tmpdir();
	const char *f = tpath("fifo");
	TRY("mkfifo", mkfifo(f, 0644));
	TRY("mkfifo again", mkfifo(f, 0644));
	struct stat st;
	CHECK(stat(f, &st) == 0);
	printf("type: %s, size: %ld\n", ftype(st.st_mode), (long)st.st_size);
	TRY("mknod S_IFIFO", mknod(tpath("fifo2"), S_IFIFO | 0600, 0));
	CHECK(stat(tpath("fifo2"), &st) == 0);
	printf("mknod type: %s\n", ftype(st.st_mode));

	TRY("open O_WRONLY|O_NONBLOCK without reader", open(f, O_WRONLY | O_NONBLOCK));
	int r = open(f, O_RDONLY | O_NONBLOCK);
	TRY("open O_RDONLY|O_NONBLOCK", r);
	char buf[64];
	TRYV("read with no writer ever: EOF", read(r, buf, sizeof buf));
	int w = open(f, O_WRONLY | O_NONBLOCK);
	TRY("open O_WRONLY|O_NONBLOCK with reader", w);
	TRY("read with writer but no data", read(r, buf, sizeof buf));
	write_all(w, "fifo data", 9);
	ssize_t n = read(r, buf, sizeof buf);
	printf("read: %zd [%.*s]\n", n, (int)n, buf);
	close(w);
	TRYV("read after writer closed: EOF", read(r, buf, sizeof buf));
	close(r);

	int rw = open(f, O_RDWR);
	TRY("open O_RDWR (Linux: never blocks)", rw);
	write_all(rw, "self", 4);
	n = read(rw, buf, sizeof buf);
	printf("O_RDWR loopback: %zd [%.*s]\n", n, (int)n, buf);
	close(rw);

	/* Blocking rendezvous with a child writer. */
	pid_t c = xfork();
	if (c == 0) {
		int fd = open(f, O_WRONLY); /* blocks until the parent opens for reading */
		if (fd < 0)
			_exit(1);
		for (int i = 0; i < 3; i++) {
			char line[32];
			int len = snprintf(line, sizeof line, "line %d\n", i);
			write_all(fd, line, (size_t)len);
		}
		close(fd);
		_exit(0);
	}
	r = open(f, O_RDONLY);
	TRY("blocking open O_RDONLY meets child writer", r);
	char all[256];
	n = read_full(r, all, sizeof all - 1);
	all[n > 0 ? n : 0] = 0;
	printf("received %zd bytes:\n%s", n, all);
	close(r);
	wait_report("fifo writer", c);

	/* Writing when the reader has gone: EPIPE (SIGPIPE ignored). */
	signal(SIGPIPE, SIG_IGN);
	r = open(f, O_RDONLY | O_NONBLOCK);
	w = open(f, O_WRONLY);
	close(r);
	TRY("write after reader left", write(w, "x", 1));
	close(w);
	TRY("unlink fifo", unlink(f));
	TRY("open removed fifo", open(f, O_RDONLY | O_NONBLOCK));
	TRY("lseek on fifo", lseek(open(tpath("fifo2"), O_RDWR), 0, SEEK_SET));
	return 0;
}
