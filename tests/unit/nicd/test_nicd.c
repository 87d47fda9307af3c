/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd's DPDK-free parts: command line, stats file and counter lines, and the
 * HELLO/HEARTBEAT logic. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "nicd_ctl.h"
#include "nicd_opts.h"
#include "nicd_stats.h"
#include "proto/offload.h"

static int parse(int argc, char **argv, struct nicd_opts *o)
{
	char err[256];
	int rc = nicd_opts_parse(argc, argv, o, err, sizeof(err));
	if (rc)
		printf("  (rejected: %s)\n", err);
	return rc;
}

static void test_opts(void)
{
	struct nicd_opts o;

	char *minimal[] = {"iotcp-nicd", "--host-socket", "/tmp/h.sock", NULL};
	CHECK_EQ_U64(parse(3, minimal, &o), 0);
	CHECK(strcmp(o.host_socket, "/tmp/h.sock") == 0);
	CHECK_EQ_U64(o.wire_kind, NICD_WIRE_TAP);
	CHECK(strcmp(o.wire_ifname, "iotcp0") == 0);
	CHECK(strcmp(o.file_prefix, NICD_DEFAULT_PREFIX) == 0);
	CHECK_EQ_U64(o.lcore, 0);
	CHECK(!o.foreground);
	CHECK_EQ_U64(o.shards, 1);

	char *shards[] = {"iotcp-nicd", "--host-socket", "/tmp/h.sock", "--shards", "8", NULL};
	CHECK_EQ_U64(parse(5, shards, &o), 0);
	CHECK_EQ_U64(o.shards, 8);
	CHECK_EQ_U64(o.mem_mb, NICD_DEFAULT_MEM_MB + 7 * NICD_SHARD_MEM_MB);
	char *shards_mem[] = {"iotcp-nicd", "--host-socket", "/tmp/h.sock", "--shards",
			      "8",	    "--mem-mb",	     "300",	    NULL};
	CHECK_EQ_U64(parse(7, shards_mem, &o), 0);
	CHECK_EQ_U64(o.mem_mb, 300);

	char *full[] = {"iotcp-nicd",	  "--host-socket", "/tmp/h.sock", "--wire",
			"afpacket:veth1", "--lcore",	   "1",		  "--file-prefix",
			"nicd-x",	  "--docroot",	   "/tmp",	  "--stats-file",
			"/tmp/s",	  "--log-file",	   "/tmp/l",	  "--foreground",
			"--mem-mb",	  "128",	   NULL};
	CHECK_EQ_U64(parse(18, full, &o), 0);
	CHECK_EQ_U64(o.wire_kind, NICD_WIRE_AF_PACKET);
	CHECK(strcmp(o.wire_ifname, "veth1") == 0);
	CHECK_EQ_U64(o.lcore, 1);
	CHECK_EQ_U64(o.mem_mb, 128);
	CHECK(o.foreground);
	CHECK(strcmp(o.docroot, "/tmp") == 0);

	char *help[] = {"iotcp-nicd", "--help", NULL};
	CHECK_EQ_U64(parse(2, help, &o), 0);
	CHECK(o.help);

	/* Rejected: each of these must fail, never crash. */
	char *bad[][4] = {
	    {"iotcp-nicd", NULL},
	    {"iotcp-nicd", "--host-socket", NULL},
	    {"iotcp-nicd", "--bogus", NULL},
	    {"iotcp-nicd", "--wire", "eth:x", NULL},
	    {"iotcp-nicd", "--wire", "tap:", NULL},
	    {"iotcp-nicd", "--wire", "tap:a/b", NULL},
	    {"iotcp-nicd", "--wire", "tap:waytoolongifname0", NULL},
	    {"iotcp-nicd", "--lcore", "-1", NULL},
	    {"iotcp-nicd", "--lcore", "1x", NULL},
	    {"iotcp-nicd", "--lcore", "99999", NULL},
	    {"iotcp-nicd", "--file-prefix", "../x", NULL},
	    {"iotcp-nicd", "--docroot", "/nonexistent/iotcp", NULL},
	    {"iotcp-nicd", "--docroot", "/etc/passwd", NULL},
	    {"iotcp-nicd", "--mem-mb", "1", NULL},
	    {"iotcp-nicd", "--host-socket", "/a,b", NULL},
	    {"iotcp-nicd", "stray", NULL},
	    {"iotcp-nicd", "--shards", "0", NULL},
	    {"iotcp-nicd", "--shards", "9", NULL},
	    {"iotcp-nicd", "--shards", "2x", NULL},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int argc = 0;
		while (bad[i][argc])
			argc++;
		char *args[8] = {0};
		memcpy(args, bad[i], (size_t)argc * sizeof(char *));
		/* Add a valid --host-socket unless the case is about it. */
		if (i >= 3 && i != 14) {
			args[argc++] = "--host-socket";
			args[argc++] = "/tmp/h.sock";
		}
		CHECK(parse(argc, args, &o) != 0);
	}
	CHECK(strstr(nicd_usage(), "--host-socket") != NULL);
}

