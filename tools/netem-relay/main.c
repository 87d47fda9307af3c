/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-netem-relay: a userspace stand-in for the netem qdisc, which this kernel lacks.
 * Forwards Ethernet frames between two interfaces (AF_PACKET) and applies, per direction,
 * netem's loss, duplicate, corrupt, delay with jitter, and reorder. Departures wait in a
 * min-heap; the loop sleeps in ppoll() until the next departure or the next frame, so an idle
 * relay uses no CPU. SIGUSR1 prints the counters, SIGTERM/SIGINT print them and exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "frame_edit.h"
#include "frame_heap.h"
#include "gso.h"
#include "impair.h"
#include "pktsock.h"
#include "util/rng.h"

#define FRAME_CAP	    (65536 + 64) /* room for a GSO frame */
#define RX_BATCH	    64
#define DEFAULT_LIMIT	    10000
#define DEFAULT_LIMIT_BYTES (64u << 20) /* bytes queued at most: GSO frames are up to 64 KiB */

struct dir_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t gso_frames, gso_split, gso_segments, gso_unsplittable;
	uint64_t lost, duplicated, corrupted, corrupt_skipped, reordered, delayed;
	uint64_t queue_full, tx_errors, rx_errors, rx_truncated;
};

struct relay {
	const char *ifname[2];
	int fd[2];
	struct impair_cfg cfg[2]; /* cfg[i]: frames arriving on interface i */
	struct impair_state ist[2];
	struct dir_stats st[2];
	struct frame_heap heap;
	struct rng rng;
	uint64_t seed;
	uint64_t seq;
	size_t queued_bytes;
	size_t limit_bytes;
	uint8_t *rxbuf;
	uint8_t *segbuf; /* one segment of a GSO frame being cut */
	struct impair_fate fates[GSO_SEG_MAX];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iotcp-netem-relay --a IFACE --b IFACE [options]\n"
		"Forwards frames between IFACE a and IFACE b, impairing both directions.\n"
		"Each value applies to both directions, or as A2B/B2A to each (e.g. 10ms/0).\n"
		"  --delay T        base delay (T: 250us, 10ms, 1.5s)\n"
		"  --jitter T       uniform jitter around the delay (may reorder, as in netem)\n"
		"  --loss P         drop probability (P: 1%%, 0.5%%)\n"
		"  --duplicate P    duplication probability\n"
		"  --reorder P      probability that a frame skips the delay (needs --delay)\n"
		"  --corrupt P      probability of one flipped bit in the transport segment\n"
		"  --delay-corr P, --loss-corr P, --duplicate-corr P, --reorder-corr P,\n"
		"  --corrupt-corr P netem's correlation of each (delay: of the jitter)\n"
		"GSO frames (a TSO sender's 64 KiB) are cut into their segments when the\n"
		"impairments treat those differently, and forwarded whole otherwise.\n"
		"  --limit N        frames queued at most (default %d); more are dropped\n"
		"  --limit-bytes N  bytes queued at most (default %u)\n"
		"  --seed N         random seed (default: from the clock; printed at start)\n"
		"Counters go to stdout on SIGUSR1 and at exit (SIGTERM, SIGINT).\n",
		DEFAULT_LIMIT, DEFAULT_LIMIT_BYTES);
}

