/* Raw futex(2): WAIT value mismatch, timeout, WAKE counts, cross-process wake. */
#include "common.h"
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

static long futex(void *uaddr, int op, int val, const struct timespec *ts, void *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static _Atomic int word;
static _Atomic int woken;

static void *waiter(void *arg)
{
	(void)arg;
	while (atomic_load(&word) == 0) {
		long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
		(void)r;
	}
	atomic_fetch_add(&woken, 1);
	return NULL;
}

int main(void)
{
	int w = 5;
	TRY("WAIT with wrong value", futex(&w, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0));
	struct timespec ts = { 0, 20 * 1000000 };
	TRY("WAIT with 20ms timeout", futex(&w, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0));
	TRYV("WAKE with no waiters", futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
	struct timespec bad = { 0, 2000000000L };
	TRY("WAIT with invalid timeout", futex(&w, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0));
	TRY("WAIT on unaligned address", futex((char *)&w + 1, FUTEX_WAIT_PRIVATE, 5, &ts, NULL, 0));
	TRY("WAIT on NULL", futex(NULL, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0));
	TRY("unknown op", futex(&w, 99, 0, NULL, NULL, 0));

	/* absolute timeout with WAIT_BITSET + CLOCK_REALTIME */
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 10 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	TRY("WAIT_BITSET absolute monotonic timeout",
	    futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
	TRY("WAIT_BITSET bitset 0", futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, 0));

	/* Three waiter threads, woken all at once. */
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, waiter, NULL);
	msleep(30); /* let them block (correctness doesn't depend on it) */
	atomic_store(&word, 1);
	long n = futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	printf("WAKE returned between 0 and 3: %s\n", yesno(n >= 0 && n <= 3));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("all waiters finished: %d\n", (int)atomic_load(&woken));

	/* Shared futex between processes (non-private op on MAP_SHARED memory). */
	_Atomic int *sw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sw != MAP_FAILED);
	*sw = 0;
	pid_t p = xfork();
	if (p == 0) {
		int loops = 0;
		while (atomic_load(sw) == 0) {
			futex(sw, FUTEX_WAIT, 0, NULL, NULL, 0);
			loops++;
		}
		_exit(atomic_load(sw));
	}
	msleep(30);
	atomic_store(sw, 7);
	futex(sw, FUTEX_WAKE, 1, NULL, NULL, 0);
	wait_report("child woken via shared futex", p);

	/* REQUEUE / CMP_REQUEUE value mismatch */
	int a = 1, b = 0;
	TRY("CMP_REQUEUE mismatch", futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(long)1, &b, 2));
	TRYV("CMP_REQUEUE match, no waiters", futex(&a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(long)1, &b, 1));

	/* WAKE_OP: *b = 5, wake on a and, since old b==0 == 0, on b. */
	b = 0;
	int op = FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0);
	TRYV("WAKE_OP", futex(&a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)(long)1, &b, op));
	printf("WAKE_OP stored b=%d\n", b);
	return 0;
}
