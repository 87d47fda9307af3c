/* SPDX-License-Identifier: BSD-2-Clause */
/* DPDK ethdev wrapper: see port.h. */
#define _GNU_SOURCE /* ppoll */
#include "port/port.h"
#include "port/bell.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "port/port_mbuf.h"
#include "port/vtap.h"

_Static_assert(PORT_MBUF_DATA_MAX == RTE_MBUF_DEFAULT_DATAROOM, "port.h: PORT_MBUF_DATA_MAX");

#define PORT_DEFAULT_DESC 1024
#define PORT_DEFAULT_POOL 8191
#define PORT_POOL_CACHE	  256

struct port {
	uint16_t id;
	char name[RTE_ETH_NAME_MAX_LEN];
	bool hotplugged; /* we probed it: remove the device at close */
	bool started;
	struct rte_mempool *pool;
	struct port_caps caps;
	uint8_t mac[PORT_MAC_LEN];
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes, tx_refused;
	int tap_fd; /* >= 0: a vnet tap of our own (port_config.vnet_tap), not an ethdev */
	struct vtap_counters vt;
	struct port_bell *bell; /* memif doorbell to the peer process, or NULL */
	bool bell_on_tx;	/* port_tx_burst rings it */
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
							  ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int port_eal_init(const struct port_eal_config *cfg, char *err, size_t errlen)
{
	struct port_eal_argv *args = calloc(1, sizeof(*args));
	int rc;

	if (!args) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = port_eal_argv_build(cfg, args);
	if (rc) {
		set_err(err, errlen, "bad EAL configuration: %s", strerror(-rc));
		goto out;
	}
	/* rte_eal_init() permutes argv; it gets its own copy of the pointers. */
	char *argv[PORT_EAL_MAX_ARGS + 1];
	memcpy(argv, args->argv, sizeof(argv));
	if (rte_eal_init(args->argc, argv) < 0) {
		rc = -(rte_errno ? rte_errno : EINVAL);
		set_err(err, errlen, "rte_eal_init failed: %s", rte_strerror(rte_errno));
		goto out;
	}
	rc = 0;
out:
	free(args);
	return rc;
}

/* Remove what EAL leaves in its runtime directory (/var/run/dpdk/<prefix>: config, mp socket,
 * fbarray files), then the directory itself. */
static void remove_runtime_dir(const char *dir)
{
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		unlinkat(dirfd(dp), e->d_name, 0);
	}
	closedir(dp);
	rmdir(dir);
}

void port_eal_cleanup(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (dir[0])
		remove_runtime_dir(dir);
}

void port_eal_log_stream(FILE *f)
{
	rte_openlog_stream(f);
}

static void probe_caps(struct port *p, const struct rte_eth_dev_info *info)
{
	struct port_caps *c = &p->caps;
	uint64_t tx = info->tx_offload_capa;

	snprintf(c->driver, sizeof(c->driver), "%s", info->driver_name ? info->driver_name : "?");
	c->tx_ipv4_csum = tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	c->tx_tcp_csum = tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	c->tx_udp_csum = tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	c->tso = tx & RTE_ETH_TX_OFFLOAD_TCP_TSO;
	c->multi_seg = tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	c->max_rx_pktlen = info->max_rx_pktlen;
}

