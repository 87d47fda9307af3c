/* SPDX-License-Identifier: BSD-2-Clause */
/* A minimal host for the offload test: a DPDK process with a net_memif client port that talks
 * the offload protocol (docs/protocol.md) to iotcp-nicd.
 *
 * --mode full (default): HELLO exchange; one frame with three OPENs (the file, a missing file,
 * a ../ traversal) -> OPEN_DONE with a fid, -ENOENT, -EXDEV; one frame with three SENDs (the
 * range asked for with an ECHO, an unknown fid, a range past the end of the file) -> ECHO and
 * ERROR(unknown_fid), ERROR(range). The segments go to --dst-mac (the kernel side of the wire
 * tap), where the test captures them. Then the stats file must show pinned store blocks until
 * ACKD, and none after; CLOSE -> CLOSE_DONE; finally the file is opened again and left open (a
 * restarted host must make the NIC forget it).
 * --mode hello: only the HELLO exchange (a new boot id: a host restart for the NIC).
 * --mode nooffload: an OPEN must be answered ERROR(unsupported) (daemon without --docroot).
 * --mode bench: SENDs of --len bytes, four outstanding, ACKD on each ECHO, for --seconds; prints
 * the NIC's segmentation rate.
 * --mode tls: HELLO must advertise TLS; TLS_KEY (TLS 1.3 AES-128-GCM, the fixed test key of
 * capture_tls.py) and a TLS_SEND of the whole record stream of body [--offset, +--len) from
 * port 443, then a retransmission of 1448 bytes from the middle of the stream (in a record sealed
 * long before), and a TLS_SEND under an epoch without a key (ERROR tls_no_key, nothing sent);
 * the stats must show whole records sealed and a range by AES-CTR; ACKD END wipes the key.
 * Prints "peer: ..." progress lines. Exit: 0 pass, 1 fail, 77 when DPDK cannot start. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "eal_harness.h"
#include "port/port_mbuf.h"
#include "proto/offload.h"
#include "proto/proto.h"
#include "tls/record.h"
#include "wire/pkt.h"

#define MAX_REQ	    8
#define MAX_COOKIES 64
#define FLOW_ID	    1
#define SEQ0	    0xfff00000u /* wraps during a long send: exercises sequence arithmetic */

struct peer {
	struct port *port;
	uint8_t mac[6], nic_mac[6], kernel_mac[6];
	uint64_t boot_id, nic_boot_id;
	uint32_t nic_caps;
	uint64_t nic_store;
	bool nic_known, hello_answered;
	/* answers */
	bool open_done[MAX_REQ];
	struct proto_open_done od[MAX_REQ];
	bool echo_seen[MAX_COOKIES];
	struct proto_echo echo[MAX_COOKIES];
	bool error_seen[MAX_COOKIES]; /* by cookie (SEND) */
	struct proto_error error[MAX_COOKIES];
	bool open_error_seen; /* ERROR for an OPEN (no docroot) */
	struct proto_error open_error;
	bool close_done;
	struct proto_close cd;
	uint64_t echo_bytes, echoes, errors;
};


static int send_frame(struct peer *pe, const uint8_t *f, size_t len)
{
	return eal_harness_tx_frame(pe->port, f, len);
}

/* A command frame to the NIC: begin, put commands into w, send. */
struct cmd_frame {
	uint8_t buf[1514];
	struct proto_writer w;
};

static void frame_begin(struct peer *pe, struct cmd_frame *f)
{
	memset(f->buf, 0, 60);
	proto_eth_hdr_put(f->buf, pe->nic_mac, pe->mac);
	proto_writer_init(&f->w, f->buf + 14, sizeof(f->buf) - 14);
}

static int frame_send(struct peer *pe, struct cmd_frame *f)
{
	int n = proto_writer_finish(&f->w);
	if (n < 0)
		return -1;
	return send_frame(pe, f->buf, (size_t)n + 14 < 60 ? 60 : (size_t)n + 14);
}

