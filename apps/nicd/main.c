/* iotcp-nicd v1: the NIC daemon. Host port = net_memif (server role), wire port = net_tap or
 * net_af_packet. Forwards every frame that is not a host<->NIC command (EtherType 0x88B5)
 * between the two ports unchanged, answers HELLO and sends a heartbeat every second on the host
 * port, and never lets a 0x88B5 frame out on the wire. See nicd_opts.c for the command line. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "nicd_ctl.h"
#include "nicd_opts.h"
#include "nicd_stats.h"
#include "port/port_mbuf.h"
#include "proto/proto.h"

#define BURST	      32
#define HDR_PEEK      22 /* Ethernet header plus two VLAN tags */
#define CTL_FRAME_MAX 2048

static volatile sig_atomic_t stop_requested;
static FILE *log_stream;

__attribute__((format(printf, 1, 2))) static void logmsg(const char *fmt, ...)
{
	FILE *f = log_stream ? log_stream : stderr;
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03ld iotcp-nicd[%ld]: ", when, ts.tv_nsec / 1000000L, (long)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

struct fwd_counters {
	uint64_t to_wire, to_host;		   /* frames forwarded */
	uint64_t dropped_to_wire, dropped_to_host; /* tx queue refused them */
	uint64_t runts;				   /* shorter than an Ethernet header */
	uint64_t wire_proto_dropped;		   /* 0x88B5 frames arriving from the wire */
	uint64_t ctl_tx_dropped;		   /* our control frames the host port refused */
	uint64_t link_changes;
};

struct nicd {
	struct nicd_opts opts;
	struct port *host;
	struct port *wire;
	struct nicd_ctl ctl;
	struct fwd_counters fwd;
	struct port_backoff backoff;
	uint64_t start_s;
	bool host_link_up;
	bool wire_link_up;
};

static void send_ctl(struct nicd *d, const uint8_t *frame, int len)
{
	if (len <= 0)
		return;
	struct rte_mbuf *m = rte_pktmbuf_alloc(port_mempool(d->host));
	if (!m) {
		d->fwd.ctl_tx_dropped++;
		return;
	}
	char *p = rte_pktmbuf_append(m, (uint16_t)len);
	if (!p) {
		rte_pktmbuf_free(m);
		d->fwd.ctl_tx_dropped++;
		return;
	}
	memcpy(p, frame, (size_t)len);
	if (port_tx_burst(d->host, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		d->fwd.ctl_tx_dropped++;
	}
}

/* A 0x88B5 frame from the host: hand it to the control protocol. */
static void host_command(struct nicd *d, struct rte_mbuf *m)
{
	static uint8_t copy[CTL_FRAME_MAX]; /* only when the frame is segmented */
	uint8_t reply[NICD_CTL_FRAME_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *frame;

	if (len > CTL_FRAME_MAX) {
		d->ctl.c.malformed++;
		return;
	}
	frame = rte_pktmbuf_read(m, 0, len, copy);
	if (!frame) {
		d->ctl.c.malformed++;
		return;
	}
	int n = nicd_ctl_input(&d->ctl, frame, len, now_seconds(), reply, sizeof(reply));
	if (n > 0) {
		send_ctl(d, reply, n);
		logmsg("HELLO from host %02x:%02x:%02x:%02x:%02x:%02x boot %016" PRIx64,
		       d->ctl.host_mac[0], d->ctl.host_mac[1], d->ctl.host_mac[2],
		       d->ctl.host_mac[3], d->ctl.host_mac[4], d->ctl.host_mac[5],
		       d->ctl.host_boot_id);
	}
}

/* One burst from src to dst. Returns the frames received. */
static uint16_t forward(struct nicd *d, struct port *src, struct port *dst, bool from_host)
{
	struct rte_mbuf *in[BURST], *out[BURST];
	uint8_t peek[HDR_PEEK];
	uint16_t n = port_rx_burst(src, in, BURST);
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (len < PROTO_ETH_HLEN) {
			d->fwd.runts++;
			rte_pktmbuf_free(m);
			continue;
		}
		uint32_t plen = len < HDR_PEEK ? len : HDR_PEEK;
		const uint8_t *hdr = rte_pktmbuf_read(m, 0, plen, peek);
		bool tagged;
		if (hdr && nicd_frame_ethertype(hdr, plen, &tagged) != (int)PROTO_ETHERTYPE) {
			out[k++] = m;
			continue;
		}
		/* Commands (or unreadable headers) never cross to the other side. */
		if (!from_host)
			d->fwd.wire_proto_dropped++;
		else if (hdr && !tagged)
			host_command(d, m);
		else
			d->ctl.c.malformed++;
		rte_pktmbuf_free(m);
	}
	if (k) {
		uint16_t sent = port_tx_burst(dst, out, k);
		for (uint16_t i = sent; i < k; i++)
			rte_pktmbuf_free(out[i]);
		if (from_host) {
			d->fwd.to_wire += sent;
			d->fwd.dropped_to_wire += (uint64_t)(k - sent);
		} else {
			d->fwd.to_host += sent;
			d->fwd.dropped_to_host += (uint64_t)(k - sent);
		}
	}
	return n;
}

static void write_stats(struct nicd *d)
{
	struct port_stats h, w;

	if (!d->opts.stats_file)
		return;
	port_stats_get(d->host, &h);
	port_stats_get(d->wire, &w);
	const struct nicd_kv kv[] = {
	    {"uptime_s", now_seconds() - d->start_s},
	    {"boot_id", d->ctl.boot_id},
	    {"host_link_up", d->host_link_up},
	    {"wire_link_up", d->wire_link_up},
	    {"host_rx_frames", h.rx_frames},
	    {"host_rx_bytes", h.rx_bytes},
	    {"host_tx_frames", h.tx_frames},
	    {"host_tx_bytes", h.tx_bytes},
	    {"wire_rx_frames", w.rx_frames},
	    {"wire_rx_bytes", w.rx_bytes},
	    {"wire_tx_frames", w.tx_frames},
	    {"wire_tx_bytes", w.tx_bytes},
	    {"wire_rx_missed", w.hw_imissed},
	    {"wire_rx_nombuf", w.hw_rx_nombuf},
	    {"host_rx_nombuf", h.hw_rx_nombuf},
	    {"forwarded_to_wire", d->fwd.to_wire},
	    {"forwarded_to_host", d->fwd.to_host},
	    {"dropped_to_wire", d->fwd.dropped_to_wire},
	    {"dropped_to_host", d->fwd.dropped_to_host},
	    {"dropped_runt", d->fwd.runts},
	    {"dropped_wire_proto", d->fwd.wire_proto_dropped},
	    {"ctl_tx_dropped", d->fwd.ctl_tx_dropped},
	    {"hello_rx", d->ctl.c.hello_rx},
	    {"hello_tx", d->ctl.c.hello_tx},
	    {"heartbeat_rx", d->ctl.c.heartbeat_rx},
	    {"heartbeat_tx", d->ctl.c.heartbeat_tx},
	    {"malformed", d->ctl.c.malformed},
	    {"unknown_cmds", d->ctl.c.unknown_cmds},
	    {"stale_heartbeats", d->ctl.c.stale_heartbeats},
	    {"host_known", d->ctl.host_known},
	    {"host_alive", d->ctl.host_alive},
	    {"host_restarts", d->ctl.c.host_restarts},
	    {"host_timeouts", d->ctl.c.host_timeouts},
	    {"link_changes", d->fwd.link_changes},
	    {"idle_sleeps", d->backoff.sleeps},
	};
	int rc = nicd_stats_write(d->opts.stats_file, kv, sizeof(kv) / sizeof(kv[0]));
	if (rc)
		logmsg("cannot write %s: %s", d->opts.stats_file, strerror(-rc));
}

/* Once a second: link changes, HELLO/heartbeat, stats. */
static void tick(struct nicd *d, uint64_t now)
{
	uint8_t frame[NICD_CTL_FRAME_MAX];
	bool host_up = port_link_up(d->host), wire_up = port_link_up(d->wire);

	if (host_up != d->host_link_up || wire_up != d->wire_link_up) {
		logmsg("links: host %s, wire %s", host_up ? "up" : "down", wire_up ? "up" : "down");
		d->fwd.link_changes++;
	}
	d->host_link_up = host_up;
	d->wire_link_up = wire_up;
	send_ctl(d, frame, nicd_ctl_tick(&d->ctl, now, frame, sizeof(frame)));
	write_stats(d);
}

/* Milliseconds until the next whole second (the tick). */
static unsigned ms_to_next_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1000u - (unsigned)(ts.tv_nsec / 1000000L);
}

static void run(struct nicd *d)
{
	struct port *ports[2] = {d->wire, d->host};
	uint64_t last_tick = 0;

	port_backoff_init(&d->backoff, 0, 0, 0);
	while (!stop_requested) {
		uint16_t n = forward(d, d->host, d->wire, true);
		n += forward(d, d->wire, d->host, false);
		uint64_t now = now_seconds();
		if (now != last_tick) {
			last_tick = now;
			tick(d, now);
		}
		if (n)
			port_backoff_reset(&d->backoff);
		else
			/* While no host is connected (link down, checked every tick) only the
			 * wire needs watching: with tap rx interrupts that is a blocking wait. */
			port_idle_wait(ports, d->host_link_up ? 2 : 1, &d->backoff,
				       ms_to_next_second());
	}
}

static uint64_t new_boot_id(void)
{
	uint64_t id = 0;

	while (id == 0) {
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			id =
			    ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
		}
	}
	return id;
}

