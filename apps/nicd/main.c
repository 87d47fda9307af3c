/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd: the NIC daemon. Host port = net_memif (server role), wire port = net_tap, our
 * vnet tap or net_af_packet. Forwards every frame that is not a host<->NIC command (EtherType
 * 0x88B5) between the two ports unchanged, answers HELLO and sends a heartbeat every second on
 * the host port, and never lets a 0x88B5 frame out on the wire.
 *
 * With --docroot it runs the offload engine (src/nic/engine.h): every well-formed command frame
 * from the host goes to the control protocol (HELLO/HEARTBEAT) and then to the engine, which
 * builds TCP segments into wire-port mbufs (nicd_wire_tx.h) and answers the host. A frame the
 * control protocol finds malformed is ignored as a whole. A new host boot id resets the engine.
 * Without --docroot there is no engine and offload commands are answered ERROR(unsupported).
 *
 * This file: the command line hand-off (nicd_opts.c), the start-up order, the exit. The parts:
 *   nicd_log.c        the log            nicd_daemon.c     background, pid file, signals
 *   nicd_ports.c      port set-up        nicd_engine.c     the offload engine, its callbacks
 *   nicd_run.c        poll loop, tick    nicd_forward.c    frames between the ports
 *   nicd_host_io.c    host port I/O      nicd_ctl.c        HELLO / HEARTBEAT
 *   nicd_stats_lines.c, nicd_stats.c, nicd_counters.h     the stats file and counters
 *   nicd_wire_tx.c, nicd_tx_mode.c                         the engine's path to the wire */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "nicd.h"
#include "nicd_clock.h"
#include "nicd_daemon.h"
#include "nicd_log.h"
#include "nicd_run.h"
#include "nicd_stats_lines.h"

/* Shard s's share of the command line: the store, open files and jobs divided among the shards
 * (each shard's engine has its own flow table and store). */
static void shard_opts(struct nicd *d, const struct nicd_opts *o, unsigned s)
{
	d->opts = *o;
	d->shard = s;
	if (s == 0)
		snprintf(d->host_socket, sizeof(d->host_socket), "%s", o->host_socket);
	else
		snprintf(d->host_socket, sizeof(d->host_socket), "%s.%u", o->host_socket, s);
	d->opts.store_mb = o->store_mb / o->shards;
	d->opts.max_files = o->max_files / o->shards;
	d->opts.max_jobs = o->max_jobs / o->shards;
	if (d->opts.flow_pinned_kb > d->opts.store_mb * 1024u)
		d->opts.flow_pinned_kb = d->opts.store_mb * 1024u;
	/* store_mb may round to 0 below 1 MiB per shard: the parser checked a block fits */
	if (d->opts.store_mb == 0)
		d->opts.store_mb = 1;
}

/* One shard's ports (the wire shared from shard 0), engine, control protocol. 0 or -1. */
static int start_shard(struct nicd *d, uint64_t boot_id)
{
	struct nicd *d0 = d->shard0;

	if (nicd_ports_open(&d->ports, &d->opts, d->shard, d->host_socket,
			    d->shard ? d0->ports.wire : NULL) != 0)
		return -1;
	uint32_t caps = nicd_ports_hello_caps(&d->ports, d->opts.docroot != NULL);
	uint8_t mac[PORT_MAC_LEN];
	port_mac(d->ports.host, mac);
	if (d->opts.docroot && nicd_engine_start(d) != 0)
		return -1;
	nicd_ctl_init(&d->ctl, mac, boot_id, caps,
		      d->off.engine ? (uint64_t)d->opts.store_mb << 20 : 0);
	if (d->off.engine)
		d->ctl.flow_window = nic_engine_hello_flow_window(d->off.engine);
	nicd_log("%srunning: boot id %016" PRIx64
		 ", host-port MAC %02x:%02x:%02x:%02x:%02x:%02x%s%s",
		 d->ports.tag, d->ctl.boot_id, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		 d->opts.docroot ? ", docroot " : "", d->opts.docroot ? d->opts.docroot : "");
	return 0;
}