static void test_stats(void)
{
	char dir[] = "/tmp/iotcp-nicd-test-XXXXXX";
	char path[128], line[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/stats", dir);
	const struct nicd_kv kv[] = {
	    {"host_rx_frames", 12}, {"malformed", 0}, {"big", 18446744073709551615ull}};
	CHECK_EQ_U64(nicd_stats_write(path, kv, 3), 0);
	CHECK_EQ_U64(nicd_stats_write(path, kv, 3), 0); /* replaces */
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		CHECK(fgets(line, sizeof(line), f) && strcmp(line, "host_rx_frames 12\n") == 0);
		CHECK(fgets(line, sizeof(line), f) && strcmp(line, "malformed 0\n") == 0);
		CHECK(fgets(line, sizeof(line), f) &&
		      strcmp(line, "big 18446744073709551615\n") == 0);
		CHECK(fgets(line, sizeof(line), f) == NULL);
		fclose(f);
	}
	/* No temporary file is left behind. */
	snprintf(line, sizeof(line), "%s.tmp.%ld", path, (long)getpid());
	CHECK(access(line, F_OK) != 0);
	CHECK_EQ_U64(nicd_stats_write("", kv, 1), -EINVAL);
	snprintf(line, sizeof(line), "%s/missing/stats", dir);
	CHECK_EQ_U64(nicd_stats_write(line, kv, 1), -ENOENT);
	unlink(path);
	rmdir(dir);
}

/* The daemon's own counters' lines (nicd_counters.h): each group's keys in list order, values
 * from the right fields, the ERRORs by reason with "other" last, and a full list drops lines. */
static void test_counter_lines(void)
{
	struct nicd_counters c;
	struct nicd_kv kv[64];
	struct nicd_kv_list l = {kv, 0, 64};
	struct nicd_error_keys keys;

	memset(&c, 0, sizeof(c));
	c.forwarded_to_wire = 7;
	c.ctl_tx_dropped = 9;
	c.steered_to_all = 4;
	c.cmd_tx_dropped = 3;
	c.errors_by_reason[0] = 5;
	c.errors_by_reason[1] = 6;
	c.cycles.idle_sleep = 11;
	nicd_counters_kv(&l, &c, NICD_CG_FWD);
	CHECK_EQ_U64(l.n, 10);
	CHECK(strcmp(kv[0].key, "forwarded_to_wire") == 0 && kv[0].value == 7);
	CHECK(strcmp(kv[8].key, "ctl_tx_dropped") == 0 && kv[8].value == 9);
	CHECK(strcmp(kv[9].key, "steered_to_all") == 0 && kv[9].value == 4);
	l.n = 0;
	nicd_counters_kv(&l, &c, NICD_CG_HOST_TX);
	CHECK_EQ_U64(l.n, 1);
	CHECK(strcmp(kv[0].key, "cmd_tx_dropped") == 0 && kv[0].value == 3);
	l.n = 0;
	nicd_counters_kv(&l, &c, NICD_CG_LINK);
	nicd_counters_kv(&l, &c, NICD_CG_ENGINE);
	CHECK_EQ_U64(l.n, 2);
	CHECK(strcmp(kv[0].key, "link_changes") == 0 && strcmp(kv[1].key, "engine_resets") == 0);
	l.n = 0;
	nicd_stages_kv(&l, &c.cycles);
	CHECK_EQ_U64(l.n, 9);
	CHECK(strcmp(kv[0].key, "cycles_host_rx") == 0);
	CHECK(strcmp(kv[4].key, "cycles_wire_tx") == 0);
	CHECK(strcmp(kv[8].key, "cycles_idle_sleep") == 0 && kv[8].value == 11);
	l.n = 0;
	nicd_errors_kv(&l, &c, &keys);
	CHECK_EQ_U64(l.n, NICD_ERR_REASONS);
	char want[64];
	snprintf(want, sizeof(want), "nic_error_%s", proto_error_reason_name(1));
	CHECK(strcmp(kv[0].key, want) == 0 && kv[0].value == 6);
	CHECK(strcmp(kv[l.n - 1].key, "nic_error_other") == 0 && kv[l.n - 1].value == 5);
	struct nicd_kv_list small = {kv, 0, 2};
	nicd_counters_kv(&small, &c, NICD_CG_FWD);
	CHECK_EQ_U64(small.n, 2);
}

