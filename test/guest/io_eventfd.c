/* eventfd: counter semantics, EFD_SEMAPHORE, EFD_NONBLOCK EAGAIN, overflow,
 * short buffers, poll readiness, cross-process wakeup. */
#include "common.h"
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>

int main(void)
{
	int fd = eventfd(5, EFD_CLOEXEC | EFD_NONBLOCK);
	TRY("eventfd(5, CLOEXEC|NONBLOCK)", fd);
	printf("FD_CLOEXEC=%d O_NONBLOCK=%d\n", fcntl(fd, F_GETFD), !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	uint64_t v = 0;
	TRYV("read", read(fd, &v, 8));
	printf("value: %llu\n", (unsigned long long)v);
	TRY("read again (counter 0)", read(fd, &v, 8));
	v = 3;
	TRYV("write 3", write(fd, &v, 8));
	v = 4;
	TRYV("write 4", write(fd, &v, 8));
	read(fd, &v, 8);
	printf("read sums writes: %llu\n", (unsigned long long)v);
	TRY("read with 4-byte buffer", read(fd, &v, 4));
	TRY("write with 4-byte buffer", write(fd, &v, 4));
	v = UINT64_MAX;
	TRY("write UINT64_MAX", write(fd, &v, 8));
	v = UINT64_MAX - 1;
	TRYV("write max-1", write(fd, &v, 8));
	v = 1;
	TRY("write 1 more (would overflow)", write(fd, &v, 8));
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	int pr = poll(&p, 1, 0);
	printf("poll at max: %d IN=%d OUT=%d\n", pr, !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
	read(fd, &v, 8);
	pr = poll(&p, 1, 0);
	printf("poll at 0: %d IN=%d OUT=%d\n", pr, !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
	close(fd);

	/* semaphore mode */
	int s = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	for (int i = 0; i < 4; i++) {
		v = 0;
		ssize_t r = read(s, &v, 8);
		if (r < 0)
			printf("semaphore read %d: %s\n", i, errname(errno));
		else
			printf("semaphore read %d: %llu\n", i, (unsigned long long)v);
	}
	v = 2;
	write(s, &v, 8);
	read(s, &v, 8);
	printf("after write 2, read: %llu\n", (unsigned long long)v);
	read(s, &v, 8);
	printf("and again: %llu\n", (unsigned long long)v);
	close(s);
	TRY("eventfd bad flags", eventfd(0, 0x1234));

	/* Blocking eventfd shared with a child. */
	int b = eventfd(0, 0);
	pid_t k = xfork();
	if (k == 0) {
		msleep(20);
		uint64_t one = 10;
		write(b, &one, 8);
		_exit(0);
	}
	v = 0;
	read(b, &v, 8);
	printf("blocking read woken by child: %llu\n", (unsigned long long)v);
	wait_report("child", k);

	/* blocking semaphore wakeups from several children */
	int sem = eventfd(0, EFD_SEMAPHORE);
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = xfork();
		if (kids[i] == 0) {
			uint64_t x;
			read(sem, &x, 8);
			_exit((int)x);
		}
	}
	v = 3;
	write(sem, &v, 8);
	for (int i = 0; i < 3; i++)
		wait_report("semaphore child got 1", kids[i]);
	return 0;
}
