/* SPDX-License-Identifier: BSD-2-Clause */
/* pcap writer: file and record headers byte for byte, timestamps from virtual time, snaplen
 * truncation, a link logging deliveries and drops, bad input; and, when tshark is installed,
 * that tshark reads the hand-built IPv4/TCP packets back. */
#include "link.h"
#include "pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../unit/check.h"

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A valid IPv4 (RFC 791) + TCP (RFC 9293) packet from 198.18.0.1:80 to 198.18.0.2:40000 with
 * `payload` bytes of data; returns its length. */
static size_t build_tcp(uint8_t *buf, uint8_t flags, uint32_t seq, uint32_t ack, size_t payload)
{
	size_t len = 20 + 20 + payload;
	uint8_t *ip = buf, *tcp = buf + 20;
	uint32_t sum;

	memset(buf, 0, len);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)len);
	put16(ip + 4, (uint16_t)seq); /* identification */
	ip[6] = 0x40;		      /* DF */
	ip[8] = 64;		      /* TTL */
	ip[9] = 6;		      /* TCP */
	put32(ip + 12, 0xc6120001);   /* 198.18.0.1 */
	put32(ip + 16, 0xc6120002);   /* 198.18.0.2 */
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	put16(tcp, 80);
	put16(tcp + 2, 40000);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	for (size_t i = 0; i < payload; i++)
		tcp[20 + i] = (uint8_t)('a' + i % 26);
	/* pseudo-header: addresses, protocol, TCP length */
	sum = csum_add(0, ip + 12, 8);
	sum += 6 + (uint32_t)(20 + payload);
	sum = csum_add(sum, tcp, 20 + payload);
	put16(tcp + 16, csum_fold(sum));
	return len;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static bool have_tshark(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* Run tshark on path; count the packets it lists and how many look like our TCP packets. */
static int tshark_read(const char *path, int *lines, int *tcp_lines)
{
	char cmd[512], line[1024];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	*lines = *tcp_lines = 0;
	while (fgets(line, sizeof(line), p)) {
		(*lines)++;
		if (strstr(line, "198.18.0.1") && strstr(line, "198.18.0.2") &&
		    strstr(line, "TCP") && strstr(line, "80"))
			(*tcp_lines)++;
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int make_temp(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/iotcp-sim-pcap-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void test_writer(void)
{
	static uint8_t pkts[4][1600];
	size_t lens[4];
	tcp_time_t times[4] = {0, 1500 * TCP_USEC + 999, 2 * TCP_SEC + 7 * TCP_USEC, 3 * TCP_SEC};
	char path[256];
	struct sim_pcap *p;
	uint8_t *file;
	size_t flen = 0, off;

	lens[0] = build_tcp(pkts[0], 0x02, 1000, 0, 0);	      /* SYN */
	lens[1] = build_tcp(pkts[1], 0x12, 5000, 1001, 0);    /* SYN-ACK */
	lens[2] = build_tcp(pkts[2], 0x18, 1001, 5001, 100);  /* PSH-ACK with data */
	lens[3] = build_tcp(pkts[3], 0x10, 1101, 5001, 1460); /* full-size segment */
	if (make_temp(path, sizeof(path)) != 0) {
		CHECK(!"mkstemp failed");
		return;
	}
	p = sim_pcap_open(path);
	CHECK(p != NULL);
	if (!p)
		goto out;
	for (int i = 0; i < 4; i++)
		CHECK(sim_pcap_write(p, times[i], pkts[i], lens[i]) == 0);
	CHECK(sim_pcap_write(NULL, 0, pkts[0], lens[0]) == -EINVAL);
	CHECK(sim_pcap_write(p, 0, NULL, 10) == -EINVAL);
	CHECK_EQ_U64(sim_pcap_count(p), 4);
	CHECK(sim_pcap_close(p) == 0);

	file = slurp(path, &flen);
	CHECK(file != NULL);
	if (!file)
		goto out;
	CHECK(flen >= 24);
	if (flen >= 24) {
		CHECK_EQ_U64(get_le32(file), 0xa1b2c3d4);
		CHECK_EQ_U64(file[4] | file[5] << 8, 2);
		CHECK_EQ_U64(file[6] | file[7] << 8, 4);
		CHECK_EQ_U64(get_le32(file + 8), 0);
		CHECK_EQ_U64(get_le32(file + 12), 0);
		CHECK_EQ_U64(get_le32(file + 16), 65535);
		CHECK_EQ_U64(get_le32(file + 20), 101);
	}
	off = 24;
	for (int i = 0; i < 4 && off + 16 <= flen; i++) {
		CHECK_EQ_U64(get_le32(file + off), times[i] / TCP_SEC);
		CHECK_EQ_U64(get_le32(file + off + 4), (times[i] % TCP_SEC) / TCP_USEC);
		CHECK_EQ_U64(get_le32(file + off + 8), lens[i]);
		CHECK_EQ_U64(get_le32(file + off + 12), lens[i]);
		CHECK(off + 16 + lens[i] <= flen && memcmp(file + off + 16, pkts[i], lens[i]) == 0);
		off += 16 + lens[i];
	}
	CHECK_EQ_U64(off, flen);
	free(file);

	if (have_tshark()) {
		int lines, tcp_lines;

		CHECK_EQ_U64(tshark_read(path, &lines, &tcp_lines), 0);
		CHECK_EQ_U64(lines, 4);
		CHECK_EQ_U64(tcp_lines, 4);
	} else {
		printf("note: tshark not installed, not checking that it reads the file\n");
	}
out:
	unlink(path);
}

static void test_snaplen_and_errors(void)
{
	char path[256];
	struct sim_pcap *p;
	static uint8_t big[SIM_PCAP_SNAPLEN + 100];
	uint8_t *file;
	size_t flen = 0;

	errno = 0;
	CHECK(sim_pcap_open("/nonexistent-dir-iotcp/x.pcap") == NULL && errno == ENOENT);
	CHECK(sim_pcap_open(NULL) == NULL && errno == EINVAL);
	CHECK(sim_pcap_close(NULL) == 0);
	if (make_temp(path, sizeof(path)) != 0)
		return;
	p = sim_pcap_open(path);
	CHECK(p != NULL);
	if (!p)
		goto out;
	CHECK(sim_pcap_write(p, 0, big, sizeof(big)) == 0);
	CHECK(sim_pcap_close(p) == 0);
	file = slurp(path, &flen);
	CHECK(file && flen == 24 + 16 + SIM_PCAP_SNAPLEN);
	if (file && flen >= 40) {
		CHECK_EQ_U64(get_le32(file + 24 + 8), SIM_PCAP_SNAPLEN);
		CHECK_EQ_U64(get_le32(file + 24 + 12), sizeof(big));
	}
	free(file);
out:
	unlink(path);
}

/* A link logging what it delivers and what it drops into one file. */
static void null_sink(void *ctx, const uint8_t *pkt, size_t len)
{
}

static void test_link_logging(void)
{
	char path[256];
	struct sim *sim = sim_new(1);
	struct sim_link_cfg cfg = {.delay = 10 * TCP_MSEC, .loss = 0.3};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct sim_link_stats s;
	struct sim_pcap *p;
	uint8_t pkt[100];
	uint8_t *file;
	size_t flen = 0, len;

	if (make_temp(path, sizeof(path)) != 0)
		goto out;
	p = sim_pcap_open(path);
	CHECK(p != NULL);
	if (!p)
		goto out;
	sim_link_set_sink(link, null_sink, NULL);
	sim_link_set_pcap(link, p, true);
	len = build_tcp(pkt, 0x10, 1, 1, 40);
	for (int i = 0; i < 20; i++) {
		sim_run_until(sim, i * TCP_MSEC);
		sim_link_send(link, pkt, len);
	}
	sim_run_until(sim, TCP_TIME_NEVER);
	sim_link_stats(link, &s);
	CHECK(s.dropped_loss > 0);
	CHECK_EQ_U64(sim_pcap_count(p), s.delivered + s.dropped_loss);
	sim_link_free(link);
	link = NULL;
	CHECK(sim_pcap_close(p) == 0);
	file = slurp(path, &flen);
	CHECK_EQ_U64(flen, 24 + 20 * (16 + len));
	/* Timestamps never go backwards even though drops are logged at send time and
	 * deliveries at arrival time. */
	for (size_t off = 24, last = 0; file && off + 16 <= flen; off += 16 + len) {
		size_t t = (size_t)get_le32(file + off) * 1000000 + get_le32(file + off + 4);

		CHECK(t >= last);
		last = t;
	}
	free(file);
	if (have_tshark()) {
		int lines, tcp_lines;

		CHECK_EQ_U64(tshark_read(path, &lines, &tcp_lines), 0);
		CHECK_EQ_U64(lines, 20);
	}
out:
	unlink(path);
	sim_link_free(link);
	sim_free(sim);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_writer);
	RUN(test_snaplen_and_errors);
	RUN(test_link_logging);
	RUN_DONE();
}
