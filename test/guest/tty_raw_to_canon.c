/* n_tty: bytes that arrive while a terminal is in raw mode and are still
 * unread when it goes back to canonical mode are readable at once, as one
 * line (a shell hands the terminal to a program after the user typed ahead);
 * and canonical input typed after that is read line by line again. */
#include "common.h"
#include <poll.h>
#include <termios.h>

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	CHECK(s >= 0);
	struct termios canon, raw;
	CHECK(tcgetattr(s, &canon) == 0);
	raw = canon;
	cfmakeraw(&raw);
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	write(m, "abc", 3);
	usleep(100000);
	CHECK(tcsetattr(s, TCSANOW, &canon) == 0);
	struct pollfd p = { s, POLLIN, 0 };
	printf("readable after going canonical: %s\n", yesno(poll(&p, 1, 1000) == 1));
	char b[64] = { 0 };
	ssize_t n = read(s, b, sizeof b - 1);
	printf("read %zd: %s\n", n, b);
	write(m, "one\ntwo", 7);
	usleep(100000);
	memset(b, 0, sizeof b);
	n = read(s, b, sizeof b - 1);
	printf("then a line: %zd %.*s", n, (int)n, b);
	p.revents = 0;
	printf("the unfinished line is not readable: %s\n", yesno(poll(&p, 1, 200) == 0));
	return 0;
}