static void print_stats(const struct relay *rl)
{
	static const char *const name[2] = {"a2b", "b2a"};

	for (int i = 0; i < 2; i++) {
		const struct dir_stats *s = &rl->st[i];

		printf("%s.rx_frames %" PRIu64 "\n%s.rx_bytes %" PRIu64 "\n"
		       "%s.tx_frames %" PRIu64 "\n%s.tx_bytes %" PRIu64 "\n"
		       "%s.lost %" PRIu64 "\n%s.duplicated %" PRIu64 "\n"
		       "%s.corrupted %" PRIu64 "\n%s.corrupt_skipped %" PRIu64 "\n"
		       "%s.reordered %" PRIu64 "\n%s.delayed %" PRIu64 "\n"
		       "%s.queue_full %" PRIu64 "\n%s.tx_errors %" PRIu64 "\n"
		       "%s.rx_errors %" PRIu64 "\n%s.rx_truncated %" PRIu64 "\n"
		       "%s.gso_frames %" PRIu64 "\n%s.gso_split %" PRIu64 "\n"
		       "%s.gso_segments %" PRIu64 "\n%s.gso_unsplittable %" PRIu64 "\n",
		       name[i], s->rx_frames, name[i], s->rx_bytes, name[i], s->tx_frames, name[i],
		       s->tx_bytes, name[i], s->lost, name[i], s->duplicated, name[i], s->corrupted,
		       name[i], s->corrupt_skipped, name[i], s->reordered, name[i], s->delayed,
		       name[i], s->queue_full, name[i], s->tx_errors, name[i], s->rx_errors,
		       name[i], s->rx_truncated, name[i], s->gso_frames, name[i], s->gso_split,
		       name[i], s->gso_segments, name[i], s->gso_unsplittable);
	}
	printf("queued %zu\nqueued_bytes %zu\n", rl->heap.n, rl->queued_bytes);
	fflush(stdout);
}

/* Queues one copy of a frame for the interface other than `in`, leaving after d ns. */
static void enqueue(struct relay *rl, int in, const struct virtio_net_hdr *vh, const uint8_t *data,
		    size_t len, uint64_t now, uint64_t d, bool reordered)
{
	struct dir_stats *s = &rl->st[in];
	struct frame *f;

	if (len > rl->limit_bytes - rl->queued_bytes) {
		s->queue_full++;
		return;
	}
	f = malloc(sizeof(*f) + len);
	if (!f) {
		s->queue_full++;
		return;
	}
	f->due_ns = now + d;
	f->seq = rl->seq++;
	f->vh = *vh;
	f->len = (uint32_t)len;
	f->dir = (uint8_t)(1 - in);
	memcpy(f->data, data, len);
	if (frame_heap_push(&rl->heap, f)) {
		s->queue_full++;
		free(f);
		return;
	}
	rl->queued_bytes += len;
	s->reordered += reordered;
	s->delayed += d > 0;
}

/* Corrupts the frame in place if it can be done so the receiver notices. */
static void corrupt(struct relay *rl, int in, struct virtio_net_hdr *vh, uint8_t *data, size_t len)
{
	struct dir_stats *s = &rl->st[in];

	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		s->corrupt_skipped++; /* segmentation would recompute the checksums */
		return;
	}
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* Finish the checksum first, or the kernel would fix it after the flip. */
		if (frame_finish_csum(data, len, vh->csum_start, vh->csum_offset)) {
			s->corrupt_skipped++;
			return;
		}
		vh->flags &= (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM;
	}
	/* Never vouch for the checksum of a frame we damage. */
	vh->flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
	if (frame_corrupt(data, len, &rl->rng) < 0)
		s->corrupt_skipped++;
	else
		s->corrupted++;
}

/* One frame (or one segment of a GSO frame) meets its fate. */
static void apply_fate(struct relay *rl, int in, const struct impair_fate *fate,
		       struct virtio_net_hdr *vh, uint8_t *data, size_t len, uint64_t now)
{
	struct dir_stats *s = &rl->st[in];

	if (fate->lost) {
		s->lost++;
		return;
	}
	if (fate->corrupt)
		corrupt(rl, in, vh, data, len);
	enqueue(rl, in, vh, data, len, now, fate->delay_ns, fate->reordered);
	if (fate->duplicate) {
		bool re;
		uint64_t d = impair_frame_delay(&rl->cfg[in], &rl->ist[in], &rl->rng, &re);

		s->duplicated++;
		enqueue(rl, in, vh, data, len, now, d, re); /* the copy's own delay draw */
	}
}

static bool fate_plain(const struct impair_fate *f, uint64_t delay)
{
	return !f->lost && !f->duplicate && !f->corrupt && !f->reordered && f->delay_ns == delay;
}

/* A GSO frame: each segment it stands for gets its own fate, as on a real path. When all of
 * them just wait the same time the frame goes whole (the fast path: one write of 64 KiB);
 * otherwise it is cut and every segment goes its own way. */
