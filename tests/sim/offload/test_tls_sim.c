/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTPS-style TLS offload end to end on the deterministic simulator, through an impaired wire:
 *
 *   server: a core TCP stack (src/tcp) + an OpenSSL server for the handshake; after it, the
 *           server's write key goes to the NIC (TLS_KEY) and the server writes its stream the
 *           way the host does: records it seals itself (a header, a KeyUpdate, close_notify)
 *           as inline data, file bodies as external reservations (tcp_send_ext) whose
 *           segments — first transmissions and TCP retransmissions alike — become TLS_SENDs;
 *           ACKD follows snd_una;
 *   NIC:    the real engine (src/nic), sealing the bodies' records from its block store;
 *   client: a core TCP stack + an OpenSSL client reading everything through libssl.
 *
 * The wire loses, reorders and delays segments in both directions, so TCP retransmits ranges
 * that start and end anywhere in records (header, ciphertext, tag). The client must read the
 * exact plaintext (header, bodies, the KeyUpdate handled, close_notify), the NIC must have
 * produced retransmitted record pieces by AES-CTR + kept tag, raised no ERROR, wiped the old
 * key epoch once ACKD passed it and kept nothing after the flow ended. Scenarios (argv[1]):
 *   tls13_loss     TLS 1.3 AES-128-GCM, 2% loss each way + 3% reordering; 1 MiB + 7 body,
 *                  KeyUpdate, a second body under the new key;
 *   tls12_reorder  TLS 1.2 AES-256-GCM, 5% loss + 10% reordering, jitter; a 2 MiB body;
 *   tls13_longrtt  TLS 1.3 AES-256-GCM over 80 ms RTT with 1% loss: a window of ~50 records in
 *                  flight, so retransmitted pieces are of records sealed long before (AES-CTR +
 *                  kept tag, not the NIC's recent-record cache). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "../../unit/check.h"
#include "../../unit/tls/tls_check.h"
#include "../../unit/tls/tls_peer.h"
#include "link.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "proto/offload.h"
#include "sim.h"
#include "tcp/tcp.h"
#include "tls/kdf.h"
#include "tls/record.h"
#include "tls/seal.h"
#include "wire/pkt.h"

#define IP_SRV	  0xc6120001u
#define IP_CLI	  0xc6120002u
#define PORT	  443
#define FLOW	  1u
#define FILE_LEN  (2u * 1024u * 1024u + 4096u)
#define MAX_ITEMS 8

static struct mac_addr MAC_SRV = {{0x02, 0, 0, 0, 0, 0x0a}};
static struct mac_addr MAC_CLI = {{0x02, 0, 0, 0, 0, 0x0b}};

/* What the server writes after the handshake, in order. */
struct item {
	bool ext;	       /* a file body (TLS_SEND) or inline bytes (host-sealed records) */
	uint8_t *data;	       /* inline */
	uint64_t len, done;    /* bytes (ext: of the record stream), written so far */
	struct proto_send_tls body;
};

struct endpoint {
	struct tcp_stack *tcp;
	struct tcp_conn *c;
	struct sim_wakeup wake;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
	bool hs_done;
	uint16_t ip_id;
	uint32_t iss1;	  /* sequence number of the first data byte */
	uint64_t written; /* bytes handed to TCP */
};

struct world {
	struct sim *sim;
	struct sim_link *s2c, *c2s;
	struct nic_engine *nic;
	struct nic_io *io;
	uint32_t fid;
	bool opened;
	struct endpoint srv, cli;
	struct tcp_listener *lst;
	/* the scenario */
	uint16_t ver;
	uint8_t cipher;
	/* server stream */
	struct item items[MAX_ITEMS];
	int nitems, cur;
	bool shut;
	uint32_t acked;
	/* client result */
	uint8_t *got;
	size_t got_len, cap;
	bool closed, failed;
	uint8_t *expect;
	size_t expect_len;
	/* counters */
	uint64_t tls_sends, tls_resends, nic_errors;
	uint8_t file[FILE_LEN];
};

static struct world W;

/* ---- packets ---- */

static void send_ipv4(struct world *w, struct endpoint *ep, struct sim_link *l,
		      const struct tcp_seg *seg)
{
	uint8_t pkt[2048];
	struct iovec iov[2];
	int n = 0;
	for (int i = 0; i < 2 && seg->kind == TCP_PAYLOAD_INLINE; i++)
		if (seg->plen[i]) {
			iov[n].iov_base = (void *)seg->p[i];
			iov[n++].iov_len = seg->plen[i];
		}
	struct tcp_hdr th = seg->hdr;
	struct pkt_tcp_out o = {.saddr = seg->tuple.laddr, .daddr = seg->tuple.raddr, .ttl = 64,
				.ip_id = ep->ip_id++, .ip_frag_off = IPV4_DF, .tcp = &th,
				.iov = iov, .iovcnt = n};
	size_t len = pkt_build_tcp(pkt, sizeof(pkt), &o);
	CHECK(len > 0);
	if (len)
		sim_link_send(l, pkt, len);
	(void)w;
}

/* An external segment: a TLS_SEND of its range of the body's record stream. */
static void send_ext(struct world *w, const struct tcp_seg *seg)
{
	const struct item *it = &w->items[seg->tag];
	uint8_t hdr[128], buf[512];
	struct tcp_hdr th = seg->hdr;
	struct pkt_tcp_out o = {.src_mac = &MAC_SRV, .dst_mac = &MAC_CLI, .saddr = IP_SRV,
				.daddr = IP_CLI, .ttl = 64, .ip_id = w->srv.ip_id,
				.ip_frag_off = IPV4_DF, .tcp = &th};
	struct proto_send s = {.flow = FLOW, .fid = w->fid, .file_off = seg->tag_off,
			       .len = seg->len, .mss = seg->mss, .cookie = seg->tag_off,
			       .flags = seg->retransmit ? PROTO_SEND_F_RETRANSMIT : 0, .tmpl = hdr,
			       .is_tls = true, .tls = it->body};
	s.tmpl_len = (uint16_t)pkt_build_tcp(hdr, sizeof(hdr), &o);
	w->srv.ip_id = (uint16_t)(w->srv.ip_id + (seg->len + seg->mss - 1) / seg->mss);
	struct proto_writer pw;
	proto_writer_init(&pw, buf, sizeof(buf));
	CHECK(proto_put_send(&pw, &s) == 0);
	int n = proto_writer_finish(&pw);
	w->tls_sends++;
	w->tls_resends += seg->retransmit;
	nic_engine_host_frame(w->nic, buf, (size_t)n, sim_now(w->sim));
	nic_engine_poll(w->nic, sim_now(w->sim));
}

static void nic_cmd(struct world *w, void (*put)(struct proto_writer *, const void *),
		    const void *arg)
{
	uint8_t buf[256];
	struct proto_writer pw;
	proto_writer_init(&pw, buf, sizeof(buf));
	put(&pw, arg);
	int n = proto_writer_finish(&pw);
	CHECK(n > 0);
	nic_engine_host_frame(w->nic, buf, (size_t)n, sim_now(w->sim));
	nic_engine_poll(w->nic, sim_now(w->sim));
}

static void put_key(struct proto_writer *pw, const void *arg)
{
	proto_put_tls_key(pw, arg);
}

static void put_ackd(struct proto_writer *pw, const void *arg)
{
	proto_put_ackd(pw, arg);
}

static void put_open(struct proto_writer *pw, const void *arg)
{
	proto_put_open(pw, 1, arg, (uint16_t)strlen(arg));
}

/* ---- the NIC's outputs ---- */

static uint8_t *nic_alloc(void *ctx, size_t cap)
{
	(void)ctx;
	return malloc(cap);
}

static void nic_wire(void *ctx, uint8_t *buf, size_t len)
{
	struct world *w = ctx;
	CHECK(len > 14);
	sim_link_send(w->s2c, buf + 14, len - 14);
	free(buf);
}

static void nic_host(void *ctx, const uint8_t *p, size_t len)
{
	struct world *w = ctx;
	struct proto_iter it;
	struct proto_cmd cmd;
	if (proto_frame_open(&it, p, len) < 0)
		return;
	while (proto_next(&it, &cmd) > 0) {
		struct proto_open_done d;
		struct proto_error e;
		if (cmd.type == PROTO_T_OPEN_DONE && proto_open_done_decode(&cmd, &d) == 0 &&
		    d.err == 0) {
			w->fid = d.fid;
			w->opened = true;
		}
		if (cmd.type == PROTO_T_ERROR && proto_error_decode(&cmd, &e) == 0) {
			fprintf(stderr, "NIC ERROR %s (%d) flow %u seq %u len %u\n",
				proto_error_reason_name(e.reason), e.err, e.flow, e.seq, e.len);
			w->nic_errors++;
		}
	}
}

/* ---- endpoints ---- */

static void srv_timer(struct sim *sim, void *ctx);
static void cli_timer(struct sim *sim, void *ctx);

static void kick(struct world *w, struct endpoint *ep, bool server)
{
	struct tcp_seg seg;
	while (tcp_stack_output(ep->tcp, &seg, sim_now(w->sim))) {
		if (seg.kind == TCP_PAYLOAD_EXT)
			send_ext(w, &seg);
		else
			send_ipv4(w, ep, server ? w->s2c : w->c2s, &seg);
	}
	sim_wakeup_set(w->sim, &ep->wake, tcp_stack_deadline(ep->tcp),
		       server ? srv_timer : cli_timer, w);
}

/* Bytes the SSL object wrote go to TCP. */
static void flush_ssl(struct endpoint *ep)
{
	uint8_t buf[16384];
	while (ep->c && BIO_ctrl_pending(ep->out)) {
		int n = BIO_read(ep->out, buf, sizeof(buf));
		if (n <= 0)
			break;
		ssize_t r = tcp_send(ep->c, buf, (size_t)n);
		CHECK(r == n); /* handshake flights fit the send buffer */
		ep->written += (uint64_t)n;
	}
}

/* Bytes TCP received go to the SSL object. */
static void feed_ssl(struct endpoint *ep)
{
	uint8_t buf[65536];
	ssize_t r;
	while (ep->c && (r = tcp_recv(ep->c, buf, sizeof(buf))) > 0)
		BIO_write(ep->in, buf, (int)r);
}

/* ---- the server ---- */

static uint8_t *seal_inline(struct world *w, struct tls_sealer *s, uint64_t seq, uint8_t type,
			    const void *data, size_t len, uint64_t *out_len)
{
	uint8_t *rec = malloc(len + TLS_REC_OVERHEAD_MAX);
	struct iovec iov = {(void *)data, len};
	int n = tls_seal_record(s, seq, type, &iov, 1, rec, NULL);
	CHECK(n > 0);
	*out_len = (uint64_t)(n > 0 ? n : 0);
	(void)w;
	return rec;
}

static void add_inline(struct world *w, uint8_t *rec, uint64_t len)
{
	w->items[w->nitems++] = (struct item){.data = rec, .len = len};
}

static void expect(struct world *w, const void *p, size_t n)
{
	memcpy(w->expect + w->expect_len, p, n);
	w->expect_len += n;
}

/* A body of the file: its TLS_SEND parameters; returns the records it takes. */
static uint64_t add_body(struct world *w, uint32_t epoch, uint64_t seq, uint64_t off,
			 uint64_t len)
{
	struct tls_layout l;
	CHECK(tls_layout_init(&l, w->ver, w->cipher, TLS_ALIGN_FILE, 16384, off, len) == 0);
	struct item *it = &w->items[w->nitems++];
	*it = (struct item){.ext = true, .len = l.stream_len};
	it->body = (struct proto_send_tls){.epoch = epoch, .rec_size = 16384,
					   .align = TLS_ALIGN_FILE, .body_off = off,
					   .body_len = len, .rec_seq = seq};
	expect(w, w->file + off, len);
	return l.nrec;
}

/* Install key epoch on the NIC; an epoch after the first says where it starts in TCP. */
static void install(struct world *w, uint32_t epoch, const struct tls_key *k)
{
	uint64_t at = w->srv.written;
	for (int i = 0; i < w->nitems; i++)
		at += w->items[i].len;
	struct proto_tls_key pk = {.flow = FLOW, .epoch = epoch, .version = k->version,
				   .flags = epoch ? PROTO_TLS_KEY_F_START : 0,
				   .start_seq = w->srv.iss1 + (uint32_t)at,
				   .cipher = k->cipher, .key_len = k->key_len,
				   .iv_len = (uint8_t)tls_iv_len(k->version)};
	memcpy(pk.key, k->key, k->key_len);
	memcpy(pk.iv, k->iv, pk.iv_len);
	nic_cmd(w, put_key, &pk);
}

/* After the handshake: the key to the NIC and the whole response planned. */
static void plan_response(struct world *w)
{
	struct tls_key k;
	uint64_t seq, nrec;
	static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
	static const uint8_t close_notify[] = {1, 0};

	CHECK(peer_server_key(w->srv.ssl, w->ver, w->cipher, &k, &seq));
	struct tls_sealer *s = tls_sealer_new(&k);
	install(w, 0, &k);
	uint64_t rl;
	uint8_t *r = seal_inline(w, s, seq++, TLS_CT_APPLICATION_DATA, hdr, sizeof(hdr) - 1, &rl);
	add_inline(w, r, rl);
	expect(w, hdr, sizeof(hdr) - 1);
	if (w->ver == TLS_VERSION_13) {
		nrec = add_body(w, 0, seq, 5, (1u << 20) + 7);
		seq += nrec;
		/* KeyUpdate(update_not_requested) under epoch 0, then epoch 1 from sequence 0 */
		static const uint8_t ku[] = {24, 0, 0, 1, 0};
		r = seal_inline(w, s, seq++, TLS_CT_HANDSHAKE, ku, sizeof(ku), &rl);
		add_inline(w, r, rl);
		uint8_t next[TLS13_SECRET_MAX];
		CHECK(tls13_next_traffic_secret(w->cipher, peer_secret, peer_secret_len, next) == 0);
		CHECK(tls13_traffic_key(w->cipher, next, peer_secret_len, &k) == 0);
		tls_sealer_free(s);
		s = tls_sealer_new(&k);
		install(w, 1, &k);
		seq = 0;
		seq += add_body(w, 1, seq, 1000000, 300000);
	} else {
		seq += add_body(w, 0, seq, 0, 2u << 20);
	}
	r = seal_inline(w, s, seq++, TLS_CT_ALERT, close_notify, sizeof(close_notify), &rl);
	add_inline(w, r, rl);
	tls_sealer_free(s);
	OPENSSL_cleanse(&k, sizeof(k));
}

/* Write what TCP takes of the planned items, then FIN. */
static void server_write(struct world *w)
{
	struct tcp_conn *c = w->srv.c;
	while (w->cur < w->nitems) {
		struct item *it = &w->items[w->cur];
		uint64_t left = it->len - it->done;
		ssize_t r = it->ext ? tcp_send_ext(c, left > (1u << 30) ? 1u << 30 : (uint32_t)left,
						   (uint64_t)w->cur, it->done)
				    : tcp_send(c, it->data + it->done, left);
		if (r <= 0) {
			CHECK(r == -EAGAIN);
			return;
		}
		it->done += (uint64_t)r;
		if (it->done == it->len)
			w->cur++;
	}
	if (!w->shut) {
		tcp_shutdown(c);
		w->shut = true;
	}
}

static void server_app(struct world *w)
{
	struct endpoint *ep = &w->srv;
	if (!ep->c) {
		ep->c = tcp_accept(w->lst);
		if (!ep->c)
			return;
		ep->ssl = peer_ssl(ep->ctx, true, &ep->in, &ep->out);
		struct tcp_conn_info ci;
		tcp_conn_info(ep->c, &ci);
		ep->iss1 = ci.snd_nxt;
	}
	feed_ssl(ep);
	if (!ep->hs_done) {
		int r = SSL_do_handshake(ep->ssl);
		flush_ssl(ep);
		if (r != 1) {
			int e = SSL_get_error(ep->ssl, r);
			CHECK(e == SSL_ERROR_WANT_READ);
			return;
		}
		ep->hs_done = true;
		plan_response(w);
	}
	server_write(w);
	/* ACKD as the client acknowledges */
	struct tcp_conn_info ci;
	tcp_conn_info(ep->c, &ci);
	if (ci.snd_una != w->acked) {
		w->acked = ci.snd_una;
		struct proto_ackd a = {.flow = FLOW, .acked = ci.snd_una};
		nic_cmd(w, put_ackd, &a);
	}
}

/* ---- the client ---- */

static void client_app(struct world *w)
{
	struct endpoint *ep = &w->cli;
	if (!ep->c || w->closed || w->failed)
		return;
	feed_ssl(ep);
	if (!ep->hs_done) {
		int r = SSL_do_handshake(ep->ssl);
		flush_ssl(ep);
		if (r != 1) {
			if (SSL_get_error(ep->ssl, r) != SSL_ERROR_WANT_READ)
				w->failed = true;
			return;
		}
		ep->hs_done = true;
	}
	for (;;) {
		if (w->got_len == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 1 << 20;
			w->got = realloc(w->got, w->cap);
		}
		int r = SSL_read(ep->ssl, w->got + w->got_len, (int)(w->cap - w->got_len));
		if (r > 0) {
			w->got_len += (size_t)r;
			continue;
		}
		int e = SSL_get_error(ep->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN)
			w->closed = true; /* close_notify */
		else if (e != SSL_ERROR_WANT_READ) {
			ERR_print_errors_fp(stderr);
			w->failed = true;
		}
		break;
	}
	flush_ssl(ep);
}

/* ---- timers and arrivals of both endpoints ---- */

static void run_app(struct world *w, bool server)
{
	if (server)
		server_app(w);
	else
		client_app(w);
	kick(w, server ? &w->srv : &w->cli, server);
}

static void ep_timer(struct world *w, bool server)
{
	tcp_stack_timers((server ? &w->srv : &w->cli)->tcp, sim_now(w->sim));
	run_app(w, server);
}

static void ep_rx(struct world *w, bool server, const uint8_t *pkt, size_t len)
{
	struct pkt_view v;
	if (pkt_decode_ipv4(pkt, len, &v, 0) != PKT_OK || v.kind != PKT_KIND_TCP)
		return;
	tcp_stack_input((server ? &w->srv : &w->cli)->tcp, v.ip.saddr, v.ip.daddr, &v.tcp,
			v.payload, (uint32_t)v.payload_len, sim_now(w->sim));
	run_app(w, server);
}

static void srv_timer(struct sim *sim, void *ctx)
{
	(void)sim;
	ep_timer(ctx, true);
}

static void cli_timer(struct sim *sim, void *ctx)
{
	(void)sim;
	ep_timer(ctx, false);
}

static void srv_rx(void *ctx, const uint8_t *pkt, size_t len)
{
	ep_rx(ctx, true, pkt, len);
}

static void cli_rx(void *ctx, const uint8_t *pkt, size_t len)
{
	ep_rx(ctx, false, pkt, len);
}

/* ---- the run ---- */

static bool setup(struct world *w, const struct sim_link_cfg *down, const struct sim_link_cfg *up,
		  char *dir)
{
	EVP_PKEY *pkey;
	X509 *cert;
	uint64_t rng = 0x510e527fade682d1ull;

	for (size_t i = 0; i < FILE_LEN; i++)
		w->file[i] = (uint8_t)(check_rnd(&rng) >> 40);
	w->expect = malloc(FILE_LEN + 4096);
	w->sim = sim_new(1234);
	if (!mkdtemp(dir))
		return false;
	char path[256];
	snprintf(path, sizeof(path), "%s/body.bin", dir);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	bool ok = fd >= 0 && write(fd, w->file, FILE_LEN) == (ssize_t)FILE_LEN;
	close(fd);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	w->io = nic_io_new(64, true);
	struct nic_engine_config ncfg = {.docroot_fd = dfd, .store_bytes = 16u << 20,
					 .block_size = 65536, .io = w->io};
	struct nic_engine_out out = {w, nic_alloc, nic_wire, nic_host};
	w->nic = nic_engine_new(&ncfg, &out);
	if (!ok || !w->nic)
		return false;
	nic_cmd(w, put_open, "body.bin");
	if (!w->opened)
		return false;

	w->s2c = sim_link_new(w->sim, down, 11);
	w->c2s = sim_link_new(w->sim, up, 12);
	sim_link_set_sink(w->s2c, cli_rx, w);
	sim_link_set_sink(w->c2s, srv_rx, w);

	struct tcp_stack_config scfg = {.challenge_ack_limit = 1000};
	scfg.secret.key[0] = 1;
	w->srv.tcp = tcp_stack_new(&scfg);
	scfg.secret.key[0] = 2;
	w->cli.tcp = tcp_stack_new(&scfg);
	if (!peer_make_cert(&pkey, &cert))
		return false;
	w->srv.ctx = peer_ctx(true, w->ver, w->cipher, pkey, cert);
	w->cli.ctx = peer_ctx(false, w->ver, w->cipher, NULL, NULL);
	EVP_PKEY_free(pkey);
	X509_free(cert);

	struct tcp_config cfg;
	int err = 0;
	tcp_config_default(&cfg);
	cfg.tso_max = 65535;
	cfg.sndbuf = 1u << 20;
	w->lst = tcp_listen(w->srv.tcp, IP_SRV, PORT, 16, &cfg, &err);
	tcp_config_default(&cfg);
	cfg.rcvbuf = 1u << 20;
	struct tcp_tuple t = {.laddr = IP_CLI, .lport = 40000, .raddr = IP_SRV, .rport = PORT};
	w->cli.c = tcp_connect(w->cli.tcp, &t, &cfg, 0, &err);
	w->cli.ssl = peer_ssl(w->cli.ctx, false, &w->cli.in, &w->cli.out);
	SSL_do_handshake(w->cli.ssl); /* the ClientHello waits in the BIO for the connection */
	kick(w, &w->cli, false);
	return w->lst && w->cli.c && w->srv.ctx && w->cli.ctx;
}

static void teardown(struct world *w, const char *dir)
{
	SSL_free(w->srv.ssl);
	SSL_free(w->cli.ssl);
	SSL_CTX_free(w->srv.ctx);
	SSL_CTX_free(w->cli.ctx);
	tcp_stack_free(w->srv.tcp);
	tcp_stack_free(w->cli.tcp);
	sim_link_free(w->s2c);
	sim_link_free(w->c2s);
	sim_free(w->sim);
	nic_engine_free(w->nic);
	nic_io_free(w->io);
	for (int i = 0; i < w->nitems; i++)
		free(w->items[i].data);
	free(w->got);
	free(w->expect);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* One scenario: the client fetches the body over the wire name sets up and must read it whole and
 * exact, with retransmitted pieces of records sealed by the NIC, and nothing left on the NIC. */
static void run_scenario(const char *name)
{
	struct sim_link_cfg down = {.rate_bps = 200000000ull, .delay = 5 * TCP_MSEC};
	struct sim_link_cfg up = down;
	struct world *w = &W;
	char dir[] = "/tmp/iotcp-tls-sim-XXXXXX";

	memset(w, 0, sizeof(*w)); /* as a static world starts: a scenario after another runs afresh */
	if (strcmp(name, "tls13_loss") == 0) {
		w->ver = TLS_VERSION_13;
		w->cipher = TLS_CIPHER_AES_128_GCM;
		down.loss = up.loss = 0.02;
		down.reorder = 0.03;
		down.reorder_delay = 2 * TCP_MSEC;
	} else if (strcmp(name, "tls12_reorder") == 0) {
		w->ver = TLS_VERSION_12;
		w->cipher = TLS_CIPHER_AES_256_GCM;
		down.loss = 0.05;
		up.loss = 0.02;
		down.reorder = 0.10;
		down.jitter = 1 * TCP_MSEC;
		down.jitter_reorders = true;
	} else if (strcmp(name, "tls13_longrtt") == 0) {
		w->ver = TLS_VERSION_13;
		w->cipher = TLS_CIPHER_AES_256_GCM;
		down.delay = up.delay = 40 * TCP_MSEC;
		down.rate_bps = up.rate_bps = 100000000ull;
		down.loss = up.loss = 0.01;
	} else {
		fprintf(stderr, "unknown scenario %s\n", name);
		CHECK(!"unknown scenario");
		return;
	}
	if (!setup(w, &down, &up, dir)) {
		CHECK(!"setup failed");
		return;
	}
	tcp_time_t limit = 120 * TCP_SEC;
	while (sim_now(w->sim) < limit && !w->closed && !w->failed)
		sim_run_until(w->sim, sim_now(w->sim) + 10 * TCP_MSEC);

	struct nic_engine_stats st;
	nic_engine_get_stats(w->nic, &st);
	const struct tcp_stats *ts = tcp_stack_stats(w->srv.tcp);
	struct sim_link_stats ls, lu;
	sim_link_stats(w->s2c, &ls);
	sim_link_stats(w->c2s, &lu);
	printf("%s: %.1f ms virtual; client read %zu of %zu bytes, close_notify %d, failed %d\n",
	       name, (double)sim_now(w->sim) / 1e6, w->got_len, w->expect_len, w->closed,
	       w->failed);
	printf("  wire: down %llu lost %llu reordered %llu; up lost %llu; server TCP retransmitted "
	       "%llu segments, %llu RTOs\n",
	       (unsigned long long)ls.sent, (unsigned long long)ls.dropped_loss,
	       (unsigned long long)ls.reordered, (unsigned long long)lu.dropped_loss,
	       (unsigned long long)ts->retrans_segs, (unsigned long long)ts->rto_timeouts);
	printf("  NIC: %llu TLS_SENDs (%llu retransmissions), %llu records sealed whole, %llu "
	       "pieces by AES-CTR + kept tag (%llu bytes), %llu from the record cache, %llu "
	       "epochs wiped, %llu ERRORs\n",
	       (unsigned long long)w->tls_sends, (unsigned long long)w->tls_resends,
	       (unsigned long long)st.tls.seals, (unsigned long long)st.tls.range_seals,
	       (unsigned long long)st.tls.range_bytes, (unsigned long long)st.tls.cache_hits,
	       (unsigned long long)st.tls.epochs_wiped, (unsigned long long)w->nic_errors);

	CHECK(!w->failed && w->closed);
	CHECK_EQ_U64(w->got_len, w->expect_len);
	CHECK(w->got_len == w->expect_len && memcmp(w->got, w->expect, w->expect_len) == 0);
	CHECK_EQ_U64(w->nic_errors, 0);
	CHECK(ts->retrans_segs > 0 && w->tls_resends > 0);
	CHECK(st.tls.range_seals > 0); /* retransmitted pieces of records, never whole again */
	if (w->ver == TLS_VERSION_13)
		CHECK(st.tls.epochs_wiped >= 1); /* epoch 0 went once ACKD passed its data */
	/* the flow ends: nothing stays on the NIC */
	struct proto_ackd end = {.flow = FLOW, .flags = PROTO_ACKD_F_END};
	nic_cmd(w, put_ackd, &end);
	nic_engine_get_stats(w->nic, &st);
	CHECK(st.tls.flows == 0 && st.tls.epochs_live == 0 && st.tls.records_live == 0 &&
	      st.store_pinned_blocks == 0);
	teardown(w, dir);
}

static void test_tls13_loss(void)
{
	run_scenario("tls13_loss");
}

static void test_tls12_reorder(void)
{
	run_scenario("tls12_reorder");
}

static void test_tls13_longrtt(void)
{
	run_scenario("tls13_longrtt");
}

/* One scenario a meson test (meson.build: test_tls_sim test_NAME); no argument runs them all. */
int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_tls13_loss);
	RUN(test_tls12_reorder);
	RUN(test_tls13_longrtt);
	RUN_DONE();
}