static const uint8_t nic_mac[6] = {0x02, 0xaa, 0, 0, 0, 1};
static const uint8_t host_mac[6] = {0x02, 0xbb, 0, 0, 0, 2};

/* A frame from the host holding a HELLO (and optionally a HEARTBEAT). */
static size_t host_frame(uint8_t *buf, size_t cap, const uint8_t src[6], uint8_t role,
			 uint8_t flags, uint64_t boot, bool with_hb, uint64_t hb_boot)
{
	struct proto_writer w;
	struct proto_hello h = {.version = 1, .role = role, .flags = flags, .boot_id = boot};
	memcpy(h.mac, src, 6);
	proto_eth_hdr_put(buf, nic_mac, src);
	proto_writer_init(&w, buf + 14, cap - 14);
	if (role)
		proto_put_hello(&w, &h);
	if (with_hb) {
		struct proto_heartbeat hb = {.boot_id = hb_boot, .seq = 1};
		proto_put_heartbeat(&w, &hb);
	}
	return 14 + (size_t)proto_writer_finish(&w);
}

/* Decode the single HELLO in a frame we built. */
static bool reply_hello(const uint8_t *f, int len, struct proto_hello *h)
{
	struct proto_iter it;
	struct proto_cmd cmd;

	return len > 14 && proto_frame_open(&it, f + 14, (size_t)len - 14) == 0 &&
	       proto_next(&it, &cmd) == 1 && proto_hello_decode(&cmd, h) == 0 &&
	       proto_next(&it, &cmd) == 0;
}