static void handle_gso(struct relay *rl, int in, struct virtio_net_hdr *vh, uint8_t *data,
		       size_t len, uint64_t now)
{
	struct dir_stats *s = &rl->st[in];
	struct gso_frame g;
	bool plain = true;

	s->gso_frames++;
	if (gso_parse(vh, data, len, &g)) {
		s->gso_unsplittable++;
		struct impair_fate fate;
		impair_draw(&rl->cfg[in], &rl->ist[in], &rl->rng, &fate);
		if (fate.corrupt)
			fate.corrupt = false, s->corrupt_skipped++;
		apply_fate(rl, in, &fate, vh, data, len, now);
		return;
	}
	for (unsigned k = 0; k < g.nseg; k++) {
		impair_draw(&rl->cfg[in], &rl->ist[in], &rl->rng, &rl->fates[k]);
		plain = plain && fate_plain(&rl->fates[k], rl->fates[0].delay_ns);
	}
	if (plain) {
		enqueue(rl, in, vh, data, len, now, rl->fates[0].delay_ns, false);
		return;
	}
	s->gso_split++;
	for (unsigned k = 0; k < g.nseg; k++) {
		struct virtio_net_hdr sv = {.gso_type = VIRTIO_NET_HDR_GSO_NONE};
		size_t n = gso_segment(&g, data, k, rl->segbuf, FRAME_CAP);

		if (!n)
			continue;
		s->gso_segments++;
		apply_fate(rl, in, &rl->fates[k], &sv, rl->segbuf, n, now);
	}
}

static void handle_frame(struct relay *rl, int in, struct virtio_net_hdr *vh, uint8_t *data,
			 size_t len, uint64_t now)
{
	struct dir_stats *s = &rl->st[in];
	struct impair_fate fate;

	s->rx_frames++;
	s->rx_bytes += len;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		handle_gso(rl, in, vh, data, len, now);
		return;
	}
	impair_draw(&rl->cfg[in], &rl->ist[in], &rl->rng, &fate);
	apply_fate(rl, in, &fate, vh, data, len, now);
}

static void receive(struct relay *rl, int in)
{
	for (int i = 0; i < RX_BATCH; i++) {
		struct virtio_net_hdr vh;
		int truncated;
		ssize_t n = pktsock_recv(rl->fd[in], &vh, rl->rxbuf, FRAME_CAP, &truncated);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rl->st[in].rx_errors++; /* e.g. ENETDOWN; keep going */
			return;
		}
		if (truncated)
			rl->st[in].rx_truncated++;
		if (n > 0)
			handle_frame(rl, in, &vh, rl->rxbuf, (size_t)n, now_ns());
	}
}

/* Sends every frame whose time has come. */
static void transmit_due(struct relay *rl, uint64_t now)
{
	struct frame *f;

	while ((f = frame_heap_peek(&rl->heap)) && f->due_ns <= now) {
		struct dir_stats *s = &rl->st[1 - f->dir];

		frame_heap_pop(&rl->heap);
		rl->queued_bytes -= f->len;
		if (pktsock_send(rl->fd[f->dir], &f->vh, f->data, f->len)) {
			s->tx_errors++;
		} else {
			s->tx_frames++;
			s->tx_bytes += f->len;
		}
		free(f);
	}
}