/* The EAL, then every shard (ports, engine with --docroot, control protocol). 0 or -1
 * (logged). */
static int start(struct nicd *d, bool *eal_up)
{
	char err[512];
	struct port_eal_config eal = {
	    .prog = "iotcp-nicd",
	    .lcore = d->opts.lcore,
	    .file_prefix = d->opts.file_prefix,
	    .mem_mb = d->opts.mem_mb,
	    .log_level = d->opts.log_level,
	};

	nicd_log_to_eal();
	if (port_eal_init(&eal, err, sizeof(err)) != 0) {
		nicd_log("%s", err);
		return -1;
	}
	*eal_up = true;
	uint64_t boot_id = nicd_new_boot_id();
	if (getrandom(d->steer.key, sizeof(d->steer.key), 0) != (ssize_t)sizeof(d->steer.key)) {
		nicd_log("no random steering key: %s", strerror(errno));
		return -1;
	}
	d->steer.nshards = d->opts.shards;
	for (unsigned s = 0; s < d->opts.shards; s++)
		if (start_shard(&d[s], boot_id) != 0)
			return -1;
	d->start_s = nicd_now_s();
	if (d->opts.pid_file && nicd_write_pid_file(d->opts.pid_file) != 0)
		nicd_log("cannot write %s: %s", d->opts.pid_file, strerror(errno));
	if (d->opts.shards > 1)
		nicd_log("%u host shards: sockets %s .. %s; store %u MiB, %u files, %u jobs "
			 "each",
			 d->opts.shards, d->host_socket, d[d->opts.shards - 1].host_socket,
			 d->opts.store_mb, d->opts.max_files, d->opts.max_jobs);
	return 0;
}

int main(int argc, char **argv)
{
	static struct nicd d[NICD_MAX_SHARDS];
	struct nicd_opts opts;
	char err[512];
	int ready_fd = -1, status = EXIT_FAILURE;
	bool eal_up = false;

	if (nicd_opts_parse(argc, argv, &opts, err, sizeof(err)) != 0) {
		fprintf(stderr, "iotcp-nicd: %s\n%s", err, nicd_usage());
		return 2;
	}
	if (opts.help) {
		fputs(nicd_usage(), stdout);
		return 0;
	}
	for (unsigned s = 0; s < opts.shards; s++) {
		d[s].shard0 = d;
		d[s].off.docroot_fd = -1;
		shard_opts(&d[s], &opts, s);
	}
	if (opts.log_file && nicd_log_open(opts.log_file) != 0) {
		fprintf(stderr, "iotcp-nicd: %s: %s\n", opts.log_file, strerror(errno));
		return 1;
	}
	if (!opts.foreground) {
		ready_fd = nicd_daemonize();
		if (ready_fd < 0) {
			nicd_log("cannot daemonize: %s", strerror(errno));
			goto out;
		}
	}
	nicd_signals_install();
	for (unsigned s = 0; s < opts.shards; s++)
		if (opts.docroot && nicd_engine_open_docroot(&d[s].off, opts.docroot) != 0)
			goto out;
	if (start(d, &eal_up) != 0)
		goto out;
	nicd_startup_done(ready_fd, true);
	ready_fd = -1;

	nicd_run(d, nicd_stop_requested);
	nicd_log("shutting down");
	nicd_write_stats(d);
	status = EXIT_SUCCESS;
out:
	nicd_startup_done(ready_fd, false);
	/* the other shards first: they share shard 0's wire port */
	for (unsigned s = opts.shards; s-- > 0;) {
		nicd_engine_stop(&d[s].off);
		nicd_ports_close(&d[s].ports);
	}
	if (eal_up)
		port_eal_cleanup();
	if (opts.pid_file && status == EXIT_SUCCESS)
		unlink(opts.pid_file);
	nicd_log_close();
	return status;
}
