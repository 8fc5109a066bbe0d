/* getrandom lengths and flags, /dev/urandom and /dev/random reads, distinct
 * outputs, AT_RANDOM present in the auxiliary vector. */
#include "common.h"
#include <sys/auxv.h>
#include <sys/random.h>

static int all_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int main(void)
{
	unsigned char a[256], b[256];
	TRYV("getrandom 16", getrandom(a, 16, 0));
	TRYV("getrandom 256", getrandom(a, sizeof a, 0));
	TRYV("getrandom 256 again", getrandom(b, sizeof b, 0));
	printf("two draws differ: %s, not all zero: %s\n", yesno(memcmp(a, b, sizeof a) != 0), yesno(!all_zero(a, sizeof a)));
	TRYV("getrandom 0 bytes", getrandom(a, 0, 0));
	TRYV("getrandom GRND_NONBLOCK", getrandom(a, 32, GRND_NONBLOCK));
	TRYV("getrandom GRND_RANDOM", getrandom(a, 32, GRND_RANDOM | GRND_NONBLOCK));
	TRYV("getrandom GRND_INSECURE", getrandom(a, 32, 0x0004));
	TRY("getrandom bad flags", getrandom(a, 32, 0x100));
	TRY("getrandom INSECURE|RANDOM", getrandom(a, 32, 0x0004 | GRND_RANDOM));
	void *volatile bad = (void *)8;
	TRY("getrandom bad buffer", getrandom(bad, 32, 0));
	static unsigned char big[1 << 20];
	ssize_t n = getrandom(big, sizeof big, 0);
	printf("getrandom 1MiB returns > 0: %s\n", yesno(n > 0));

	int fd = open("/dev/urandom", O_RDONLY);
	TRY("open /dev/urandom", fd);
	memset(a, 0, sizeof a);
	TRYV("read /dev/urandom 64", read(fd, a, 64));
	printf("not all zero: %s\n", yesno(!all_zero(a, 64)));
	struct stat st;
	fstat(fd, &st);
	printf("/dev/urandom is a chardev: %s\n", yesno(S_ISCHR(st.st_mode)));
	int r = open("/dev/random", O_RDONLY | O_NONBLOCK);
	TRY("open /dev/random", r);
	TRYV("read /dev/random 16", read(r, a, 16));

	unsigned char *at = (unsigned char *)getauxval(AT_RANDOM);
	printf("AT_RANDOM present: %s, not all zero: %s\n", yesno(at != NULL), yesno(at && !all_zero(at, 16)));
	/* child gets different random bytes */
	int pp[2];
	pipe(pp);
	pid_t c = xfork();
	if (c == 0) {
		unsigned char x[32];
		getrandom(x, sizeof x, 0);
		write(pp[1], x, sizeof x);
		_exit(0);
	}
	unsigned char mine[32], theirs[32];
	getrandom(mine, sizeof mine, 0);
	read_full(pp[0], theirs, sizeof theirs);
	waitpid(c, NULL, 0);
	printf("child's random differs from parent's: %s\n", yesno(memcmp(mine, theirs, 32) != 0));
	return 0;
}