static void send_hello(struct peer *pe, bool reply)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct cmd_frame f;
	struct proto_hello h = {.version = PROTO_VERSION,
				.role = PROTO_ROLE_HOST,
				.flags = reply ? PROTO_HELLO_F_REPLY : 0,
				.boot_id = pe->boot_id};

	memcpy(h.mac, pe->mac, 6);
	frame_begin(pe, &f);
	proto_eth_hdr_put(f.buf, pe->nic_known ? pe->nic_mac : bcast, pe->mac);
	proto_put_hello(&f.w, &h);
	frame_send(pe, &f);
}

static void handle_cmd(struct peer *pe, const uint8_t *f, const struct proto_cmd *cmd)
{
	struct proto_hello h;
	struct proto_open_done od;
	struct proto_echo ec;
	struct proto_error er;
	struct proto_close cl;

	switch (cmd->type) {
	case PROTO_T_HELLO:
		if (proto_hello_decode(cmd, &h) != 0 || h.role != PROTO_ROLE_NIC)
			break;
		memcpy(pe->nic_mac, h.mac, 6);
		pe->nic_boot_id = h.boot_id;
		pe->nic_caps = h.caps;
		pe->nic_store = h.store_size;
		pe->nic_known = true;
		if (h.flags & PROTO_HELLO_F_REPLY) {
			if (memcmp(f, pe->mac, 6) == 0)
				pe->hello_answered = true;
		} else {
			send_hello(pe, true);
		}
		break;
	case PROTO_T_OPEN_DONE:
		if (proto_open_done_decode(cmd, &od) == 0 && od.req_id < MAX_REQ) {
			pe->od[od.req_id] = od;
			pe->open_done[od.req_id] = true;
		}
		break;
	case PROTO_T_ECHO:
		if (proto_echo_decode(cmd, &ec) == 0) {
			pe->echoes++;
			pe->echo_bytes += ec.len;
			if (ec.cookie < MAX_COOKIES) {
				pe->echo[ec.cookie] = ec;
				pe->echo_seen[ec.cookie] = true;
			}
		}
		break;
	case PROTO_T_ERROR:
		if (proto_error_decode(cmd, &er) != 0)
			break;
		pe->errors++;
		printf("peer: ERROR %s for %s: %s (cookie %" PRIu64 ", req %u)\n",
		       proto_error_reason_name(er.reason), proto_type_name(er.cmd_type),
		       strerror(-er.err), er.cookie, er.req_id);
		if (er.cmd_type == PROTO_T_OPEN) {
			pe->open_error = er;
			pe->open_error_seen = true;
		} else if (er.cookie < MAX_COOKIES) {
			pe->error[er.cookie] = er;
			pe->error_seen[er.cookie] = true;
		}
		break;
	case PROTO_T_CLOSE_DONE:
		if (proto_close_done_decode(cmd, &cl) == 0) {
			pe->cd = cl;
			pe->close_done = true;
		}
		break;
	default:
		break;
	}
}

static void poll_once(struct peer *pe)
{
	struct rte_mbuf *pkts[32];
	uint8_t copy[2048];
	uint16_t n = port_rx_burst(pe->port, pkts, 32);

	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
		const uint8_t *f =
		    len <= sizeof(copy) ? rte_pktmbuf_read(pkts[i], 0, len, copy) : NULL;
		struct proto_iter it;
		struct proto_cmd cmd;
		if (f && len >= 14 && proto_is_proto_frame(f, len) &&
		    proto_frame_open(&it, f + 14, len - 14) == 0)
			while (proto_next(&it, &cmd) > 0)
				handle_cmd(pe, f, &cmd);
		rte_pktmbuf_free(pkts[i]);
	}
	if (!n)
		usleep(50);
}

/* Poll until *flag or timeout; act() every 0.5 s. */
static bool wait_for(struct peer *pe, const bool *flag, double timeout, void (*act)(struct peer *))
{
	double end = eal_harness_now_s() + timeout, next = 0;

	while (!*flag && eal_harness_now_s() < end) {
		if (act && eal_harness_now_s() >= next) {
			act(pe);
			next = eal_harness_now_s() + 0.5;
		}
		poll_once(pe);
	}
	return *flag;
}

