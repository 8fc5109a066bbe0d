/* Line discipline settings on a pty, each tried by writing to the master and
 * reading the slave (input) or the master (echo and output): ECHOPRT,
 * ECHOKE off, ECHONL, VEOL/VEOL2, IGNCR, INLCR, IUCLC, ISTRIP, IXON flow
 * control and TCXONC, NOFLSH, OCRNL/ONOCR/ONLRET, XTABS, OLCUC, TCFLSH. */
#include "common.h"
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

static int m, s;

static void show(const char *what, const char *buf, ssize_t n)
{
	printf("%s: %zd \"", what, n);
	for (ssize_t i = 0; i < n; i++) {
		unsigned char c = buf[i];
		if (c == '\n') printf("\\n");
		else if (c == '\r') printf("\\r");
		else if (c < 32 || c >= 127) printf("\\x%02x", c);
		else putchar(c);
	}
	printf("\"\n");
}

static void drain(const char *what, int fd)
{
	char buf[512];
	ssize_t total = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	while (poll(&p, 1, 150) == 1 && (p.revents & POLLIN)) {
		ssize_t n = read(fd, buf + total, sizeof buf - total);
		if (n <= 0) break;
		total += n;
	}
	show(what, buf, total);
}

static struct termios base;
static void with(void (*f)(struct termios *))
{
	struct termios t = base;
	f(&t);
	CHECK(tcsetattr(s, TCSANOW, &t) == 0);
}

static void input(const char *label, const char *keys)
{
	CHECK(write(m, keys, strlen(keys)) == (ssize_t)strlen(keys));
	char buf[256];
	struct pollfd p = { s, POLLIN, 0 };
	ssize_t n = 0;
	if (poll(&p, 1, 300) == 1) n = read(s, buf, sizeof buf);
	show(label, buf, n);
	drain("  echo", m);
}

static void output(const char *label, const char *text)
{
	CHECK(write(s, text, strlen(text)) == (ssize_t)strlen(text));
	drain(label, m);
}

static void echoprt(struct termios *t) { t->c_lflag |= ECHOPRT; t->c_lflag &= ~ECHOE; }
static void nokillerase(struct termios *t) { t->c_lflag &= ~ECHOKE; }
static void echonl(struct termios *t) { t->c_lflag &= ~ECHO; t->c_lflag |= ECHONL; }
static void eol(struct termios *t) { t->c_cc[VEOL] = ';'; t->c_cc[VEOL2] = '|'; }
static void igncr(struct termios *t) { t->c_iflag |= IGNCR; }
static void inlcr(struct termios *t) { t->c_iflag |= INLCR; t->c_iflag &= ~ICRNL; }
static void istrip(struct termios *t) { t->c_iflag |= ISTRIP; }
static void noecho(struct termios *t) { t->c_lflag &= ~ECHO; }
static void ocrnl(struct termios *t) { t->c_oflag |= OCRNL | ONOCR; t->c_oflag &= ~ONLCR; }
static void xtabs(struct termios *t) { t->c_oflag |= XTABS; }
static void noflsh(struct termios *t) { t->c_lflag |= NOFLSH; t->c_lflag &= ~ISIG; }
static void noctl(struct termios *t) { t->c_lflag &= ~ECHOCTL; }

int main(void)
{
	m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0);
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	CHECK(s >= 0);
	CHECK(tcgetattr(s, &base) == 0);

	with(echoprt);
	input("echoprt erase", "abc\177\177d\n");
	with(nokillerase);
	input("kill without echoke", "abc\025x\n");
	with(echonl);
	input("echonl", "quiet\n");
	with(eol);
	input("veol", "one;");
	input("veol2", "two|");
	with(igncr);
	input("igncr", "a\rb\n");
	with(inlcr);
	input("inlcr", "a\nb\r");
	with(istrip);
	input("istrip", "\xe9\n");
	with(noctl);
	input("no echoctl", "a\001b\n");
	with(noecho);
	input("no echo", "secret\n");
	input("reprint", "ab\022c\n");
	with(ocrnl);
	output("ocrnl onocr", "\rx\r\n");
	with(xtabs);
	output("xtabs", "a\tb\tc\n");
	/* tabs erased with the column of the line start */
	with(noctl);
	input("tab erase", "ab\t\177c\n");

	/* Flow control: ^S stops output, ^Q starts it again. */
	with(noctl);
	CHECK(write(m, "\023", 1) == 1);
	usleep(200000);
	int fl = fcntl(s, F_GETFL);
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	ssize_t r = write(s, "held\n", 5);
	printf("write while stopped: %s\n", r < 0 ? errname(errno) : "went");
	CHECK(write(m, "\021", 1) == 1);
	usleep(200000);
	r = write(s, "free\n", 5);
	printf("write after ^Q: %zd\n", r);
	fcntl(s, F_SETFL, fl);
	drain("output", m);
	TRY("tcflow TCOOFF", tcflow(s, TCOOFF));
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	r = write(s, "x", 1);
	printf("write after TCOOFF: %s\n", r < 0 ? errname(errno) : "went");
	TRY("tcflow TCOON", tcflow(s, TCOON));
	r = write(s, "y\n", 2);
	printf("write after TCOON: %zd\n", r);
	fcntl(s, F_SETFL, fl);
	drain("output", m);

	/* TCFLSH drops typed input. */
	CHECK(write(m, "dropped\n", 8) == 8);
	usleep(200000);
	drain("echo", m);
	TRY("tcflush TCIFLUSH", tcflush(s, TCIFLUSH));
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD after flush: %d\n", avail);
	printf("tcflush bad queue: %s\n", tcflush(s, 7) < 0 ? errname(errno) : "ok");
	return 0;
}