static int open_ports(struct nicd *d)
{
	char host_args[256], wire_args[128], err[256];
	struct nicd_opts *o = &d->opts;

	if (port_vdev_memif(host_args, sizeof(host_args), 0, true, o->host_socket) < 0) {
		logmsg("bad --host-socket %s", o->host_socket);
		return -1;
	}
	int rc = o->wire_kind == NICD_WIRE_TAP
		     ? port_vdev_tap(wire_args, sizeof(wire_args), 0, o->wire_ifname)
		     : port_vdev_af_packet(wire_args, sizeof(wire_args), 0, o->wire_ifname);
	if (rc < 0) {
		logmsg("bad wire interface %s", o->wire_ifname);
		return -1;
	}
	struct port_config host_cfg = {.name = "net_memif0", .devargs = host_args};
	d->host = port_open(&host_cfg, err, sizeof(err));
	if (!d->host) {
		logmsg("host port: %s", err);
		return -1;
	}
	struct port_config wire_cfg = {
	    .name = o->wire_kind == NICD_WIRE_TAP ? "net_tap0" : "net_af_packet0",
	    .devargs = wire_args,
	    .rx_intr = true,
	    .promisc = true,
	};
	d->wire = port_open(&wire_cfg, err, sizeof(err));
	if (!d->wire) {
		logmsg("wire port: %s", err);
		return -1;
	}
	const struct port_caps *wc = port_get_caps(d->wire);
	logmsg("host port %s (%s) socket %s; wire port %s (%s) iface %s: tx csum %s, tso %s, rx "
	       "interrupts %s",
	       port_name(d->host), port_get_caps(d->host)->driver, o->host_socket,
	       port_name(d->wire), wc->driver, o->wire_ifname,
	       wc->tx_ipv4_csum && wc->tx_tcp_csum ? "yes" : "no", wc->tso ? "yes" : "no",
	       wc->rx_intr ? "yes" : "no");
	return 0;
}

