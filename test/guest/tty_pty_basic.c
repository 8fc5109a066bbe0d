/* Pseudo-terminals through glibc: posix_openpt, grantpt, unlockpt, ptsname,
 * the slave's default termios, canonical and raw reads, echo, output
 * processing, window size, packet mode, and what each end sees when the
 * other is closed. */
#include "common.h"
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

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

/* Reads what is there on fd within a short time (the master's output). */
static void drain(const char *what, int fd)
{
	char buf[512];
	ssize_t total = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	while (poll(&p, 1, 200) == 1 && (p.revents & POLLIN)) {
		ssize_t n = read(fd, buf + total, sizeof buf - total);
		if (n <= 0) break;
		total += n;
	}
	show(what, buf, total);
}

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	printf("isatty(master): %d\n", isatty(m));
	TRY("grantpt", grantpt(m));
	char *name = ptsname(m);
	printf("ptsname under /dev/pts/: %s\n", yesno(name && strncmp(name, "/dev/pts/", 9) == 0));
	int s = open(name, O_RDWR | O_NOCTTY);
	printf("open slave while locked: %s\n", s < 0 ? errname(errno) : "ok");
	TRY("unlockpt", unlockpt(m));
	s = open(name, O_RDWR | O_NOCTTY);
	CHECK(s >= 0);
	struct stat st;
	CHECK(fstat(s, &st) == 0);
	printf("slave is chr: %s, major %u\n", yesno(S_ISCHR(st.st_mode)), major(st.st_rdev));
	char tn[64];
	printf("ttyname_r(slave) == ptsname: %s\n", yesno(ttyname_r(s, tn, sizeof tn) == 0 && strcmp(tn, name) == 0));
	unsigned int n;
	printf("TIOCGPTN on slave: %s\n", ioctl(s, TIOCGPTN, &n) < 0 ? errname(errno) : "ok");

	struct termios t;
	CHECK(tcgetattr(s, &t) == 0);
	printf("slave termios: iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
	printf("slave cc: intr %d quit %d erase %d kill %d eof %d min %d time %d susp %d werase %d lnext %d\n",
	       t.c_cc[VINTR], t.c_cc[VQUIT], t.c_cc[VERASE], t.c_cc[VKILL], t.c_cc[VEOF], t.c_cc[VMIN], t.c_cc[VTIME],
	       t.c_cc[VSUSP], t.c_cc[VWERASE], t.c_cc[VLNEXT]);
	CHECK(tcgetattr(m, &t) == 0);
	printf("master termios: iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
	printf("speed: %d\n", (int)cfgetospeed(&t));

	/* Canonical: a line is read once complete; echo goes back to the master with ONLCR. */
	char buf[256];
	CHECK(write(m, "hel", 3) == 3);
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD before newline: %d\n", avail);
	CHECK(write(m, "lo\n", 3) == 3);
	show("slave read", buf, read(s, buf, sizeof buf));
	drain("master sees echo", m);

	/* Erase, kill, werase, lnext. */
	CHECK(write(m, "abc\177d\n", 6) == 6);
	show("after erase", buf, read(s, buf, sizeof buf));
	drain("echo of erase", m);
	CHECK(write(m, "one two\027three\n", 14) == 14);
	show("after werase", buf, read(s, buf, sizeof buf));
	drain("echo of werase", m);
	CHECK(write(m, "junk\025kept\n", 10) == 10);
	show("after kill", buf, read(s, buf, sizeof buf));
	drain("echo of kill", m);
	CHECK(write(m, "a\026\177b\n", 5) == 5);
	show("after lnext", buf, read(s, buf, sizeof buf));
	drain("echo of lnext", m);
	CHECK(write(m, "x\001y\n", 4) == 4);
	show("ctl char", buf, read(s, buf, sizeof buf));
	drain("echo of ctl char", m);

	/* EOF: ^D on an empty line reads 0; after text it ends the line without a newline. */
	CHECK(write(m, "par\004", 4) == 4);
	show("after ^D", buf, read(s, buf, sizeof buf));
	CHECK(write(m, "\004", 1) == 1);
	show("^D alone", buf, read(s, buf, sizeof buf));
	drain("echo of ^D", m);

	/* A short read takes part of a line; the rest follows. */
	CHECK(write(m, "abcdef\n", 7) == 7);
	show("read 3", buf, read(s, buf, 3));
	show("rest", buf, read(s, buf, sizeof buf));
	drain("echo", m);

	/* ICRNL: a carriage return is read as newline. */
	CHECK(write(m, "cr\r", 3) == 3);
	show("icrnl", buf, read(s, buf, sizeof buf));
	drain("echo of cr", m);

	/* Output: ONLCR and tabs; then with OPOST off. */
	CHECK(write(s, "out\n\tx\n", 7) == 7);
	drain("master reads output", m);
	CHECK(tcgetattr(s, &t) == 0);
	struct termios raw = t;
	cfmakeraw(&raw);
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	CHECK(write(s, "raw\n", 4) == 4);
	drain("master reads raw output", m);

	/* Raw input: no echo, bytes as they come, VMIN/VTIME. */
	CHECK(write(m, "q\r\003", 3) == 3);
	show("raw read", buf, read(s, buf, sizeof buf));
	drain("no echo in raw mode", m);
	raw.c_cc[VMIN] = 0; raw.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	show("VMIN 0 VTIME 0 with nothing", buf, read(s, buf, sizeof buf));
	raw.c_cc[VMIN] = 0; raw.c_cc[VTIME] = 1;
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	show("VMIN 0 VTIME 1 times out", buf, read(s, buf, sizeof buf));
	raw.c_cc[VMIN] = 3; raw.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &raw) == 0);
	CHECK(write(m, "12345", 5) == 5);
	show("VMIN 3", buf, read(s, buf, 4));
	show("VMIN 3 again (short)", buf, read(s, buf, 1));
	CHECK(tcsetattr(s, TCSAFLUSH, &t) == 0);
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD after TCSAFLUSH: %d\n", avail);

	/* Window size set on the master is the slave's. */
	struct winsize ws = { 24, 80, 0, 0 };
	TRY("TIOCSWINSZ on master", ioctl(m, TIOCSWINSZ, &ws));
	struct winsize got;
	CHECK(ioctl(s, TIOCGWINSZ, &got) == 0);
	printf("slave winsize: %d x %d\n", got.ws_row, got.ws_col);

	/* Job-control ioctls without a controlling terminal. */
	printf("tcgetpgrp(slave) without ctty: %s\n", tcgetpgrp(s) < 0 ? errname(errno) : "ok");
	printf("tcgetsid(slave) without ctty: %s\n", tcgetsid(s) < 0 ? errname(errno) : "ok");
	printf("unknown ioctl: %s\n", ioctl(s, 0x4B33 /* KDGKBTYPE */, buf) < 0 ? errname(errno) : "ok");

	/* Packet mode. */
	int one = 1;
	TRY("TIOCPKT", ioctl(m, TIOCPKT, &one));
	CHECK(write(s, "pk", 2) == 2);
	show("packet read", buf, read(m, buf, sizeof buf));
	one = 0;
	TRY("TIOCPKT off", ioctl(m, TIOCPKT, &one));

	/* The slave closed: the master reads EIO and polls HUP. */
	close(s);
	struct pollfd p = { m, POLLIN, 0 };
	int pr = poll(&p, 1, 0);
	printf("poll master after slave close: %d revents %#x\n", pr, p.revents);
	ssize_t r = read(m, buf, sizeof buf);
	printf("master read after slave close: %s\n", r < 0 ? errname(errno) : "data");

	/* The master closed: the slave reads end of file and writes EIO. */
	s = open(name, O_RDWR | O_NOCTTY);
	CHECK(s >= 0);
	close(m);
	r = read(s, buf, sizeof buf);
	printf("slave read after master close: %zd %s\n", r, r < 0 ? errname(errno) : "");
	r = write(s, "x", 1);
	printf("slave write after master close: %zd %s\n", r, r < 0 ? errname(errno) : "");
	printf("open slave path after master close: %s\n", open(name, O_RDWR | O_NOCTTY) < 0 ? errname(errno) : "ok");
	close(s);
	return 0;
}
