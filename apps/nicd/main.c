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
#include <unistd.h>

#include "nicd.h"
#include "nicd_clock.h"
#include "nicd_daemon.h"
#include "nicd_log.h"
#include "nicd_run.h"
#include "nicd_stats_lines.h"

/* The EAL, the ports, the engine (with --docroot), the control protocol. 0 or -1 (logged). */
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
	if (nicd_ports_open(&d->ports, &d->opts) != 0)
		return -1;
	uint32_t caps = nicd_ports_hello_caps(&d->ports, d->opts.docroot != NULL);
	uint8_t mac[PORT_MAC_LEN];
	port_mac(d->ports.host, mac);
	if (d->opts.docroot && nicd_engine_start(d) != 0)
		return -1;
	nicd_ctl_init(&d->ctl, mac, nicd_new_boot_id(), caps,
		      d->off.engine ? (uint64_t)d->opts.store_mb << 20 : 0);
	if (d->off.engine)
		d->ctl.flow_window = nic_engine_hello_flow_window(d->off.engine);
	d->start_s = nicd_now_s();
	if (d->opts.pid_file && nicd_write_pid_file(d->opts.pid_file) != 0)
		nicd_log("cannot write %s: %s", d->opts.pid_file, strerror(errno));
	nicd_log("running: boot id %016" PRIx64 ", host-port MAC %02x:%02x:%02x:%02x:%02x:%02x%s%s",
		 d->ctl.boot_id, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		 d->opts.docroot ? ", docroot " : "", d->opts.docroot ? d->opts.docroot : "");
	return 0;
}

int main(int argc, char **argv)
{
	static struct nicd d;
	char err[512];
	int ready_fd = -1, status = EXIT_FAILURE;
	bool eal_up = false;

	if (nicd_opts_parse(argc, argv, &d.opts, err, sizeof(err)) != 0) {
		fprintf(stderr, "iotcp-nicd: %s\n%s", err, nicd_usage());
		return 2;
	}
	if (d.opts.help) {
		fputs(nicd_usage(), stdout);
		return 0;
	}
	d.off.docroot_fd = -1;
	if (d.opts.log_file && nicd_log_open(d.opts.log_file) != 0) {
		fprintf(stderr, "iotcp-nicd: %s: %s\n", d.opts.log_file, strerror(errno));
		return 1;
	}
	if (!d.opts.foreground) {
		ready_fd = nicd_daemonize();
		if (ready_fd < 0) {
			nicd_log("cannot daemonize: %s", strerror(errno));
			goto out;
		}
	}
	nicd_signals_install();
	if (d.opts.docroot && nicd_engine_open_docroot(&d.off, d.opts.docroot) != 0)
		goto out;
	if (start(&d, &eal_up) != 0)
		goto out;
	nicd_startup_done(ready_fd, true);
	ready_fd = -1;

	nicd_run(&d, nicd_stop_requested);
	nicd_log("shutting down");
	nicd_write_stats(&d);
	status = EXIT_SUCCESS;
out:
	nicd_startup_done(ready_fd, false);
	nicd_engine_stop(&d.off);
	nicd_ports_close(&d.ports);
	if (eal_up)
		port_eal_cleanup();
	if (d.opts.pid_file && status == EXIT_SUCCESS)
		unlink(d.opts.pid_file);
	nicd_log_close();
	return status;
}
