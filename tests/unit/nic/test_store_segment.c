/* SPDX-License-Identifier: BSD-2-Clause */
/* NIC block store (sharing, pinning, LRU, exhaustion, read errors, the life cycle of a block
 * whose read is in flight, stale completions, the file key) and segmentation from a header
 * template, IPv4 and IPv6 (every segment decodes with valid checksums and the right seq/flags). */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "nic/segment.h"
#include "nic/store.h"
#include "wire/pkt.h"

static struct nic_block *done(struct nic_store *st, struct nic_block *b, int res)
{
	return nic_store_read_done(st, nic_store_block_id(st, b), nic_store_read_ticket(b), res);
}

static uint64_t key(int64_t mtime, int64_t ctime, int64_t btime)
{
	struct nic_file_id id = {.dev = 1,
				 .ino = 2,
				 .size = 10000,
				 .mtime_ns = mtime,
				 .ctime_ns = ctime,
				 .btime_ns = btime};
	return nic_store_file_key(&id);
}

static void test_store(void)
{
	struct nic_store *st = nic_store_new(4 * 4096, 4096);
	CHECK(st != NULL);
	bool fresh;
	uint64_t k1 = key(3, 3, 0), k2 = key(4, 4, 0);
	CHECK(k1 != k2); /* a changed mtime is another file */
	/* same inode, size and mtime, but another file (it was replaced): ctime or btime differ */
	CHECK(key(3, 5, 0) != k1 && key(3, 3, 9) != k1);

	struct nic_block *a = nic_store_get(st, k1, 0, &fresh);
	CHECK(a && fresh && a->state == NIC_BLOCK_READING);
	memset(a->data, 0xab, 4096);
	done(st, a, 4096);
	CHECK(a->state == NIC_BLOCK_READY && a->len == 4096);

	/* a second flow of the same file shares the block */
	struct nic_block *a2 = nic_store_get(st, k1, 0, &fresh);
	CHECK(a2 == a && !fresh && a->pins == 2);

	/* fill the store with pinned blocks: the next get fails (exhausted) */
	struct nic_block *b = nic_store_get(st, k1, 1, &fresh);
	struct nic_block *c = nic_store_get(st, k1, 2, &fresh);
	struct nic_block *d = nic_store_get(st, k1, 3, &fresh);
	CHECK(b && c && d);
	done(st, b, 4096);
	done(st, c, 100); /* short read at EOF */
	done(st, d, -5);  /* EIO */
	CHECK(c->len == 100 && d->state == NIC_BLOCK_ERROR);
	CHECK(nic_store_get(st, k2, 0, &fresh) == NULL);
	struct nic_store_stats s;
	nic_store_get_stats(st, &s);
	CHECK(s.exhausted == 1 && s.blocks_pinned == 4);

	/* unpinned ready blocks stay cached (hit), LRU order decides eviction */
	nic_store_unpin(st, a);
	nic_store_unpin(st, a);
	nic_store_unpin(st, b);
	struct nic_block *again = nic_store_get(st, k1, 0, &fresh);
	CHECK(again == a && !fresh && a->state == NIC_BLOCK_READY);
	nic_store_unpin(st, a); /* now a is most recent, b least */
	/* the failed block is not found again: a new read is started */
	nic_store_unpin(st, d);
	struct nic_block *d2 = nic_store_get(st, k1, 3, &fresh);
	CHECK(d2 && fresh);
	/* unpinned: a (most recent) and b (least recent); a new block evicts b */
	struct nic_block *e = nic_store_get(st, k2, 0, &fresh);
	CHECK(e == b && fresh);
	struct nic_block *a3 = nic_store_get(st, k1, 0, &fresh);
	CHECK(a3 == a && !fresh);
	nic_store_get_stats(st, &s);
	CHECK(s.evictions == 1);
	/* everything pinned again: exhausted */
	CHECK(nic_store_get(st, k2, 1, &fresh) == NULL);
	nic_store_get_stats(st, &s);
	CHECK(s.hits >= 3 && s.misses >= 6);
	CHECK(nic_store_check(st, NULL) == NULL);
	nic_store_free(st);
	CHECK(nic_store_new(1000, 4096) == NULL);
	CHECK(nic_store_new(1 << 20, 5000) == NULL);
}