/* Fork into the background; the parent exits with the child's startup verdict, read from a
 * pipe. Returns the write end for the child (or -1 on failure, in the parent's process). */
static int daemonize(void)
{
	int pfd[2];

	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char ok = 0;
		close(pfd[1]);
		ssize_t r = read(pfd[0], &ok, 1);
		_exit(r == 1 && ok == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(pfd[0]);
	setsid();
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return pfd[1];
}

static void startup_done(int ready_fd, bool ok)
{
	if (ready_fd < 0)
		return;
	char c = ok ? 1 : 0;
	if (write(ready_fd, &c, 1) != 1)
		logmsg("cannot report startup to the parent");
	close(ready_fd);
	if (ok) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
	}
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
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
	if (d.opts.log_file) {
		log_stream = fopen(d.opts.log_file, "a");
		if (!log_stream) {
			fprintf(stderr, "iotcp-nicd: %s: %s\n", d.opts.log_file, strerror(errno));
			return 1;
		}
	}
	if (!d.opts.foreground) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			logmsg("cannot daemonize: %s", strerror(errno));
			goto out;
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (log_stream)
		rte_openlog_stream(log_stream);
	struct port_eal_config eal = {
	    .prog = "iotcp-nicd",
	    .lcore = d.opts.lcore,
	    .file_prefix = d.opts.file_prefix,
	    .mem_mb = d.opts.mem_mb,
	    .log_level = d.opts.log_level,
	};
	if (port_eal_init(&eal, err, sizeof(err)) != 0) {
		logmsg("%s", err);
		goto out;
	}
	eal_up = true;
	if (open_ports(&d) != 0)
		goto out;

	uint8_t mac[PORT_MAC_LEN];
	const struct port_caps *wc = port_get_caps(d.wire);
	uint32_t caps = (wc->tx_ipv4_csum && wc->tx_tcp_csum ? PROTO_CAP_TX_CSUM : 0) |
			(wc->tso ? PROTO_CAP_TSO : 0);
	port_mac(d.host, mac);
	nicd_ctl_init(&d.ctl, mac, new_boot_id(), caps, 0);
	d.start_s = now_seconds();
	if (d.opts.pid_file && write_pid_file(d.opts.pid_file) != 0)
		logmsg("cannot write %s: %s", d.opts.pid_file, strerror(errno));
	logmsg("running: boot id %016" PRIx64 ", host-port MAC %02x:%02x:%02x:%02x:%02x:%02x%s%s",
	       d.ctl.boot_id, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
	       d.opts.docroot ? ", docroot " : "", d.opts.docroot ? d.opts.docroot : "");
	startup_done(ready_fd, true);
	ready_fd = -1;

	run(&d);
	logmsg("shutting down");
	write_stats(&d);
	status = EXIT_SUCCESS;
out:
	startup_done(ready_fd, false);
	port_close(d.wire);
	port_close(d.host);
	if (eal_up)
		port_eal_cleanup();
	if (d.opts.pid_file && status == EXIT_SUCCESS)
		unlink(d.opts.pid_file);
	if (log_stream) {
		rte_openlog_stream(NULL);
		fclose(log_stream);
	}
	return status;
}
