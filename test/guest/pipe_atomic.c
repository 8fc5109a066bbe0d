/* PIPE_BUF atomicity: concurrent writers of PIPE_BUF-sized records never
 * interleave; every record arrives intact. */
#include "common.h"

#define WRITERS 4
#define RECORDS 64

int main(void)
{
	printf("PIPE_BUF = %d\n", PIPE_BUF);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t kids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		kids[w] = xfork();
		if (kids[w] == 0) {
			close(p[0]);
			char rec[PIPE_BUF];
			for (int r = 0; r < RECORDS; r++) {
				memset(rec, 'A' + w, sizeof rec);
				rec[0] = (char)('0' + w);
				rec[1] = (char)r;
				ssize_t n = write(p[1], rec, sizeof rec);
				if (n != (ssize_t)sizeof rec)
					_exit(1);
			}
			_exit(0);
		}
	}
	close(p[1]);
	int counts[WRITERS] = { 0 }, next[WRITERS] = { 0 };
	int torn = 0, out_of_order = 0, records = 0;
	char rec[PIPE_BUF];
	for (;;) {
		ssize_t n = read_full(p[0], rec, sizeof rec);
		if (n == 0)
			break;
		if (n != (ssize_t)sizeof rec) {
			torn++;
			break;
		}
		records++;
		int w = rec[0] - '0';
		if (w < 0 || w >= WRITERS) {
			torn++;
			continue;
		}
		for (int i = 2; i < PIPE_BUF; i++)
			if (rec[i] != 'A' + w) {
				torn++;
				break;
			}
		if (rec[1] != (char)next[w])
			out_of_order++;
		next[w]++;
		counts[w]++;
	}
	for (int w = 0; w < WRITERS; w++)
		wait_report("writer", kids[w]);
	printf("records read: %d\n", records);
	for (int w = 0; w < WRITERS; w++)
		printf("writer %d records: %d\n", w, counts[w]);
	printf("torn records: %d\n", torn);
	printf("per-writer order preserved: %s\n", yesno(out_of_order == 0));

	/* Writes larger than PIPE_BUF may interleave, but no bytes are lost. */
	CHECK(pipe(p) == 0);
	for (int w = 0; w < 2; w++) {
		kids[w] = xfork();
		if (kids[w] == 0) {
			close(p[0]);
			static char big[100000];
			memset(big, 'a' + w, sizeof big);
			write_all(p[1], big, sizeof big);
			_exit(0);
		}
	}
	close(p[1]);
	long tot[2] = { 0, 0 }, other = 0;
	static char buf[65536];
	ssize_t n;
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == 'a')
				tot[0]++;
			else if (buf[i] == 'b')
				tot[1]++;
			else
				other++;
		}
	for (int w = 0; w < 2; w++)
		wait_report("big writer", kids[w]);
	printf("big writes: a=%ld b=%ld other=%ld\n", tot[0], tot[1], other);
	return 0;
}
