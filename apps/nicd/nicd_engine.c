/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload engine inside iotcp-nicd (see nicd_engine.h). */
#include "nicd_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "nicd.h"
#include "nicd_host_io.h"
#include "nicd_log.h"
#include "nicd_tx_mode.h"

#define IO_DEPTH 256 /* io_uring entries */

/* ---- the engine's output (nic_engine_out, ctx = struct nicd) ---- */

static uint8_t *engine_wire_alloc(void *ctx, size_t cap)
{
	struct nicd *d = ctx;
	return nicd_wire_tx_alloc(&d->off.wtx, cap);
}

static void engine_wire_send(void *ctx, uint8_t *buf, size_t len)
{
	struct nicd *d = ctx;
	nicd_wire_tx_send(&d->off.wtx, buf, len);
}

static void engine_wire_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len,
				 uint16_t mss)
{
	struct nicd *d = ctx;
	nicd_wire_tx_send_tso(&d->off.wtx, buf, len, hdr_len, mss);
}

static bool engine_wire_send_iov(void *ctx, const uint8_t *hdr, size_t hlen,
				 const struct iovec *iov, int niov, uint32_t plen, uint16_t mss)
{
	struct nicd *d = ctx;
	return nicd_wire_tx_send_iov(&d->off.wtx, hdr, hlen, iov, niov, plen, mss);
}

static void engine_host_send(void *ctx, const uint8_t *payload, size_t len)
{
	nicd_host_send_answer(ctx, payload, len);
}

/* ---- start-up and shutdown ---- */

int nicd_engine_open_docroot(struct nicd_offload *off, const char *docroot)
{
	off->docroot_fd = open(docroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (off->docroot_fd < 0) {
		nicd_log("--docroot %s: %s", docroot,
			 errno == ENOTDIR ? "not a directory" : strerror(errno));
		return -1;
	}
	return 0;
}

/* io_uring file I/O, or synchronous reads if io_uring is unavailable. 0 or -1 (logged). */
static int start_io(struct nicd_offload *off)
{
	off->io = nic_io_new(IO_DEPTH, false);
	if (off->io)
		return 0;
	nicd_log("io_uring unavailable (%s): synchronous file reads", strerror(errno));
	off->io = nic_io_new(IO_DEPTH, true);
	if (off->io)
		return 0;
	nicd_log("file I/O: %s", strerror(errno));
	return -1;
}

static void log_engine(const struct nicd *d, const struct nic_engine_config *cfg, bool tso,
		       bool zero_copy)
{
	const struct nicd_opts *o = &d->opts;
	uint64_t flow_pinned =
	    o->flow_pinned_kb ? (uint64_t)o->flow_pinned_kb << 10
			      : nic_engine_default_flow_pinned(cfg->store_bytes, cfg->block_size);
	unsigned flow_jobs = o->flow_jobs ? o->flow_jobs : NIC_DEFAULT_MAX_FLOW_JOBS;

	if (flow_jobs > o->max_jobs)
		flow_jobs = o->max_jobs;
	nicd_log("offload engine: docroot %s, store %u MiB in %u KiB blocks, max %u files, "
		 "%u jobs (per flow %u jobs, %" PRIu64 " KiB), "
		 "%s file I/O, TCP checksums by %s, TSO %s, zero copy %s",
		 o->docroot, o->store_mb, o->block_kb, o->max_files, o->max_jobs, flow_jobs,
		 flow_pinned >> 10, nic_io_is_sync(d->off.io) ? "synchronous" : "io_uring",
		 cfg->tcp_csum_offload ? "the wire port" : "software", tso ? "on" : "off",
		 zero_copy ? "on" : "off");
}

/* Segments into wire mbufs, checksums by the wire port when it offers TCP checksum offload. */
int nicd_engine_start(struct nicd *d)
{
	struct nicd_offload *off = &d->off;
	const struct nicd_opts *o = &d->opts;
	const struct port_caps *wc = port_get_caps(d->ports.wire);
	const struct port_caps *hc = port_get_caps(d->ports.host);
	struct nicd_tx_mode mode;
	char mode_line[160];

	nicd_tx_mode_choose(wc, &mode);
	nicd_tx_mode_describe(&mode, mode_line, sizeof(mode_line));
	nicd_log("wire tx: %s", mode_line);
	if (start_io(off) != 0)
		return -1;
	if (nicd_wire_tx_init(&off->wtx, d->ports.wire, &mode) != 0) {
		nicd_log("wire tx: out of memory");
		return -1;
	}
	off->wtx_ready = true;
	size_t host_mtu = hc->mtu ? hc->mtu : 1500;
	if (host_mtu > PORT_MBUF_DATA_MAX - PROTO_ETH_HLEN)
		host_mtu = PORT_MBUF_DATA_MAX - PROTO_ETH_HLEN;
	struct nic_engine_config cfg = {
	    .docroot_fd = off->docroot_fd,
	    .store_bytes = (uint64_t)o->store_mb << 20,
	    .block_size = o->block_kb << 10,
	    .max_files = o->max_files,
	    .max_jobs = o->max_jobs,
	    .max_flow_jobs = o->flow_jobs,
	    .max_flow_pinned = (uint64_t)o->flow_pinned_kb << 10,
	    .tcp_csum_offload = mode.tcp_csum,
	    .io = off->io,
	    .host_mtu = host_mtu,
	    .wire_max_frame = PORT_MBUF_DATA_MAX,
	};
	struct nic_engine_out out = {
	    .ctx = d,
	    .wire_alloc = engine_wire_alloc,
	    .wire_send = engine_wire_send,
	    .host_send = engine_host_send,
	};
	off->engine = nic_engine_new(&cfg, &out);
	if (off->engine && !o->no_ack_coalesce) {
		off->ackc = nic_ackc_new(4096, NICD_BURST);
		if (!off->ackc)
			nicd_log("ACK coalescing off: no memory for its table");
	}
	if (!off->engine) {
		nicd_log("offload engine: cannot allocate a %u MiB store of %u KiB blocks",
			 o->store_mb, o->block_kb);
		return -1;
	}
	bool tso = nic_engine_set_tso(off->engine, nicd_wire_tx_tso_max_payload(&off->wtx),
				      engine_wire_send_tso) &&
		   nicd_wire_tx_tso_max_payload(&off->wtx) > 0;
	/* With a synchronous wire (our tap) segments go straight from the block store. */
	bool zero_copy = wc->tx_sync && mode.tcp_csum &&
			 nicd_wire_tx_enable_zero_copy(&off->wtx) == 0 &&
			 nic_engine_set_zero_copy(off->engine, engine_wire_send_iov);
	log_engine(d, &cfg, tso, zero_copy);
	return 0;
}

void nicd_engine_stop(struct nicd_offload *off)
{
	/* Reads in flight write into the engine's block store: wait for their completions and
	 * close the ring (io_uring_queue_exit) before the store is freed. */
	if (off->engine && !nic_engine_stop_io(off->engine))
		nicd_log("file reads still in flight: the block store is left allocated");
	nic_ackc_free(off->ackc);
	nic_io_free(off->io);
	nic_engine_free(off->engine);
	if (off->wtx_ready)
		nicd_wire_tx_fini(&off->wtx);
	if (off->docroot_fd >= 0)
		close(off->docroot_fd);
	off->ackc = NULL;
	off->io = NULL;
	off->engine = NULL;
	off->wtx_ready = false;
	off->docroot_fd = -1;
}