/* A block whose read is in flight is never reused, pinned or not (issue 14 finding 1): the
 * kernel may still write its buffer. */
static void test_read_in_flight(void)
{
	struct nic_store *st = nic_store_new(2 * 4096, 4096);
	bool fresh;
	uint64_t ka = key(1, 1, 0), kb = key(2, 2, 0);

	struct nic_block *a = nic_store_get(st, ka, 0, &fresh);
	CHECK(a && fresh);
	uint32_t a_id = nic_store_block_id(st, a), a_ticket = nic_store_read_ticket(a);
	nic_store_unpin(st, a); /* the flow went away while the read is in flight */
	CHECK(a->state == NIC_BLOCK_READING && !a->in_lru);
	CHECK(nic_store_check(st, NULL) == NULL);

	/* another file's block: gets the other buffer, never a's */
	struct nic_block *b = nic_store_get(st, kb, 0, &fresh);
	CHECK(b && b != a && fresh);
	/* and with b pinned and a still reading, the store is exhausted rather than reuse a */
	CHECK(nic_store_get(st, kb, 1, &fresh) == NULL);
	/* the same key finds the read in flight and waits for it */
	struct nic_block *a2 = nic_store_get(st, ka, 0, &fresh);
	CHECK(a2 == a && !fresh && a->pins == 1);
	nic_store_unpin(st, a);

	/* a completion with another ticket is stale: discarded, nothing changes */
	CHECK(nic_store_read_done(st, a_id, a_ticket + 1, 4096) == NULL);
	CHECK(nic_store_read_done(st, 0, a_ticket, 4096) == NULL);
	CHECK(nic_store_read_done(st, 99, a_ticket, 4096) == NULL);
	CHECK(a->state == NIC_BLOCK_READING);
	/* the real completion: READY and cached although nobody pins it */
	CHECK(nic_store_read_done(st, a_id, a_ticket, 4096) == a);
	CHECK(a->state == NIC_BLOCK_READY && a->in_lru);
	/* a second completion for the same read is stale too */
	CHECK(nic_store_read_done(st, a_id, a_ticket, 4096) == NULL);
	struct nic_store_stats s;
	nic_store_get_stats(st, &s);
	CHECK_EQ_U64(s.stale_reads, 4);
	a2 = nic_store_get(st, ka, 0, &fresh);
	CHECK(a2 == a && !fresh);
	nic_store_unpin(st, a);

	/* a read that fails after its last pin went: freed, not cached, not found again */
	CHECK(done(st, b, 4096) == b);
	nic_store_unpin(st, b);
	struct nic_block *c = nic_store_get(st, kb, 1, &fresh);
	CHECK(c && fresh);
	nic_store_unpin(st, c);
	CHECK(done(st, c, -EIO) == c);
	CHECK(c->state == NIC_BLOCK_FREE && c->in_lru);
	struct nic_block *c2 = nic_store_get(st, kb, 1, &fresh);
	CHECK(c2 && fresh);						 /* read again */
	CHECK(done(st, c2, 4097) == c2 && c2->state == NIC_BLOCK_ERROR); /* longer than a block */
	nic_store_unpin(st, c2);
	CHECK(nic_store_check(st, NULL) == NULL);
	nic_store_free(st);
}