static void act_hello(struct peer *pe)
{
	send_hello(pe, false);
}

/* A counter from the daemon's stats file, or -1. */
static long long stat_value(const char *path, const char *key)
{
	char line[256], k[128];
	long long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", k, &v) == 2 && strcmp(k, key) == 0)
			found = v;
	fclose(f);
	return found;
}

/* Poll (answering the NIC) until stats key satisfies cmp against want, or timeout. */
static bool wait_stat(struct peer *pe, const char *path, const char *key, int cmp, long long want,
		      double timeout)
{
	double end = eal_harness_now_s() + timeout;
	long long v = -1;

	while (eal_harness_now_s() < end) {
		v = stat_value(path, key);
		if (v >= 0 && ((cmp > 0 && v > want) || (cmp == 0 && v == want)))
			return true;
		for (int i = 0; i < 200; i++)
			poll_once(pe);
	}
	fprintf(stderr, "FAIL: stats %s = %lld, wanted %s %lld\n", key, v, cmp ? ">" : "==", want);
	return false;
}

struct send_args {
	const struct proto_send_tls *tls; /* a TLS_SEND of the body's record stream */
	uint32_t fid;
	uint64_t off;
	uint32_t len;
	uint16_t mss;
	uint32_t seq;
	uint64_t cookie;
	uint32_t flags;
};

static void put_send(struct peer *pe, struct cmd_frame *f, const struct send_args *a)
{
	struct mac_addr sm, dm;
	uint8_t hdr[128];
	struct tcp_hdr th = {.sport = a->tls ? 443 : 80,
			     .dport = 40000,
			     .seq = a->seq,
			     .ack = 1,
			     .flags = TH_ACK | TH_PSH,
			     .wnd = 65535};

	memcpy(sm.b, pe->mac, 6);
	memcpy(dm.b, pe->kernel_mac, 6);
	struct pkt_tcp_out o = {.src_mac = &sm,
				.dst_mac = &dm,
				.saddr = 0xc6120001, /* 198.18.0.1 */
				.daddr = 0xc6120002, /* 198.18.0.2 */
				.ttl = 64,
				.ip_id = 100,
				.ip_frag_off = IPV4_DF,
				.tcp = &th};
	size_t hlen = pkt_build_tcp(hdr, sizeof(hdr), &o);
	struct proto_send s = {.flow = FLOW_ID,
			       .fid = a->fid,
			       .file_off = a->off,
			       .len = a->len,
			       .mss = a->mss,
			       .tmpl_len = (uint16_t)hlen,
			       .flags = a->flags,
			       .cookie = a->cookie,
			       .tmpl = hdr,
			       .is_tls = a->tls != NULL};
	if (a->tls)
		s.tls = *a->tls;
	proto_put_send(&f->w, &s);
}

static void send_ackd(struct peer *pe, uint32_t acked, uint32_t flags)
{
	struct cmd_frame f;
	struct proto_ackd a = {.flow = FLOW_ID, .acked = acked, .flags = flags};

	frame_begin(pe, &f);
	proto_put_ackd(&f.w, &a);
	frame_send(pe, &f);
}

static int open_file(struct peer *pe, uint32_t req, const char *path, struct proto_open_done *out)
{
	struct cmd_frame f;

	pe->open_done[req] = false;
	frame_begin(pe, &f);
	proto_put_open(&f.w, req, path, (uint16_t)strlen(path));
	frame_send(pe, &f);
	if (!wait_for(pe, &pe->open_done[req], 5, NULL)) {
		fprintf(stderr, "FAIL: no OPEN_DONE for %s\n", path);
		return -1;
	}
	*out = pe->od[req];
	return 0;
}

struct opts {
	const char *path, *stats;
	uint64_t off;
	uint32_t len;
	uint16_t mss;
	double seconds;
};

