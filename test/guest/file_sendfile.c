/* sendfile between files (with and without offset pointer), to a pipe,
 * copy_file_range, splice/tee with pipes. */
#include "common.h"
#include <sys/sendfile.h>

int main(void)
{
	make_tmpdir();
	static char data[100000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	write_file(tpath("src"), "", 0644);
	int src = open(tpath("src"), O_RDWR);
	write_all(src, data, sizeof data);
	int dst = open(tpath("dst"), O_RDWR | O_CREAT, 0644);

	lseek(src, 0, SEEK_SET);
	TRYV("sendfile 1000 bytes (file offset)", sendfile(dst, src, NULL, 1000));
	printf("src offset advanced to: %ld\n", (long)lseek(src, 0, SEEK_CUR));
	off_t off = 50000;
	TRYV("sendfile with offset ptr @50000, 500 bytes", sendfile(dst, src, &off, 500));
	printf("offset ptr now: %ld, src offset unchanged: %ld\n", (long)off, (long)lseek(src, 0, SEEK_CUR));
	off = 99990;
	TRYV("sendfile past EOF (short)", sendfile(dst, src, &off, 1000));
	off = 200000;
	TRYV("sendfile at offset beyond EOF", sendfile(dst, src, &off, 1000));
	struct stat st;
	fstat(dst, &st);
	printf("dst size: %ld\n", (long)st.st_size);
	char buf[1600];
	pread(dst, buf, sizeof buf, 0);
	printf("dst content matches: %s %s %s\n", yesno(!memcmp(buf, data, 1000)), yesno(!memcmp(buf + 1000, data + 50000, 500)),
	       yesno(!memcmp(buf + 1500, data + 99990, 10)));

	/* whole file in a loop */
	int d2 = open(tpath("copy"), O_RDWR | O_CREAT, 0644);
	off = 0;
	ssize_t n;
	long total = 0;
	while ((n = sendfile(d2, src, &off, 7777)) > 0)
		total += n;
	static char back[100000];
	pread(d2, back, sizeof back, 0);
	printf("full copy: %ld bytes, equal: %s\n", total, yesno(total == (long)sizeof data && !memcmp(back, data, sizeof data)));

	/* to a pipe */
	int p[2];
	pipe(p);
	off = 0;
	TRYV("sendfile file -> pipe", sendfile(p[1], src, &off, 26));
	memset(buf, 0, sizeof buf);
	read(p[0], buf, sizeof buf);
	printf("pipe got: %.26s\n", buf);
	TRY("sendfile from a pipe (in_fd must be mmapable)", sendfile(dst, p[0], NULL, 10));
	int ro = open(tpath("dst"), O_RDONLY);
	TRY("sendfile to O_RDONLY fd", sendfile(ro, src, NULL, 10));
	TRY("sendfile bad fd", sendfile(999, src, NULL, 10));
	int wo = open(tpath("src"), O_WRONLY);
	TRY("sendfile from O_WRONLY fd", sendfile(dst, wo, NULL, 10));

	/* copy_file_range */
	int d3 = open(tpath("cfr"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	loff_t in_off = 26, out_off = 0;
	TRYV("copy_file_range 52 bytes", copy_file_range(src, &in_off, d3, &out_off, 52, 0));
	printf("offsets now: in=%ld out=%ld\n", (long)in_off, (long)out_off);
	memset(buf, 0, sizeof buf);
	pread(d3, buf, 52, 0);
	printf("content: %.52s\n", buf);
	TRY("copy_file_range flags!=0", copy_file_range(src, &in_off, d3, &out_off, 1, 1));
	in_off = 0;
	TRYV("copy_file_range len 0", copy_file_range(src, &in_off, d3, NULL, 0, 0));

	/* splice file -> pipe -> file, tee */
	int q[2];
	pipe(q);
	loff_t so = 0;
	TRYV("splice file -> pipe", splice(src, &so, p[1], NULL, 30, 0));
	TRYV("tee pipe -> pipe", tee(p[0], q[1], 30, 0));
	int d4 = open(tpath("spliced"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	TRYV("splice pipe -> file", splice(p[0], NULL, d4, NULL, 30, 0));
	memset(buf, 0, sizeof buf);
	read(q[0], buf, sizeof buf);
	printf("tee copy: %.30s\n", buf);
	memset(buf, 0, sizeof buf);
	pread(d4, buf, 30, 0);
	printf("spliced file: %.30s\n", buf);
	TRY("splice file -> file (one end must be a pipe)", splice(src, NULL, d4, NULL, 10, 0));
	return 0;
}