static void test_ctl(void)
{
	struct nicd_ctl ctl;
	uint8_t in[256], out[NICD_CTL_FRAME_MAX];
	struct proto_hello h;
	int n;

	nicd_ctl_init(&ctl, nic_mac, 0x1234, PROTO_CAP_TX_CSUM, 0);

	/* Before the host is known, the tick is a broadcast HELLO. */
	n = nicd_ctl_tick(&ctl, 100, out, sizeof(out));
	CHECK_EQ_U64(n, NICD_ETH_MIN_FRAME);
	CHECK(memcmp(out, "\xff\xff\xff\xff\xff\xff", 6) == 0);
	CHECK(memcmp(out + 6, nic_mac, 6) == 0);
	CHECK(reply_hello(out, n, &h));
	CHECK_EQ_U64(h.role, PROTO_ROLE_NIC);
	CHECK_EQ_U64(h.flags, 0);
	CHECK_EQ_U64(h.boot_id, 0x1234);
	CHECK_EQ_U64(h.caps, PROTO_CAP_TX_CSUM);
	CHECK(memcmp(h.mac, nic_mac, 6) == 0);

	/* The host's HELLO is answered with a REPLY HELLO addressed to the learned MAC. */
	size_t len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_HOST, 0, 77, false, 0);
	n = nicd_ctl_input(&ctl, in, len, 101, out, sizeof(out));
	CHECK(n > 0);
	CHECK(ctl.host_known && ctl.host_alive);
	CHECK(memcmp(ctl.host_mac, host_mac, 6) == 0);
	CHECK(memcmp(out, host_mac, 6) == 0);
	CHECK(reply_hello(out, n, &h));
	CHECK_EQ_U64(h.flags, PROTO_HELLO_F_REPLY);
	CHECK_EQ_U64(ctl.c.hello_rx, 1);

	/* A REPLY HELLO is not answered again (no ping-pong); same boot id: no restart. */
	len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_HOST, PROTO_HELLO_F_REPLY, 77, false,
			 0);
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 101, out, sizeof(out)), 0);
	CHECK_EQ_U64(ctl.c.host_restarts, 0);

	/* Heartbeats: after the host is known, ticks send HEARTBEAT with rising seq. */
	for (uint64_t s = 1; s <= 2; s++) {
		n = nicd_ctl_tick(&ctl, 102, out, sizeof(out));
		struct proto_iter it;
		struct proto_cmd cmd;
		struct proto_heartbeat hb;
		CHECK(n > 0 && proto_frame_open(&it, out + 14, (size_t)n - 14) == 0);
		CHECK(proto_next(&it, &cmd) == 1 && proto_heartbeat_decode(&cmd, &hb) == 0);
		CHECK_EQ_U64(hb.seq, s);
		CHECK_EQ_U64(hb.boot_id, 0x1234);
		CHECK(memcmp(out, host_mac, 6) == 0);
	}
	CHECK_EQ_U64(ctl.c.heartbeat_tx, 2);

	/* The host's heartbeat keeps it alive; silence for 3 s is a timeout. */
	len = host_frame(in, sizeof(in), host_mac, 0, 0, 0, true, 77);
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 103, out, sizeof(out)), 0);
	CHECK_EQ_U64(ctl.c.heartbeat_rx, 1);
	nicd_ctl_tick(&ctl, 105, out, sizeof(out));
	CHECK(ctl.host_alive);
	nicd_ctl_tick(&ctl, 106, out, sizeof(out));
	CHECK(!ctl.host_alive);
	CHECK_EQ_U64(ctl.c.host_timeouts, 1);

	/* A heartbeat from an unknown boot: we introduce ourselves with a plain HELLO. */
	len = host_frame(in, sizeof(in), host_mac, 0, 0, 0, true, 99);
	n = nicd_ctl_input(&ctl, in, len, 107, out, sizeof(out));
	CHECK(n > 0 && reply_hello(out, n, &h) && h.flags == 0);
	CHECK_EQ_U64(ctl.c.stale_heartbeats, 1);

	/* A restarted host (new boot id) is counted and learned. */
	len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_HOST, 0, 99, true, 99);
	CHECK(nicd_ctl_input(&ctl, in, len, 108, out, sizeof(out)) > 0);
	CHECK_EQ_U64(ctl.c.host_restarts, 1);
	CHECK_EQ_U64(ctl.host_boot_id, 99);
	CHECK(ctl.host_alive);

	/* Unknown and reserved commands are counted, not fatal (offload commands such as OPEN
	 * belong to the engine: test_reject_offload). */
	struct proto_writer w;
	proto_eth_hdr_put(in, nic_mac, host_mac);
	proto_writer_init(&w, in + 14, sizeof(in) - 14);
	proto_put_raw(&w, PROTO_T_STATS, "x", 1);
	proto_put_raw(&w, 0x4242, NULL, 0);
	len = 14 + (size_t)proto_writer_finish(&w);
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 108, out, sizeof(out)), 0);
	CHECK_EQ_U64(ctl.c.unknown_cmds, 2);

	/* Malformed: each is counted and changes nothing. */
	uint64_t before = ctl.c.malformed, hello_rx = ctl.c.hello_rx;
	const uint8_t other_mac[6] = {0x02, 0xcc, 0, 0, 0, 3};
	len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_NIC, 0, 5, false, 0); /* wrong role */
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 109, out, sizeof(out)), -1);
	len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_HOST, 0, 5, false, 0);
	memcpy(in + 6, other_mac, 6); /* HELLO MAC is not the frame's source */
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 109, out, sizeof(out)), -1);
	len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_HOST, 0, 5, true, 0); /* hb boot 0 */
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 109, out, sizeof(out)), -1);
	len = host_frame(in, sizeof(in), host_mac, PROTO_ROLE_HOST, 0, 5, false, 0);
	for (size_t cut = 0; cut < len; cut++) /* every truncation */
		CHECK_EQ_U64(nicd_ctl_input(&ctl, in, cut, 109, out, sizeof(out)), -1);
	in[12] = 0x08; /* not 0x88B5 */
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 109, out, sizeof(out)), -1);
	CHECK_EQ_U64(nicd_ctl_input(&ctl, NULL, 0, 109, out, sizeof(out)), -1);
	CHECK_EQ_U64(ctl.c.malformed, before + 4 + len + 1);
	CHECK_EQ_U64(ctl.c.hello_rx, hello_rx);
	CHECK_EQ_U64(ctl.host_boot_id, 99);

	/* VLAN-tagged 0x88B5 is not a command. */
	uint8_t tag[80] = {0};
	memcpy(tag + 6, host_mac, 6);
	tag[12] = 0x81;
	tag[16] = 0x88;
	tag[17] = 0xB5;
	CHECK_EQ_U64(nicd_ctl_input(&ctl, tag, sizeof(tag), 109, out, sizeof(out)), -1);
}