static int mode_full(struct peer *pe, const struct opts *o)
{
	struct cmd_frame f;
	const char *traversal = "../../../../etc/passwd";

	/* 1. OPEN x3 in one frame. */
	frame_begin(pe, &f);
	proto_put_open(&f.w, 1, o->path, (uint16_t)strlen(o->path));
	proto_put_open(&f.w, 2, "no-such-file", 12);
	proto_put_open(&f.w, 3, traversal, (uint16_t)strlen(traversal));
	frame_send(pe, &f);
	for (uint32_t r = 1; r <= 3; r++)
		if (!wait_for(pe, &pe->open_done[r], 5, NULL)) {
			fprintf(stderr, "FAIL: no OPEN_DONE for request %u\n", r);
			return 1;
		}
	struct proto_open_done *od = &pe->od[1];
	printf("peer: OPEN %s -> fid 0x%x size %" PRIu64
	       " err %d; missing -> %d; traversal -> %d\n",
	       o->path, od->fid, od->size, od->err, pe->od[2].err, pe->od[3].err);
	if (od->err != 0 || od->size < o->off + o->len) {
		fprintf(stderr, "FAIL: OPEN of %s failed or the file is too short\n", o->path);
		return 1;
	}
	if (pe->od[2].err != -ENOENT || pe->od[3].err != -EXDEV) {
		fprintf(stderr, "FAIL: missing file / traversal not refused (%d, %d)\n",
			pe->od[2].err, pe->od[3].err);
		return 1;
	}
	/* 2. SEND x3 in one frame: the real one, unknown fid, range past the end. */
	frame_begin(pe, &f);
	struct send_args good = {.fid = od->fid,
				 .off = o->off,
				 .len = o->len,
				 .mss = o->mss,
				 .seq = SEQ0,
				 .cookie = 1,
				 .flags = PROTO_SEND_F_ECHO};
	struct send_args badfid = good, badrange = good;
	badfid.fid = od->fid ^ 0x7;
	badfid.cookie = 2;
	badrange.off = od->size - 10;
	badrange.len = 100;
	badrange.cookie = 3;
	put_send(pe, &f, &good);
	put_send(pe, &f, &badfid);
	put_send(pe, &f, &badrange);
	frame_send(pe, &f);
	if (!wait_for(pe, &pe->echo_seen[1], 5, NULL)) {
		fprintf(stderr, "FAIL: no ECHO for the SEND\n");
		return 1;
	}
	struct proto_echo *ec = &pe->echo[1];
	printf("peer: ECHO flow %u seq 0x%x len %u nic_delay %u ns\n", ec->flow, ec->seq, ec->len,
	       ec->nic_delay_ns);
	if (ec->flow != FLOW_ID || ec->seq != SEQ0 || ec->len != o->len) {
		fprintf(stderr, "FAIL: ECHO does not match the SEND\n");
		return 1;
	}
	if (!wait_for(pe, &pe->error_seen[2], 3, NULL) ||
	    !wait_for(pe, &pe->error_seen[3], 3, NULL)) {
		fprintf(stderr, "FAIL: no ERROR for the bad SENDs\n");
		return 1;
	}
	if (pe->error[2].reason != PROTO_ERR_UNKNOWN_FID || pe->error[2].cmd_type != PROTO_T_SEND ||
	    pe->error[3].reason != PROTO_ERR_RANGE) {
		fprintf(stderr, "FAIL: wrong ERROR reasons %u, %u\n", pe->error[2].reason,
			pe->error[3].reason);
		return 1;
	}
	/* 3. The sent data stays pinned until ACKD. */
	if (!wait_stat(pe, o->stats, "nic_store_pinned_blocks", 1, 0, 3))
		return 1;
	printf("peer: %lld store blocks pinned before ACKD\n",
	       stat_value(o->stats, "nic_store_pinned_blocks"));
	send_ackd(pe, SEQ0 + o->len / 2, 0); /* half: the one SEND is not released yet */
	send_ackd(pe, SEQ0 + o->len, 0);
	if (!wait_stat(pe, o->stats, "nic_store_pinned_blocks", 0, 0, 3) ||
	    !wait_stat(pe, o->stats, "nic_jobs_pinned", 0, 0, 1))
		return 1;
	printf("peer: ACKD released every pinned block\n");
	/* 4. CLOSE, then open again and leave it open for the host-restart check. */
	frame_begin(pe, &f);
	proto_put_close(&f.w, od->fid);
	frame_send(pe, &f);
	if (!wait_for(pe, &pe->close_done, 3, NULL) || pe->cd.fid != od->fid || pe->cd.err) {
		fprintf(stderr, "FAIL: no CLOSE_DONE\n");
		return 1;
	}
	struct proto_open_done again;
	if (open_file(pe, 4, o->path, &again) || again.err) {
		fprintf(stderr, "FAIL: reopening failed\n");
		return 1;
	}
	if (!wait_stat(pe, o->stats, "nic_files_open", 0, 1, 3))
		return 1;
	printf("peer: offload checks passed; file left open\n");
	return 0;
}

