/* timerfd: one-shot and periodic expirations, gettime, nonblocking EAGAIN,
 * absolute time, cancel, poll readiness. */
#include "common.h"
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>

int main(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	TRY("timerfd_create", fd);
	uint64_t exp = 0;
	TRY("read disarmed (nonblock)", read(fd, &exp, 8));
	struct itimerspec cur;
	timerfd_gettime(fd, &cur);
	printf("disarmed gettime zero: %s\n", yesno(!cur.it_value.tv_sec && !cur.it_value.tv_nsec));

	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	TRY("settime 20ms one-shot", timerfd_settime(fd, 0, &its, NULL));
	timerfd_gettime(fd, &cur);
	printf("armed remaining in (0,20ms]: %s\n", yesno(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
							     cur.it_value.tv_nsec <= 20000000));
	struct pollfd p = { fd, POLLIN, 0 };
	int pr = poll(&p, 1, 1000);
	printf("poll until expiry: %d IN=%d\n", pr, !!(p.revents & POLLIN));
	TRYV("read", read(fd, &exp, 8));
	printf("expirations: %llu\n", (unsigned long long)exp);
	TRY("read again", read(fd, &exp, 8));
	TRY("read with short buffer", read(fd, &exp, 4));

	/* periodic: 5ms interval, sleep ~60ms, expect several expirations */
	struct itimerspec per = { { 0, 5000000 }, { 0, 5000000 } }, old;
	timerfd_settime(fd, 0, &per, NULL);
	msleep(60);
	read(fd, &exp, 8);
	printf("periodic expirations after 60ms >= 5: %s\n", yesno(exp >= 5));
	TRY("disarm", timerfd_settime(fd, 0, &(struct itimerspec){ 0 }, &old));
	printf("old interval was 5ms: %s\n", yesno(old.it_interval.tv_nsec == 5000000));
	TRY("read after disarm", read(fd, &exp, 8));

	/* absolute time already in the past: expires immediately */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct itimerspec abs = { { 0, 0 }, { now.tv_sec - 1, now.tv_nsec } };
	TRY("settime ABSTIME in the past", timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL));
	pr = poll(&p, 1, 1000);
	read(fd, &exp, 8);
	printf("expired immediately: %d, expirations=%llu\n", pr, (unsigned long long)exp);

	/* blocking timerfd */
	int b = timerfd_create(CLOCK_REALTIME, 0);
	struct itimerspec t2 = { { 0, 0 }, { 0, 10000000 } };
	timerfd_settime(b, 0, &t2, NULL);
	exp = 0;
	TRYV("blocking read", read(b, &exp, 8));
	printf("expirations=%llu\n", (unsigned long long)exp);

	TRY("timerfd_create bad clock", timerfd_create(12345, 0));
	TRY("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 0x1234));
	struct itimerspec bad = { { 0, 0 }, { 0, 1000000000 } };
	TRY("settime invalid nsec", timerfd_settime(fd, 0, &bad, NULL));
	TRY("settime on non-timerfd", timerfd_settime(0 + open("/dev/null", O_RDONLY), 0, &its, NULL));
	return 0;
}