static int parse_args(struct relay *rl, int argc, char **argv, size_t *limit)
{
	enum {
		O_A = 256,
		O_B,
		O_DELAY,
		O_JITTER,
		O_LOSS,
		O_DUP,
		O_REORDER,
		O_CORRUPT,
		O_LIMIT,
		O_LIMIT_BYTES,
		O_SEED,
		O_DELAY_CORR,
		O_LOSS_CORR,
		O_DUP_CORR,
		O_REORDER_CORR,
		O_CORRUPT_CORR
	};
	static const struct option opts[] = {
	    {"a", required_argument, NULL, O_A},
	    {"b", required_argument, NULL, O_B},
	    {"delay", required_argument, NULL, O_DELAY},
	    {"jitter", required_argument, NULL, O_JITTER},
	    {"loss", required_argument, NULL, O_LOSS},
	    {"duplicate", required_argument, NULL, O_DUP},
	    {"reorder", required_argument, NULL, O_REORDER},
	    {"corrupt", required_argument, NULL, O_CORRUPT},
	    {"limit", required_argument, NULL, O_LIMIT},
	    {"limit-bytes", required_argument, NULL, O_LIMIT_BYTES},
	    {"seed", required_argument, NULL, O_SEED},
	    {"delay-corr", required_argument, NULL, O_DELAY_CORR},
	    {"loss-corr", required_argument, NULL, O_LOSS_CORR},
	    {"duplicate-corr", required_argument, NULL, O_DUP_CORR},
	    {"reorder-corr", required_argument, NULL, O_REORDER_CORR},
	    {"corrupt-corr", required_argument, NULL, O_CORRUPT_CORR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct impair_cfg *ab = &rl->cfg[0], *ba = &rl->cfg[1];
	int o, rc = 0;
	char *end;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_A:
			rl->ifname[0] = optarg;
			break;
		case O_B:
			rl->ifname[1] = optarg;
			break;
		case O_DELAY:
			rc = impair_parse_time_pair(optarg, &ab->delay_ns, &ba->delay_ns);
			break;
		case O_JITTER:
			rc = impair_parse_time_pair(optarg, &ab->jitter_ns, &ba->jitter_ns);
			break;
		case O_LOSS:
			rc = impair_parse_pct_pair(optarg, &ab->loss, &ba->loss);
			break;
		case O_DUP:
			rc = impair_parse_pct_pair(optarg, &ab->duplicate, &ba->duplicate);
			break;
		case O_REORDER:
			rc = impair_parse_pct_pair(optarg, &ab->reorder, &ba->reorder);
			break;
		case O_CORRUPT:
			rc = impair_parse_pct_pair(optarg, &ab->corrupt, &ba->corrupt);
			break;
		case O_DELAY_CORR:
			rc = impair_parse_pct_pair(optarg, &ab->delay_corr, &ba->delay_corr);
			break;
		case O_LOSS_CORR:
			rc = impair_parse_pct_pair(optarg, &ab->loss_corr, &ba->loss_corr);
			break;
		case O_DUP_CORR:
			rc = impair_parse_pct_pair(optarg, &ab->dup_corr, &ba->dup_corr);
			break;
		case O_REORDER_CORR:
			rc = impair_parse_pct_pair(optarg, &ab->reorder_corr, &ba->reorder_corr);
			break;
		case O_CORRUPT_CORR:
			rc = impair_parse_pct_pair(optarg, &ab->corrupt_corr, &ba->corrupt_corr);
			break;
		case O_LIMIT:
			errno = 0;
			*limit = strtoul(optarg, &end, 10);
			rc = (errno || *end || *limit == 0 || *limit > 10000000 || *optarg == '-')
				 ? -1
				 : 0;
			break;
		case O_LIMIT_BYTES:
			errno = 0;
			rl->limit_bytes = strtoul(optarg, &end, 10);
			rc = (errno || *end || rl->limit_bytes < 65536 ||
			      rl->limit_bytes > (4ul << 30) || *optarg == '-')
				 ? -1
				 : 0;
			break;
		case O_SEED:
			errno = 0;
			rl->seed = strtoull(optarg, &end, 0);
			rc = (errno || *end || !*optarg || *optarg == '-') ? -1 : 0;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
		if (rc) {
			fprintf(stderr, "iotcp-netem-relay: bad value for --%s: '%s'\n",
				argv[optind - 1][0] == '-' ? argv[optind - 1] + 2 : "?", optarg);
			return -1;
		}
	}
	if (optind != argc || !rl->ifname[0] || !rl->ifname[1]) {
		fprintf(stderr, "iotcp-netem-relay: --a and --b are required, nothing else\n");
		return -1;
	}
	if (!strcmp(rl->ifname[0], rl->ifname[1])) {
		fprintf(stderr, "iotcp-netem-relay: --a and --b must differ\n");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (rl->cfg[i].reorder > 0 && rl->cfg[i].delay_ns == 0) {
			fprintf(stderr,
				"iotcp-netem-relay: --reorder needs a --delay (as netem)\n");
			return -1;
		}
	}
	return 0;
}

static int run(struct relay *rl, int sfd)
{
	struct pollfd pfd[3] = {
	    {.fd = rl->fd[0], .events = POLLIN},
	    {.fd = rl->fd[1], .events = POLLIN},
	    {.fd = sfd, .events = POLLIN},
	};

	for (;;) {
		struct frame *next = frame_heap_peek(&rl->heap);
		struct timespec ts, *tsp = NULL;
		int n;

		if (next) {
			uint64_t now = now_ns();
			uint64_t wait = next->due_ns > now ? next->due_ns - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000ULL);
			ts.tv_nsec = (long)(wait % 1000000000ULL);
			tsp = &ts;
		}
		n = ppoll(pfd, 3, tsp, NULL);
		if (n < 0 && errno != EINTR) {
			perror("iotcp-netem-relay: ppoll");
			return -1;
		}
		if (n > 0 && (pfd[2].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGUSR1)
					print_stats(rl);
				else
					return 0;
			}
		}
		for (int i = 0; i < 2 && n > 0; i++) {
			if (pfd[i].revents & (POLLERR | POLLNVAL)) {
				fprintf(stderr, "iotcp-netem-relay: %s: interface gone\n",
					rl->ifname[i]);
				return -1;
			}
			if (pfd[i].revents & POLLIN)
				receive(rl, i);
		}
		transmit_due(rl, now_ns());
	}
}