/* The key capture_tls.py decrypts with. */
static void test_tls_key(struct proto_tls_key *k)
{
	*k = (struct proto_tls_key){.flow = FLOW_ID, .epoch = 0, .version = TLS_VERSION_13,
				    .cipher = TLS_CIPHER_AES_128_GCM, .key_len = 16, .iv_len = 12};
	for (int i = 0; i < 16; i++)
		k->key[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < 12; i++)
		k->iv[i] = (uint8_t)(0x80 + i);
}

static int mode_tls(struct peer *pe, const struct opts *o)
{
	struct proto_open_done od;
	struct cmd_frame f;
	struct tls_layout l;

	if (!(pe->nic_caps & PROTO_CAP_TLS)) {
		fprintf(stderr, "FAIL: the NIC's HELLO does not advertise TLS\n");
		return 1;
	}
	if (open_file(pe, 1, o->path, &od) || od.err || od.size < o->off + o->len ||
	    tls_layout_init(&l, TLS_VERSION_13, TLS_CIPHER_AES_128_GCM, TLS_ALIGN_FILE, 16384,
			    o->off, o->len) < 0 || l.stream_len > (4u << 20)) {
		fprintf(stderr, "FAIL: tls: cannot open %s (or bad range)\n", o->path);
		return 1;
	}
	struct proto_tls_key k;
	test_tls_key(&k);
	struct proto_send_tls body = {.epoch = 0, .rec_size = 16384, .align = TLS_ALIGN_FILE,
				      .body_off = o->off, .body_len = o->len, .rec_seq = 5};
	struct send_args all = {.tls = &body, .fid = od.fid, .off = 0,
				.len = (uint32_t)l.stream_len, .mss = o->mss, .seq = SEQ0,
				.cookie = 10, .flags = PROTO_SEND_F_ECHO};
	frame_begin(pe, &f);
	proto_put_tls_key(&f.w, &k);
	put_send(pe, &f, &all);
	frame_send(pe, &f);
	if (!wait_for(pe, &pe->echo_seen[10], 5, NULL) || pe->echo[10].len != l.stream_len) {
		fprintf(stderr, "FAIL: tls: no ECHO for the TLS_SEND\n");
		return 1;
	}
	/* a retransmission from the middle of the stream, and a TLS_SEND without a key */
	struct send_args re = all, nokey = all;
	struct proto_send_tls other = body;
	re.off = l.stream_len / 2 + 7;
	re.len = o->mss;
	re.seq = SEQ0 + (uint32_t)re.off;
	re.cookie = 11;
	re.flags |= PROTO_SEND_F_RETRANSMIT;
	other.epoch = 9;
	nokey.tls = &other;
	nokey.cookie = 12;
	frame_begin(pe, &f);
	put_send(pe, &f, &re);
	put_send(pe, &f, &nokey);
	frame_send(pe, &f);
	if (!wait_for(pe, &pe->echo_seen[11], 5, NULL) ||
	    !wait_for(pe, &pe->error_seen[12], 3, NULL)) {
		fprintf(stderr, "FAIL: tls: no ECHO for the retransmission or no ERROR\n");
		return 1;
	}
	if (pe->error[12].reason != PROTO_ERR_TLS_NO_KEY ||
	    pe->error[12].cmd_type != PROTO_T_TLS_SEND || pe->echo_seen[12]) {
		fprintf(stderr, "FAIL: tls: a TLS_SEND without a key was not refused\n");
		return 1;
	}
	printf("peer: TLS_SEND of %" PRIu64 " stream bytes (%" PRIu64
	       " records), a retransmitted MSS, tls_no_key refused\n",
	       l.stream_len, l.nrec);
	if (!wait_stat(pe, o->stats, "nic_tls_seals", 1, (long long)l.nrec - 1, 3) ||
	    !wait_stat(pe, o->stats, "nic_tls_range_seals", 1, 0, 3) ||
	    !wait_stat(pe, o->stats, "nic_tls_epochs_live", 0, 1, 3))
		return 1;
	send_ackd(pe, 0, PROTO_ACKD_F_END);
	if (!wait_stat(pe, o->stats, "nic_tls_epochs_live", 0, 0, 3) ||
	    !wait_stat(pe, o->stats, "nic_tls_records_live", 0, 0, 3) ||
	    !wait_stat(pe, o->stats, "nic_store_pinned_blocks", 0, 0, 3))
		return 1;
	printf("peer: TLS checks passed; the key is wiped\n");
	return 0;
}