/* Offloads worth enabling when offered; a frame still only uses them through its mbuf flags. */
static uint64_t wanted_tx_offloads(const struct rte_eth_dev_info *info)
{
	return info->tx_offload_capa &
	       (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO |
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
}

static int configure(struct port *p, const struct port_config *cfg,
		     const struct rte_eth_dev_info *info, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = wanted_tx_offloads(info);
	conf.intr_conf.rxq = cfg->rx_intr ? 1 : 0;
	rc = rte_eth_dev_configure(p->id, 1, 1, &conf);
	if (rc < 0 && conf.intr_conf.rxq) {
		conf.intr_conf.rxq = 0;
		rc = rte_eth_dev_configure(p->id, 1, 1, &conf);
	}
	if (rc < 0) {
		set_err(err, errlen, "%s: configure: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	uint16_t nb_rxd = cfg->nb_rxd ? cfg->nb_rxd : PORT_DEFAULT_DESC;
	uint16_t nb_txd = cfg->nb_txd ? cfg->nb_txd : PORT_DEFAULT_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nb_rxd, &nb_txd);
	if (rc < 0) {
		set_err(err, errlen, "%s: descriptors: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	int socket = rte_eth_dev_socket_id(p->id);
	unsigned sock = socket < 0 ? (unsigned)SOCKET_ID_ANY : (unsigned)socket;
	rc = rte_eth_rx_queue_setup(p->id, 0, nb_rxd, sock, NULL, p->pool);
	if (rc < 0) {
		set_err(err, errlen, "%s: rx queue: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	struct rte_eth_txconf txconf = info->default_txconf;
	txconf.offloads = conf.txmode.offloads;
	rc = rte_eth_tx_queue_setup(p->id, 0, nb_txd, sock, &txconf);
	if (rc < 0) {
		set_err(err, errlen, "%s: tx queue: %s", p->name, rte_strerror(-rc));
		return rc;
	}
	return 0;
}

static struct rte_mempool *make_pool(const char *name, const struct port_config *cfg, int socket)
{
	uint32_t room =
	    cfg->buf_data ? cfg->buf_data + RTE_PKTMBUF_HEADROOM : RTE_MBUF_DEFAULT_BUF_SIZE;

	if (room > UINT16_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	return rte_pktmbuf_pool_create(name, cfg->pool_size ? cfg->pool_size : PORT_DEFAULT_POOL,
				       PORT_POOL_CACHE, 0, (uint16_t)room,
				       socket < 0 ? SOCKET_ID_ANY : socket);
}

/* port_config.vnet_tap: our own kernel tap (vtap.h) with a locally administered random MAC. */
static int open_vtap(struct port *p, const struct port_config *cfg, char *err, size_t errlen)
{
	int fd = vtap_open(cfg->vnet_tap);

	if (fd < 0) {
		set_err(err, errlen, "tap %s: %s", cfg->vnet_tap, strerror(-fd));
		return fd;
	}
	p->tap_fd = fd;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	snprintf(pool_name, sizeof(pool_name), "iotcp_vt%d", fd);
	p->pool = make_pool(pool_name, cfg, SOCKET_ID_ANY);
	if (!p->pool) {
		set_err(err, errlen, "%s: mbuf pool: %s", p->name, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	struct port_caps *c = &p->caps;
	snprintf(c->driver, sizeof(c->driver), "vnet_tap");
	c->tx_ipv4_csum = true; /* the engine writes IPv4 checksums itself; GSO redoes them */
	c->tx_tcp_csum = true;
	c->tso = true;
	c->multi_seg = true;
	c->rx_intr = true; /* the fd: port_idle_wait() polls it */
	c->tx_sync = true; /* each frame is written (copied by the kernel) in port_tx_burst */
	c->max_rx_pktlen = RTE_MBUF_DEFAULT_DATAROOM;
	c->mtu = 1500;
	rte_eth_random_addr(p->mac);
	return 0;
}

struct port *port_open(const struct port_config *cfg, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	struct port *p = NULL;
	int rc;

	if (!cfg->name || !*cfg->name || strlen(cfg->name) >= RTE_ETH_NAME_MAX_LEN) {
		set_err(err, errlen, "bad port name");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	p->tap_fd = -1;
	p->id = RTE_MAX_ETHPORTS; /* no ethdev until one is found */
	if (cfg->vnet_tap) {
		if (open_vtap(p, cfg, err, errlen) < 0)
			goto fail;
		return p;
	}
	if (cfg->devargs) {
		rc = rte_dev_probe(cfg->devargs);
		if (rc < 0) {
			set_err(err, errlen, "probe %s: %s", cfg->devargs, rte_strerror(-rc));
			goto fail;
		}
		p->hotplugged = true;
	}
	rc = rte_eth_dev_get_port_by_name(cfg->name, &p->id);
	if (rc < 0) {
		set_err(err, errlen, "no ethdev named %s", cfg->name);
		goto fail;
	}
	rc = rte_eth_dev_info_get(p->id, &info);
	if (rc < 0) {
		set_err(err, errlen, "%s: dev info: %s", p->name, rte_strerror(-rc));
		goto fail;
	}
	probe_caps(p, &info);

	char pool_name[RTE_MEMPOOL_NAMESIZE];
	snprintf(pool_name, sizeof(pool_name), "iotcp_mp%u", (unsigned)p->id);
	int socket = rte_eth_dev_socket_id(p->id);
	p->pool = make_pool(pool_name, cfg, socket);
	if (!p->pool) {
		set_err(err, errlen, "%s: mbuf pool: %s", p->name, rte_strerror(rte_errno));
		goto fail;
	}
	if (configure(p, cfg, &info, err, errlen) < 0)
		goto fail;
	rc = rte_eth_dev_start(p->id);
	if (rc < 0) {
		set_err(err, errlen, "%s: start: %s", p->name, rte_strerror(-rc));
		goto fail;
	}
	p->started = true;
	if (cfg->rx_intr && rte_eth_dev_rx_intr_ctl_q(p->id, 0, RTE_EPOLL_PER_THREAD,
						      RTE_INTR_EVENT_ADD, NULL) == 0)
		p->caps.rx_intr = true;
	if (cfg->promisc)
		rte_eth_promiscuous_enable(
		    p->id); /* not every driver can; forwarding still works */
	if (rte_eth_macaddr_get(p->id, &mac) == 0)
		memcpy(p->mac, mac.addr_bytes, PORT_MAC_LEN);
	rte_eth_dev_get_mtu(p->id, &p->caps.mtu);
	return p;
fail:
	port_close(p);
	return NULL;
}

void port_close(struct port *p)
{
	if (!p)
		return;
	if (p->tap_fd >= 0) {
		close(p->tap_fd); /* the tap interface goes with its last file */
		rte_mempool_free(p->pool);
		free(p);
		return;
	}
	if (p->caps.rx_intr)
		rte_eth_dev_rx_intr_ctl_q(p->id, 0, RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_DEL, NULL);
	if (p->started)
		rte_eth_dev_stop(p->id);
	if (rte_eth_dev_is_valid_port(p->id)) {
		struct rte_eth_dev_info info;
		struct rte_device *dev = NULL;
		if (rte_eth_dev_info_get(p->id, &info) == 0)
			dev = info.device;
		rte_eth_dev_close(p->id);
		if (p->hotplugged && dev)
			rte_dev_remove(dev);
	}
	rte_mempool_free(p->pool);
	free(p);
}

const char *port_name(const struct port *p)
{
	return p->name;
}

const struct port_caps *port_get_caps(const struct port *p)
{
	return &p->caps;
}

void port_mac(const struct port *p, uint8_t mac[PORT_MAC_LEN])
{
	memcpy(mac, p->mac, PORT_MAC_LEN);
}

bool port_link_up(const struct port *p)
{
	struct rte_eth_link link;

	if (p->tap_fd >= 0)
		return true; /* our file keeps the tap's carrier on */
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->id, &link) < 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP;
}

void port_stats_get(const struct port *p, struct port_stats *st)
{
	struct rte_eth_stats hw;

	memset(st, 0, sizeof(*st));
	st->rx_frames = p->rx_frames;
	st->rx_bytes = p->rx_bytes;
	st->tx_frames = p->tx_frames;
	st->tx_bytes = p->tx_bytes;
	st->tx_refused = p->tx_refused;
	st->tx_gso_frames = p->vt.tx_gso;
	if (p->tap_fd >= 0) {
		st->hw_oerrors = p->vt.tx_errors;
		st->hw_ierrors = p->vt.rx_errors;
		st->hw_rx_nombuf = p->vt.rx_nombuf;
		return;
	}
	if (rte_eth_stats_get(p->id, &hw) == 0) {
		st->hw_ipackets = hw.ipackets;
		st->hw_opackets = hw.opackets;
		st->hw_ibytes = hw.ibytes;
		st->hw_obytes = hw.obytes;
		st->hw_imissed = hw.imissed;
		st->hw_ierrors = hw.ierrors;
		st->hw_oerrors = hw.oerrors;
		st->hw_rx_nombuf = hw.rx_nombuf;
	}
}

uint16_t port_rx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = p->tap_fd >= 0 ? vtap_rx_burst(p->tap_fd, p->pool, pkts, n, &p->vt)
				      : rte_eth_rx_burst(p->id, 0, pkts, n);

	for (uint16_t i = 0; i < got; i++)
		p->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	p->rx_frames += got;
	return got;
}

uint16_t port_tx_burst(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = 0;

	/* Sent mbufs may be freed by the driver at once: sum the lengths beforehand and take the
	 * unsent ones (still the caller's) back out afterwards. */
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	uint16_t sent = p->tap_fd >= 0 ? vtap_tx_burst(p->tap_fd, pkts, n, &p->vt)
				       : rte_eth_tx_burst(p->id, 0, pkts, n);
	for (uint16_t i = sent; i < n; i++)
		bytes -= rte_pktmbuf_pkt_len(pkts[i]);
	p->tx_frames += sent;
	p->tx_bytes += bytes;
	p->tx_refused += (uint64_t)(n - sent);
	if (sent && p->bell_on_tx)
		port_bell_ring(p->bell);
	return sent;
}

bool port_tx_frame(struct port *p, const uint8_t *hdr, size_t hlen, const uint8_t *payload,
		   size_t plen, size_t min_len)
{
	size_t flen = hlen + plen;
	size_t padded = flen < min_len ? min_len : flen;

	if (padded > PORT_MBUF_DATA_MAX)
		return false;
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	if (!m)
		return false;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)padded);
	if (!d) {
		rte_pktmbuf_free(m);
		return false;
	}
	memcpy(d, hdr, hlen);
	memcpy(d + hlen, payload, plen);
	memset(d + flen, 0, padded - flen);
	if (port_tx_burst(p, &m, 1) == 1)
		return true;
	rte_pktmbuf_free(m);
	return false;
}

void port_set_bell(struct port *p, struct port_bell *bell, bool ring_on_tx)
{
	p->bell = bell;
	p->bell_on_tx = bell && ring_on_tx;
}

struct rte_mempool *port_mempool(const struct port *p)
{
	return p->pool;
}

uint16_t port_ethdev_id(const struct port *p)
{
	return p->id;
}

static void sleep_us(uint32_t us)
{
	struct timespec ts = {.tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000L};

	nanosleep(&ts, NULL);
}

/* Block until one of the vnet taps or bells among ports is readable, up to timeout_us. */
static void wait_fds(struct port *const *ports, unsigned n, uint64_t timeout_us)
{
	struct pollfd pfd[16];
	nfds_t k = 0;
	struct timespec ts = {.tv_sec = (time_t)(timeout_us / 1000000u),
			      .tv_nsec = (long)(timeout_us % 1000000u) * 1000L};

	for (unsigned i = 0; i < n && k + 2 <= RTE_DIM(pfd); i++) {
		if (ports[i]->tap_fd >= 0)
			pfd[k++] = (struct pollfd){.fd = ports[i]->tap_fd, .events = POLLIN};
		if (ports[i]->bell)
			pfd[k++] =
			    (struct pollfd){.fd = port_bell_fd(ports[i]->bell), .events = POLLIN};
	}
	ppoll(pfd, k, &ts, NULL);
}

/* True when a plain poll() can wait for these ports: one of them has a vnet tap or a bell and
 * none needs DPDK's rx interrupts (an ethdev's interrupts are not a file we poll). */
static bool any_fd(struct port *const *ports, unsigned n)
{
	bool some = false;

	for (unsigned i = 0; i < n; i++) {
		if (ports[i]->tap_fd < 0 && ports[i]->caps.rx_intr)
			return false;
		some = some || ports[i]->tap_fd >= 0 || ports[i]->bell;
	}
	return some;
}

/* Block on the rx interrupts of the ports that have them, up to timeout_ms. */
static void wait_rx_intr(struct port *const *ports, unsigned n, int timeout_ms)
{
	struct rte_epoll_event ev[8];

	for (unsigned i = 0; i < n; i++)
		if (ports[i]->caps.rx_intr)
			rte_eth_dev_rx_intr_enable(ports[i]->id, 0);
	rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, RTE_DIM(ev), timeout_ms);
	for (unsigned i = 0; i < n; i++)
		if (ports[i]->caps.rx_intr)
			rte_eth_dev_rx_intr_disable(ports[i]->id, 0);
}

uint32_t port_idle_wait(struct port *const *ports, unsigned n, struct port_backoff *b,
			unsigned max_block_ms)
{
	unsigned with_intr = 0;
	uint32_t us = port_backoff_idle(b);

	if (us == 0)
		return 0;
	if (any_fd(ports, n)) {
		/* A vnet tap or a bell wakes us at once, however short the sleep: wire traffic
		 * (requests, ACKs) and host commands are never left waiting for the back-off.
		 * A bell is not an interrupt: without one on every port we sleep at most us. */
		bool all = true;
		for (unsigned i = 0; i < n; i++)
			all = all && ports[i]->caps.rx_intr;
		wait_fds(ports, n, all ? (uint64_t)max_block_ms * 1000u : us);
		return us;
	}
	for (unsigned i = 0; i < n; i++)
		with_intr += ports[i]->caps.rx_intr;
	if (n && with_intr == n)
		wait_rx_intr(ports, n, (int)max_block_ms);
	else if (with_intr && us >= 1000)
		wait_rx_intr(ports, n, (int)(us / 1000));
	else
		sleep_us(us);
	return us;
}