static void test_ethertype(void)
{
	uint8_t f[64] = {0};
	bool tagged;

	f[12] = 0x08;
	f[13] = 0x06;
	CHECK_EQ_U64(nicd_frame_ethertype(f, 14, &tagged), 0x0806);
	CHECK(!tagged);
	CHECK_EQ_U64(nicd_frame_ethertype(f, 13, &tagged), (uint64_t)-1);
	f[12] = 0x81;
	f[13] = 0x00;
	f[16] = 0x88;
	f[17] = 0xB5;
	CHECK_EQ_U64(nicd_frame_ethertype(f, 18, &tagged), 0x88B5);
	CHECK(tagged);
	CHECK_EQ_U64(nicd_frame_ethertype(f, 17, &tagged), (uint64_t)-1);
	f[16] = 0x88; /* QinQ: 0x88A8 then 0x8100 then the type */
	f[17] = 0xA8;
	f[12] = 0x88;
	f[13] = 0xA8;
	f[16] = 0x81;
	f[17] = 0x00;
	f[20] = 0x88;
	f[21] = 0xB5;
	CHECK_EQ_U64(nicd_frame_ethertype(f, 22, &tagged), 0x88B5);
	/* A third tag is reported as the type (never skipped without bound). */
	f[20] = 0x81;
	f[21] = 0x00;
	CHECK_EQ_U64(nicd_frame_ethertype(f, 64, &tagged), 0x8100);
}