static int mode_nooffload(struct peer *pe, const struct opts *o)
{
	struct cmd_frame f;

	frame_begin(pe, &f);
	proto_put_open(&f.w, 5, o->path, (uint16_t)strlen(o->path));
	frame_send(pe, &f);
	if (!wait_for(pe, &pe->open_error_seen, 5, NULL)) {
		fprintf(stderr, "FAIL: no ERROR for an OPEN without a docroot\n");
		return 1;
	}
	if (pe->open_error.reason != PROTO_ERR_UNSUPPORTED || pe->open_error.req_id != 5 ||
	    pe->open_done[5]) {
		fprintf(stderr, "FAIL: wrong answer to OPEN without a docroot\n");
		return 1;
	}
	printf("peer: OPEN without a docroot -> ERROR(unsupported)\n");
	return 0;
}

static int mode_bench(struct peer *pe, const struct opts *o)
{
	struct proto_open_done od;
	enum { OUTSTANDING = 4 };
	uint64_t next_cookie = 0, issued = 0, done = 0;
	uint32_t seq = SEQ0;

	if (open_file(pe, 1, o->path, &od) || od.err || od.size < o->len) {
		fprintf(stderr, "FAIL: bench: cannot open %s (or too short)\n", o->path);
		return 1;
	}
	double t0 = eal_harness_now_s(), end = t0 + o->seconds;
	uint64_t errors0 = pe->errors;
	while (eal_harness_now_s() < end) {
		while (issued - done < OUTSTANDING) {
			struct cmd_frame f;
			uint64_t c = next_cookie++ % MAX_COOKIES;
			struct send_args a = {.fid = od.fid,
					      .off = 0,
					      .len = o->len,
					      .mss = o->mss,
					      .seq = seq,
					      .cookie = c,
					      .flags = PROTO_SEND_F_ECHO};
			pe->echo_seen[c] = false;
			frame_begin(pe, &f);
			put_send(pe, &f, &a);
			if (frame_send(pe, &f))
				break;
			seq += o->len;
			issued++;
		}
		uint64_t before = pe->echoes;
		poll_once(pe);
		if (pe->echoes != before) {
			done += pe->echoes - before;
			send_ackd(pe, pe->echo[(done - 1) % MAX_COOKIES].seq + o->len, 0);
		}
		if (pe->errors != errors0) {
			fprintf(stderr, "FAIL: bench: the NIC reported errors\n");
			return 1;
		}
	}
	double dt = eal_harness_now_s() - t0;
	double segs = (double)pe->echo_bytes / o->mss;
	printf("peer: bench %" PRIu64 " SENDs of %u B in %.2f s: %.2f Gb/s, %.0f segments/s\n",
	       done, o->len, dt, (double)pe->echo_bytes * 8 / dt / 1e9, segs / dt);
	send_ackd(pe, seq, PROTO_ACKD_F_END);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *prefix = NULL, *mode = "full", *dst_mac = "02:00:00:00:00:02";
	struct opts o = {.path = "file.bin", .len = 200000, .mss = 1448, .seconds = 2};
	int lcore = 1;
	char err[256], vdev[256];
	static struct peer pe;
	int rc = 1;

	static const struct option lopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"file-prefix", required_argument, NULL, 'p'},
	    {"lcore", required_argument, NULL, 'l'},
	    {"mode", required_argument, NULL, 'm'},
	    {"dst-mac", required_argument, NULL, 'd'},
	    {"path", required_argument, NULL, 'f'},
	    {"offset", required_argument, NULL, 'o'},
	    {"len", required_argument, NULL, 'n'},
	    {"mss", required_argument, NULL, 'M'},
	    {"stats-file", required_argument, NULL, 'S'},
	    {"seconds", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'l':
			lcore = atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'd':
			dst_mac = optarg;
			break;
		case 'f':
			o.path = optarg;
			break;
		case 'o':
			o.off = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			o.len = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'M':
			o.mss = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			o.stats = optarg;
			break;
		case 'T':
			o.seconds = atof(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: offload_peer --socket PATH --file-prefix P [...]\n");
			return 2;
		}
	}
	if (!sock || !prefix || parse_mac(dst_mac, pe.kernel_mac) || !o.len || !o.mss ||
	    ((strcmp(mode, "full") == 0 || strcmp(mode, "tls") == 0) && !o.stats) ||
	    port_vdev_memif(vdev, sizeof(vdev), 0, false, sock) < 0) {
		fprintf(stderr, "offload_peer: bad arguments\n");
		return 2;
	}
	struct eal_harness eal = {.prog = "offload_peer", .lcore = lcore, .file_prefix = prefix};
	int erc = eal_harness_start(&eal);
	if (erc)
		return erc;
	struct port_config pc = {.name = "net_memif0", .devargs = vdev};
	pe.port = port_open(&pc, err, sizeof(err));
	if (!pe.port) {
		fprintf(stderr, "offload_peer: %s\n", err);
		goto out;
	}
	port_mac(pe.port, pe.mac);
	while (getrandom(&pe.boot_id, sizeof(pe.boot_id), 0) != sizeof(pe.boot_id) || !pe.boot_id)
		;
	double end = eal_harness_now_s() + 10;
	while (!port_link_up(pe.port) && eal_harness_now_s() < end)
		usleep(10000);
	if (!port_link_up(pe.port)) {
		fprintf(stderr, "FAIL: memif link to the NIC never came up\n");
		goto out;
	}
	if (!wait_for(&pe, &pe.hello_answered, 10, act_hello)) {
		fprintf(stderr, "FAIL: no HELLO reply from the NIC\n");
		goto out;
	}
	printf("peer: HELLO from NIC boot %016" PRIx64
	       " caps 0x%x (tx csum %s, tso %s) store %" PRIu64 " bytes\n",
	       pe.nic_boot_id, pe.nic_caps, pe.nic_caps & PROTO_CAP_TX_CSUM ? "yes" : "no",
	       pe.nic_caps & PROTO_CAP_TSO ? "yes" : "no", pe.nic_store);
	if (strcmp(mode, "full") == 0) {
		if (pe.nic_store == 0) {
			fprintf(stderr, "FAIL: the NIC's HELLO advertises no store\n");
			goto out;
		}
		rc = mode_full(&pe, &o);
	} else if (strcmp(mode, "nooffload") == 0) {
		rc = pe.nic_store == 0 ? mode_nooffload(&pe, &o) : 1;
	} else if (strcmp(mode, "bench") == 0) {
		rc = mode_bench(&pe, &o);
	} else if (strcmp(mode, "tls") == 0) {
		rc = mode_tls(&pe, &o);
	} else {
		rc = 0; /* hello */
	}
	/* Let the NIC's answers to our last frames drain before the link goes. */
	for (int i = 0; i < 100; i++)
		poll_once(&pe);
out:
	port_close(pe.port);
	eal_harness_stop();
	return rc;
}
