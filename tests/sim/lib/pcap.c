/* SPDX-License-Identifier: BSD-2-Clause */
/* Classic pcap format: a 24-byte global header, then per packet a 16-byte record header
 * (ts_sec, ts_usec, incl_len, orig_len) followed by incl_len bytes. */
#include "pcap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct sim_pcap {
	FILE *f;
	uint64_t count;
	bool failed;
};

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct sim_pcap *sim_pcap_open(const char *path)
{
	uint8_t hdr[24] = {0};
	struct sim_pcap *p;
	int err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->f = fopen(path, "wb");
	if (!p->f)
		goto fail;
	put_le32(hdr, SIM_PCAP_MAGIC);
	put_le16(hdr + 4, 2); /* version_major */
	put_le16(hdr + 6, 4); /* version_minor */
	/* thiszone and sigfigs stay 0 */
	put_le32(hdr + 16, SIM_PCAP_SNAPLEN);
	put_le32(hdr + 20, SIM_PCAP_LINKTYPE);
	if (fwrite(hdr, sizeof(hdr), 1, p->f) != 1) {
		errno = EIO;
		goto fail;
	}
	return p;
fail:
	err = errno;
	if (p->f)
		fclose(p->f);
	free(p);
	errno = err;
	return NULL;
}

int sim_pcap_write(struct sim_pcap *p, tcp_time_t t, const void *pkt, size_t len)
{
	uint8_t rec[16];
	size_t incl = len > SIM_PCAP_SNAPLEN ? SIM_PCAP_SNAPLEN : len;

	if (!p || (!pkt && len > 0))
		return -EINVAL;
	if (p->failed)
		return -EIO;
	put_le32(rec, (uint32_t)(t / TCP_SEC));
	put_le32(rec + 4, (uint32_t)((t % TCP_SEC) / TCP_USEC));
	put_le32(rec + 8, (uint32_t)incl);
	put_le32(rec + 12, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	if (fwrite(rec, sizeof(rec), 1, p->f) != 1 || (incl && fwrite(pkt, incl, 1, p->f) != 1)) {
		p->failed = true;
		return -EIO;
	}
	p->count++;
	return 0;
}

uint64_t sim_pcap_count(const struct sim_pcap *p)
{
	return p ? p->count : 0;
}

int sim_pcap_close(struct sim_pcap *p)
{
	int ret = 0;

	if (!p)
		return 0;
	if (p->failed)
		ret = -EIO;
	if (fclose(p->f) != 0)
		ret = -EIO;
	free(p);
	return ret;
}