/* The offload options: defaults, accepted values, and every rejection. */
static void test_offload_opts(void)
{
	struct nicd_opts o;

	char *minimal[] = {"iotcp-nicd", "--host-socket", "/tmp/h.sock", NULL};
	CHECK_EQ_U64(parse(3, minimal, &o), 0);
	CHECK_EQ_U64(o.store_mb, NICD_DEFAULT_STORE_MB);
	CHECK_EQ_U64(o.block_kb, NICD_DEFAULT_BLOCK_KB);
	CHECK_EQ_U64(o.max_files, NICD_DEFAULT_MAX_FILES);
	CHECK_EQ_U64(o.max_jobs, NICD_DEFAULT_MAX_JOBS);
	CHECK_EQ_U64(o.flow_jobs, 0);	   /* the engine's default */
	CHECK_EQ_U64(o.flow_pinned_kb, 0); /* 1/8 of the store */
	CHECK(o.docroot == NULL);

	char *limits[] = {
	    "iotcp-nicd", "--host-socket",    "/tmp/h.sock", "--max-jobs", "100", "--flow-jobs",
	    "10",	  "--flow-pinned-kb", "256",	     NULL};
	CHECK_EQ_U64(parse(9, limits, &o), 0);
	CHECK(o.max_jobs == 100 && o.flow_jobs == 10 && o.flow_pinned_kb == 256);

	char *set[] = {
	    "iotcp-nicd", "--host-socket", "/tmp/h.sock", "--store-mb", "8", "--block-kb",
	    "16",	  "--max-files",   "10",	  NULL};
	CHECK_EQ_U64(parse(9, set, &o), 0);
	CHECK_EQ_U64(o.store_mb, 8);
	CHECK_EQ_U64(o.block_kb, 16);
	CHECK_EQ_U64(o.max_files, 10);

	char *bad[][3] = {
	    {"--store-mb", "0"},       {"--store-mb", "x"},	  {"--store-mb", "99999999"},
	    {"--block-kb", "3"},       {"--block-kb", "48"},	  {"--block-kb", "8192"},
	    {"--block-kb", "-64"},     {"--max-files", "0"},	  {"--max-files", "2000000"},
	    {"--max-files", "1e3"},    {"--max-jobs", "0"},	  {"--flow-jobs", "-1"},
	    {"--flow-pinned-kb", "3"}, {"--flow-pinned-kb", "x"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *args[] = {"iotcp-nicd", "--host-socket", "/tmp/h.sock",
				bad[i][0],    bad[i][1],       NULL};
		CHECK(parse(5, args, &o) != 0);
	}
	/* A store smaller than one block. */
	char *small[] = {"iotcp-nicd", "--host-socket", "/tmp/h.sock", "--store-mb",
			 "1",	       "--block-kb",	"2048",	       NULL};
	CHECK(parse(7, small, &o) != 0);
}

/* Without a docroot every offload command gets ERROR(unsupported) with its ids; HELLO and
 * HEARTBEAT get none; malformed frames are refused. */
static void test_reject_offload(void)
{
	struct nicd_ctl ctl;
	struct proto_writer w;
	uint8_t in[512], out[512];
	uint8_t tmpl[54] = {0};
	struct proto_send sd = {.flow = 9,
				.fid = 3,
				.len = 100,
				.mss = 1000,
				.tmpl_len = sizeof(tmpl),
				.cookie = 0xabcdef,
				.tmpl = tmpl};
	struct proto_heartbeat hb = {.boot_id = 5, .seq = 1};

	nicd_ctl_init(&ctl, nic_mac, 0x1234, 0, 0);
	proto_eth_hdr_put(in, nic_mac, host_mac);
	proto_writer_init(&w, in + 14, sizeof(in) - 14);
	proto_put_heartbeat(&w, &hb);
	proto_put_open(&w, 42, "index.html", 10);
	proto_put_send(&w, &sd);
	size_t len = 14 + (size_t)proto_writer_finish(&w);
	int n = nicd_ctl_reject_offload(&ctl, in, len, out, sizeof(out));
	CHECK(n > 14);
	CHECK(memcmp(out, host_mac, 6) == 0 && memcmp(out + 6, nic_mac, 6) == 0);
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_error pe;
	CHECK(n > 14 && proto_frame_open(&it, out + 14, (size_t)n - 14) == 0);
	CHECK(proto_next(&it, &cmd) == 1 && proto_error_decode(&cmd, &pe) == 0);
	CHECK_EQ_U64(pe.cmd_type, PROTO_T_OPEN);
	CHECK_EQ_U64(pe.reason, PROTO_ERR_UNSUPPORTED);
	CHECK_EQ_U64(pe.req_id, 42);
	CHECK(proto_next(&it, &cmd) == 1 && proto_error_decode(&cmd, &pe) == 0);
	CHECK_EQ_U64(pe.cmd_type, PROTO_T_SEND);
	CHECK_EQ_U64(pe.flow, 9);
	CHECK_EQ_U64(pe.fid, 3);
	CHECK_EQ_U64(pe.cookie, 0xabcdef);
	CHECK(proto_next(&it, &cmd) == 0);
	CHECK_EQ_U64(ctl.c.offload_rejected, 2);

	/* Only a heartbeat: nothing to answer. */
	proto_writer_init(&w, in + 14, sizeof(in) - 14);
	proto_put_heartbeat(&w, &hb);
	len = 14 + (size_t)proto_writer_finish(&w);
	CHECK_EQ_U64(nicd_ctl_reject_offload(&ctl, in, len, out, sizeof(out)), 0);

	/* Malformed: bad magic, truncated, NULL, a reply buffer too small for even a header. */
	memcpy(in + 14, "XXXX", 4);
	CHECK(nicd_ctl_reject_offload(&ctl, in, len, out, sizeof(out)) < 0);
	CHECK(nicd_ctl_reject_offload(&ctl, in, 10, out, sizeof(out)) < 0);
	CHECK(nicd_ctl_reject_offload(&ctl, NULL, 0, out, sizeof(out)) < 0);
	CHECK(nicd_ctl_reject_offload(&ctl, in, len, out, 4) < 0);

	/* More commands than fit in the answer: the rest are counted, nothing overflows. */
	proto_writer_init(&w, in + 14, sizeof(in) - 14);
	for (int i = 0; i < 20; i++)
		proto_put_open(&w, (uint32_t)i, "a", 1);
	len = 14 + (size_t)proto_writer_finish(&w);
	uint64_t before = ctl.c.offload_reject_overflow;
	n = nicd_ctl_reject_offload(&ctl, in, len, out, 128);
	CHECK(n > 14 && n <= 128);
	CHECK(ctl.c.offload_reject_overflow > before);

	/* The control protocol does not count offload commands as unknown. */
	proto_writer_init(&w, in + 14, sizeof(in) - 14);
	proto_put_open(&w, 1, "a", 1);
	len = 14 + (size_t)proto_writer_finish(&w);
	uint64_t unknown = ctl.c.unknown_cmds;
	CHECK_EQ_U64(nicd_ctl_input(&ctl, in, len, 1, out, sizeof(out)), 0);
	CHECK_EQ_U64(ctl.c.unknown_cmds, unknown);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_opts);
	RUN(test_offload_opts);
	RUN(test_stats);
	RUN(test_counter_lines);
	RUN(test_ctl);
	RUN(test_ethertype);
	RUN(test_reject_offload);
	RUN_DONE();
}