int main(int argc, char **argv)
{
	struct relay rl;
	size_t limit = DEFAULT_LIMIT;
	sigset_t mask;
	char err[256];
	int sfd = -1, rc = 1;

	memset(&rl, 0, sizeof(rl));
	rl.fd[0] = rl.fd[1] = -1;
	rl.limit_bytes = DEFAULT_LIMIT_BYTES;
	rl.seed = now_ns() ^ ((uint64_t)getpid() << 32);
	if (parse_args(&rl, argc, argv, &limit)) {
		usage(stderr);
		return 2;
	}
	rng_seed(&rl.rng, rl.seed);
	rl.rxbuf = malloc(FRAME_CAP);
	rl.segbuf = malloc(FRAME_CAP);
	if (!rl.rxbuf || !rl.segbuf || frame_heap_init(&rl.heap, limit)) {
		fprintf(stderr, "iotcp-netem-relay: out of memory\n");
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		perror("iotcp-netem-relay: signalfd");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		rl.fd[i] = pktsock_open(rl.ifname[i], err, sizeof(err));
		if (rl.fd[i] < 0) {
			fprintf(stderr, "iotcp-netem-relay: %s\n", err);
			goto out;
		}
	}
	printf("ready a=%s b=%s seed=%" PRIu64 " delay_ns=%" PRIu64 "/%" PRIu64
	       " jitter_ns=%" PRIu64 "/%" PRIu64 " loss=%g/%g duplicate=%g/%g reorder=%g/%g"
	       " corrupt=%g/%g corr(delay,loss,dup,reorder,corrupt)=%g,%g,%g,%g,%g/%g,%g,%g,%g,%g\n",
	       rl.ifname[0], rl.ifname[1], rl.seed, rl.cfg[0].delay_ns, rl.cfg[1].delay_ns,
	       rl.cfg[0].jitter_ns, rl.cfg[1].jitter_ns, rl.cfg[0].loss, rl.cfg[1].loss,
	       rl.cfg[0].duplicate, rl.cfg[1].duplicate, rl.cfg[0].reorder, rl.cfg[1].reorder,
	       rl.cfg[0].corrupt, rl.cfg[1].corrupt, rl.cfg[0].delay_corr, rl.cfg[0].loss_corr,
	       rl.cfg[0].dup_corr, rl.cfg[0].reorder_corr, rl.cfg[0].corrupt_corr,
	       rl.cfg[1].delay_corr, rl.cfg[1].loss_corr, rl.cfg[1].dup_corr,
	       rl.cfg[1].reorder_corr, rl.cfg[1].corrupt_corr);
	fflush(stdout);
	rc = run(&rl, sfd) ? 1 : 0;
	print_stats(&rl);
out:
	for (int i = 0; i < 2; i++)
		if (rl.fd[i] >= 0)
			close(rl.fd[i]);
	if (sfd >= 0)
		close(sfd);
	frame_heap_fini(&rl.heap);
	free(rl.rxbuf);
	free(rl.segbuf);
	return rc;
}