static void test_segment(void)
{
	struct mac_addr sm = {{2, 0, 0, 0, 0, 1}}, dm = {{2, 0, 0, 0, 0, 2}};
	struct tcp_hdr th = {.sport = 80,
			     .dport = 40000,
			     .seq = 0xfffff000u,
			     .ack = 77,
			     .flags = TH_ACK | TH_PSH,
			     .wnd = 1000};
	th.opts.present = TCP_OPT_F_TS;
	th.opts.ts_val = 5;
	th.opts.ts_ecr = 6;
	struct pkt_tcp_out o = {.src_mac = &sm,
				.dst_mac = &dm,
				.saddr = 0xc6120001,
				.daddr = 0xc6120002,
				.ttl = 64,
				.ip_id = 100,
				.tcp = &th};
	uint8_t hdr[128];
	size_t hlen = pkt_build_tcp(hdr, sizeof(hdr), &o);
	CHECK(hlen == 14 + 20 + 32);
	struct nic_tmpl t;
	CHECK(nic_tmpl_init(&t, hdr, hlen) == 0);
	CHECK(nic_tmpl_init(&t, hdr, hlen - 1) == -EINVAL);
	CHECK(nic_tmpl_init(&t, hdr, hlen) == 0);

	uint8_t data[5000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	const uint32_t mss = 1448;
	uint32_t off = 0;
	uint16_t k = 0;
	while (off < sizeof(data)) {
		uint32_t n = sizeof(data) - off < mss ? (uint32_t)sizeof(data) - off : mss;
		/* split the payload in two pieces at an odd offset to exercise checksum parity */
		struct iovec iov[2] = {{data + off, 333}, {data + off + 333, n - 333}};
		uint8_t frame[2048];
		bool last = off + n == sizeof(data);
		size_t fl = nic_seg_write(&t, off, k, last, iov, 2, n, frame, sizeof(frame), false);
		CHECK(fl == hlen + n);
		struct pkt_view v;
		CHECK(pkt_decode_eth(frame, fl, &v, 0) == PKT_OK);
		CHECK(v.tcp.seq == 0xfffff000u + off);
		CHECK(v.payload_len == n && memcmp(v.payload, data + off, n) == 0);
		CHECK(v.ip.id == 100 + k);
		CHECK(((v.tcp.flags & TH_PSH) != 0) == last);
		CHECK(v.tcp.opts.ts_val == 5 && v.tcp.opts.ts_ecr == 6);
		CHECK(nic_seg_write(&t, off, k, last, iov, 2, n, frame, hlen + n - 1, false) == 0);
		off += n;
		k++;
	}
	CHECK(k == 4);
}

/* IPv6 templates (issue 13): accepted with TCP right after the fixed header, refused with an
 * extension header, a multicast or unspecified address or a short length; every segment
 * decodes with a valid checksum over the IPv6 pseudo-header, its payload length, seq, flags,
 * hop limit; with checksum offload the header is exactly what the host's own builder makes
 * (pseudo-header sum in the checksum field), also from nic_seg_write_hdr. */
static void test_segment_ipv6(void)
{
	struct mac_addr sm = {{2, 0, 0, 0, 0, 1}}, dm = {{2, 0, 0, 0, 0, 2}};
	struct ipv6_addr src = {{0x20, 0x01, 0, 2, [15] = 1}}, dst = {{0x20, 0x01, 0, 2, [15] = 2}};
	struct tcp_hdr th = {.sport = 80,
			     .dport = 40000,
			     .seq = 0xfffff000u,
			     .ack = 77,
			     .flags = TH_ACK | TH_PSH | TH_FIN,
			     .wnd = 1000};
	th.opts.present = TCP_OPT_F_TS;
	th.opts.ts_val = 5;
	th.opts.ts_ecr = 6;
	struct pkt_tcp_out o = {
	    .src_mac = &sm, .dst_mac = &dm, .src6 = &src, .dst6 = &dst, .ttl = 64, .tcp = &th};
	uint8_t hdr[160], bad[160];
	size_t hlen = pkt_build_tcp(hdr, sizeof(hdr), &o);
	CHECK(hlen == 14 + 40 + 32 && hlen <= NIC_TMPL_MAX);
	struct nic_tmpl t;
	CHECK(nic_tmpl_init(&t, hdr, hlen) == 0 && t.v6 && t.l4off == 54);
	CHECK(nic_tmpl_init(&t, hdr, hlen - 1) == -EINVAL);
	memcpy(bad, hdr, hlen);
	bad[14 + 6] = 0; /* a Hop-by-Hop header first */
	CHECK(nic_tmpl_init(&t, bad, hlen) == -EINVAL);
	memcpy(bad, hdr, hlen);
	bad[14 + 24] = 0xff; /* multicast destination */
	CHECK(nic_tmpl_init(&t, bad, hlen) == -EINVAL);
	memcpy(bad, hdr, hlen);
	memset(bad + 14 + 8, 0, 16); /* from :: */
	CHECK(nic_tmpl_init(&t, bad, hlen) == -EINVAL);
	memcpy(bad, hdr, hlen);
	bad[14] = 0x45; /* version 4 under the IPv6 EtherType */
	CHECK(nic_tmpl_init(&t, bad, hlen) == -EINVAL);
	CHECK(nic_tmpl_init(&t, hdr, hlen) == 0);

	uint8_t data[5000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 11 + 1);
	const uint32_t mss = 1428;
	uint32_t off = 0;
	uint16_t k = 0;
	while (off < sizeof(data)) {
		uint32_t n = sizeof(data) - off < mss ? (uint32_t)sizeof(data) - off : mss;
		struct iovec iov[2] = {{data + off, 333}, {data + off + 333, n - 333}};
		uint8_t frame[2048], want[2048], h2[NIC_TMPL_MAX];
		bool last = off + n == sizeof(data);
		size_t fl = nic_seg_write(&t, off, k, last, iov, 2, n, frame, sizeof(frame), false);
		CHECK(fl == hlen + n);
		struct pkt_view v;
		CHECK(pkt_decode_eth(frame, fl, &v, 0) == PKT_OK); /* checks the TCP checksum */
		CHECK(v.kind == PKT_KIND_TCP6 && v.ip6.plen == 32 + n && v.ip6.hlim == 64);
		CHECK(ipv6_addr_equal(&v.ip6.src, &src) && ipv6_addr_equal(&v.ip6.dst, &dst));
		CHECK(v.tcp.seq == 0xfffff000u + off);
		CHECK(v.payload_len == n && memcmp(v.payload, data + off, n) == 0);
		CHECK(((v.tcp.flags & TH_PSH) != 0) == last && ((v.tcp.flags & TH_FIN) != 0) == last);
		CHECK(v.tcp.opts.ts_val == 5 && v.tcp.opts.ts_ecr == 6);
		/* checksum offload: the host's builder with the same segment, the same bytes */
		struct tcp_hdr seg = th;
		seg.seq = th.seq + off;
		if (!last)
			seg.flags &= (uint8_t) ~(TH_PSH | TH_FIN);
		struct pkt_tcp_out so = o;
		so.tcp = &seg;
		so.iov = iov;
		so.iovcnt = 2;
		so.flags = PKT_TX_L4_CSUM_OFFLOAD;
		size_t wl = pkt_build_tcp(want, sizeof(want), &so);
		CHECK(nic_seg_write(&t, off, k, last, iov, 2, n, frame, sizeof(frame), true) == wl);
		CHECK(wl == hlen + n && memcmp(frame, want, wl) == 0);
		CHECK(nic_seg_write_hdr(&t, off, k, last, n, h2, sizeof(h2)) == hlen);
		CHECK(memcmp(h2, want, hlen) == 0);
		off += n;
		k++;
	}
	CHECK(k == 4);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_store);
	RUN(test_read_in_flight);
	RUN(test_segment);
	RUN(test_segment_ipv6);
	RUN_DONE();
}
