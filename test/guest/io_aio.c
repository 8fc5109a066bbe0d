/* Linux native AIO through the raw system calls (as libaio makes them):
 * a context, pwrite/pread/fsync/preadv iocbs and their completions with
 * aio_data and the iocb's address, an eventfd told of each completion, a
 * poll iocb on a pipe, io_getevents' min_nr and timeout, and the errors. */
#include "common.h"
#include <linux/aio_abi.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <poll.h>

static long io_setup(unsigned n, aio_context_t *c) { return syscall(SYS_io_setup, n, c); }
static long io_submit(aio_context_t c, long n, struct iocb **p) { return syscall(SYS_io_submit, c, n, p); }
static long io_getevents(aio_context_t c, long mn, long n, struct io_event *e, struct timespec *t) { return syscall(SYS_io_getevents, c, mn, n, e, t); }

int main(void)
{
	char path[] = "/tmp/aio-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	aio_context_t ctx = 0;
	CHECK(io_setup(8, &ctx) == 0);
	printf("context made: %s\n", yesno(ctx != 0));
	aio_context_t again = ctx;
	report_ret("io_setup with *ctxp not 0", io_setup(8, &again), 0);

	char out[] = "hello aio", in[32] = { 0 };
	int efd = eventfd(0, 0);
	struct iocb w = { .aio_data = 11, .aio_lio_opcode = IOCB_CMD_PWRITE, .aio_fildes = fd, .aio_buf = (unsigned long)out,
	                  .aio_nbytes = sizeof out, .aio_offset = 100, .aio_flags = IOCB_FLAG_RESFD, .aio_resfd = efd };
	struct iocb s = { .aio_data = 12, .aio_lio_opcode = IOCB_CMD_FSYNC, .aio_fildes = fd };
	struct iocb *list[] = { &w, &s };
	printf("submitted: %ld\n", io_submit(ctx, 2, list));
	struct io_event ev[8];
	long n = io_getevents(ctx, 2, 8, ev, NULL);
	for (long i = 0; i < n; i++)
		printf("  event data=%llu obj is its iocb: %s res=%lld\n", (unsigned long long)ev[i].data,
		       yesno(ev[i].obj == (ev[i].data == 11 ? (unsigned long)&w : (unsigned long)&s)), (long long)ev[i].res);
	uint64_t cnt = 0;
	read(efd, &cnt, 8);
	printf("eventfd counted %llu\n", (unsigned long long)cnt);

	char a[6] = { 0 }, b[6] = { 0 };
	struct iovec iov[2] = { { a, 5 }, { b, 4 } };
	struct iocb r = { .aio_data = 21, .aio_lio_opcode = IOCB_CMD_PREAD, .aio_fildes = fd, .aio_buf = (unsigned long)in, .aio_nbytes = sizeof in, .aio_offset = 100 };
	struct iocb rv = { .aio_data = 22, .aio_lio_opcode = IOCB_CMD_PREADV, .aio_fildes = fd, .aio_buf = (unsigned long)iov, .aio_nbytes = 2, .aio_offset = 100 };
	struct iocb bad = { .aio_data = 23, .aio_lio_opcode = IOCB_CMD_PREAD, .aio_fildes = 999, .aio_buf = (unsigned long)in, .aio_nbytes = 4 };
	struct iocb *list2[] = { &r, &rv, &bad };
	printf("submitted with a bad fd third: %ld\n", io_submit(ctx, 3, list2));
	n = io_getevents(ctx, 1, 8, ev, NULL);
	printf("events: %ld\n", n);
	printf("read: %s | readv: %s+%s\n", in, a, b);
	struct iocb *list3[] = { &bad };
	report_ret("submit of a bad fd first", io_submit(ctx, 1, list3), 0);
	struct iocb rd = { .aio_data = 31, .aio_lio_opcode = IOCB_CMD_PREAD, .aio_fildes = efd, .aio_buf = (unsigned long)in, .aio_nbytes = 2 };
	struct iocb *list4[] = { &rd };
	printf("submitted a short read of an eventfd: %ld\n", io_submit(ctx, 1, list4));
	n = io_getevents(ctx, 1, 1, ev, NULL);
	printf("its result: %lld (%s)\n", (long long)ev[0].res, errname((int)-ev[0].res));

	int p[2];
	CHECK(pipe(p) == 0);
	write(p[1], "x", 1);
	struct iocb pl = { .aio_data = 41, .aio_lio_opcode = IOCB_CMD_POLL, .aio_fildes = p[0], .aio_buf = POLLIN };
	struct iocb *list5[] = { &pl };
	printf("poll submitted: %ld\n", io_submit(ctx, 1, list5));
	n = io_getevents(ctx, 1, 1, ev, NULL);
	printf("poll result: POLLIN=%d\n", (int)(ev[0].res & POLLIN) != 0);

	struct timespec ts = { 0, 20 * 1000 * 1000 };
	printf("getevents with nothing queued and a timeout: %ld\n", io_getevents(ctx, 1, 1, ev, &ts));
	report_ret("getevents with min_nr > nr", io_getevents(ctx, 2, 1, ev, &ts), 0);
	report_ret("io_destroy", syscall(SYS_io_destroy, ctx), 0);
	report_ret("io_destroy again", syscall(SYS_io_destroy, ctx), 0);
	report_ret("io_submit to a destroyed context", io_submit(ctx, 1, list), 0);
	aio_context_t z = 0;
	report_ret("io_setup(0)", io_setup(0, &z), 0);
	return 0;
}
