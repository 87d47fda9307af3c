/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC's TLS path (tls_flow.h). Objects:
 *   flow  - TLS state of one host flow id: up to NIC_TLS_EPOCHS key epochs. Created by TLS_KEY,
 *           freed by ACKD END (or a host restart).
 *   epoch - a key (sealer), the number of jobs using it, and its record entries sorted by
 *           sequence number, with `floor`: numbers below it were released by ACKD.
 *   entry - one record sent or about to be sent: what its sequence number is bound to (file
 *           identity, file offset, plaintext length, TCP sequence number, length on the wire),
 *           its tag once sealed, and pins on the store blocks under its plaintext.
 *   job   - the TLS side of one TLS_SEND: its body layout, epoch and blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "nic/store.h"
#include "nic/tls_flow.h"
#include "tcp/seq.h"
#include "tls/record.h"
#include "tls/seal.h"

#define FLOW_BUCKETS	1024u
#define REC_CACHE	64u				 /* see cache_slot */
#define REC_MAX_BLOCKS	(TLS_REC_PLAIN_MAX / 4096u + 1u) /* store blocks are >= 4 KiB */
#define TLS13_GCM_LIMIT 23726566ull /* RFC 8446 5.5: 2^24.5 records per AES-GCM key */

struct tls_entry {
	uint64_t seq;
	uint64_t file_key, file_off;
	uint32_t plen, stream_len;
	uint32_t tcp_seq;
	bool sealed;
	uint8_t nblk;
	uint8_t tag[TLS_TAG_LEN];
	struct nic_block *blk[REC_MAX_BLOCKS]; /* pinned */
};

struct tls_epoch {
	bool live;
	bool start_known; /* start_seq: TCP sequence number of its first byte (TLS_KEY START) */
	uint32_t start_seq;
	uint32_t num;
	uint64_t uid; /* unique per installed key: names its records in the cache */
	struct tls_sealer *sealer;
	struct tls_key key; /* to recognise a repeated TLS_KEY; wiped with the epoch */
	uint32_t jobs;
	uint64_t floor;
	struct tls_entry *ent; /* ent[head .. head + count), ascending seq */
	uint32_t head, count, cap;
};

struct tls_flow {
	struct tls_flow *hnext;
	uint32_t id;
	bool has_key, ended;
	bool acked_known;
	uint32_t acked; /* the last ACKD */
	uint32_t newest;
	uint32_t jobs;
	uint32_t records;
	struct tls_epoch ep[NIC_TLS_EPOCHS];
};

struct nic_tls_job {
	struct tls_flow *flow;
	struct tls_epoch *ep;
	struct tls_layout l;
	uint64_t base;	     /* sequence number of the body's record 0 */
	uint64_t stream_off; /* the job's first byte in the body's stream */
	uint32_t len;
	uint64_t i0, i1; /* records it touches */
	struct nic_block *const *blocks;
	uint32_t nblocks;
	uint64_t first_block;
	bool file_checked;
};

struct rec_cache {
	uint64_t uid, seq;
	uint32_t len;
	uint8_t buf[TLS_REC_MAX];
};

struct nic_tls {
	struct nic_store *store;
	uint32_t bs;
	uint32_t max_flows, nflows;
	uint64_t next_uid;
	struct tls_flow *flows[FLOW_BUCKETS];
	struct rec_cache cache[REC_CACHE];
	unsigned cache_next;
	struct nic_tls_stats st;
};

/* ---- flows and epochs ---- */

static struct tls_flow **flow_slot(struct nic_tls *t, uint32_t id)
{
	struct tls_flow **p = &t->flows[(id * 2654435761u) >> 22 & (FLOW_BUCKETS - 1)];
	while (*p && (*p)->id != id)
		p = &(*p)->hnext;
	return p;
}

static struct tls_epoch *epoch_find(struct tls_flow *fl, uint32_t num)
{
	for (unsigned i = 0; i < NIC_TLS_EPOCHS; i++)
		if (fl->ep[i].live && fl->ep[i].num == num)
			return &fl->ep[i];
	return NULL;
}

static void entry_release(struct nic_tls *t, struct tls_flow *fl, struct tls_entry *e)
{
	for (unsigned k = 0; k < e->nblk; k++)
		nic_store_unpin(t->store, e->blk[k]);
	e->nblk = 0;
	fl->records--;
	t->st.records_live--;
}

static void epoch_wipe(struct nic_tls *t, struct tls_flow *fl, struct tls_epoch *ep)
{
	for (uint32_t i = 0; i < ep->count; i++)
		entry_release(t, fl, &ep->ent[ep->head + i]);
	free(ep->ent);
	tls_sealer_free(ep->sealer);
	for (unsigned c = 0; c < REC_CACHE; c++)
		if (t->cache[c].uid == ep->uid)
			t->cache[c].uid = 0;
	OPENSSL_cleanse(ep, sizeof(*ep));
	t->st.epochs_live--;
	t->st.epochs_wiped++;
}

static void flow_free(struct nic_tls *t, struct tls_flow *fl)
{
	for (unsigned i = 0; i < NIC_TLS_EPOCHS; i++)
		if (fl->ep[i].live)
			epoch_wipe(t, fl, &fl->ep[i]);
	struct tls_flow **p = flow_slot(t, fl->id);
	*p = fl->hnext;
	free(fl);
	t->nflows--;
	t->st.flows--;
}

/* Whether ACKD passed the first byte of an epoch newer than ep: then every byte sent under ep
 * (which all precede it) is acknowledged. */
static bool epoch_passed(const struct tls_flow *fl, const struct tls_epoch *ep)
{
	if (!fl->acked_known)
		return false;
	for (unsigned i = 0; i < NIC_TLS_EPOCHS; i++) {
		const struct tls_epoch *n = &fl->ep[i];
		if (n->live && n->num > ep->num && n->start_known &&
		    SEQ_GEQ(fl->acked, n->start_seq))
			return true;
	}
	return false;
}

/* Wipe retired epochs nobody needs any more. */
static void epochs_gc(struct nic_tls *t, struct tls_flow *fl)
{
	for (unsigned i = 0; i < NIC_TLS_EPOCHS; i++) {
		struct tls_epoch *ep = &fl->ep[i];
		if (ep->live && ep->num != fl->newest && !ep->jobs && !ep->count &&
		    epoch_passed(fl, ep))
			epoch_wipe(t, fl, ep);
	}
}

/* ... and free an ended or keyless flow without jobs. */
static void flow_gc(struct nic_tls *t, struct tls_flow *fl)
{
	if (!fl->jobs && (fl->ended || !fl->has_key))
		flow_free(t, fl);
	else
		epochs_gc(t, fl);
}

/* ---- record entries ---- */

/* Index (from head) of the first entry with seq >= seq. */
static uint32_t entry_lower(const struct tls_epoch *ep, uint64_t seq)
{
	uint32_t lo = 0, hi = ep->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ep->ent[ep->head + mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct tls_entry *entry_find(struct tls_epoch *ep, uint64_t seq)
{
	uint32_t i = entry_lower(ep, seq);
	return i < ep->count && ep->ent[ep->head + i].seq == seq ? &ep->ent[ep->head + i] : NULL;
}

/* Room for one more entry; returns the insert position's pointer for seq. */
static struct tls_entry *entry_insert(struct tls_epoch *ep, uint64_t seq)
{
	if (ep->head + ep->count == ep->cap) {
		if (ep->head) {
			memmove(ep->ent, ep->ent + ep->head, ep->count * sizeof(*ep->ent));
			ep->head = 0;
		} else {
			uint32_t cap = ep->cap ? 2 * ep->cap : 64;
			struct tls_entry *n = realloc(ep->ent, cap * sizeof(*n));
			if (!n)
				return NULL;
			ep->ent = n;
			ep->cap = cap;
		}
	}
	uint32_t i = entry_lower(ep, seq);
	struct tls_entry *e = &ep->ent[ep->head + i];
	memmove(e + 1, e, (ep->count - i) * sizeof(*e));
	ep->count++;
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	return e;
}

/* ---- TLS_KEY ---- */

int nic_tls_key(struct nic_tls *t, const struct proto_tls_key *k, uint16_t *reason)
{
	struct tls_key key = {.version = k->version, .cipher = k->cipher, .key_len = k->key_len};
	struct tls_flow *fl = NULL;
	int rc;

	*reason = PROTO_ERR_TLS_KEY;
	memcpy(key.key, k->key, sizeof(key.key));
	memcpy(key.iv, k->iv, sizeof(key.iv));
	if (!tls_rec_overhead(k->version, k->cipher)) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if ((k->flags & ~PROTO_TLS_KEY_F_START) || tls_key_check(&key) < 0 ||
	    k->iv_len != tls_iv_len(k->version)) {
		rc = -EINVAL;
		goto out;
	}
	struct tls_flow **p = flow_slot(t, k->flow);
	fl = *p;
	if (!fl) {
		if (t->nflows >= t->max_flows) {
			rc = -ENOSPC;
			goto out;
		}
		fl = calloc(1, sizeof(*fl));
		if (!fl) {
			rc = -ENOMEM;
			goto out;
		}
		fl->id = k->flow;
		*p = fl;
		t->nflows++;
		t->st.flows++;
	}
	struct tls_epoch *ep = epoch_find(fl, k->epoch);
	if (ep) {
		/* a repeated TLS_KEY: the same material is a no-op */
		rc = CRYPTO_memcmp(&ep->key, &key, sizeof(key)) ? -EEXIST : 0;
		goto out;
	}
	if (fl->has_key && k->epoch <= fl->newest) {
		rc = -ESTALE;
		goto out;
	}
	epochs_gc(t, fl);
	for (unsigned i = 0; i < NIC_TLS_EPOCHS && !ep; i++)
		if (!fl->ep[i].live)
			ep = &fl->ep[i];
	if (!ep) {
		rc = -EBUSY;
		goto out;
	}
	ep->sealer = tls_sealer_new(&key);
	if (!ep->sealer) {
		rc = -ENOMEM;
		goto out;
	}
	ep->live = true;
	ep->start_known = k->flags & PROTO_TLS_KEY_F_START;
	ep->start_seq = k->start_seq;
	ep->num = k->epoch;
	ep->uid = ++t->next_uid;
	ep->key = key;
	fl->newest = k->epoch;
	fl->has_key = true;
	t->st.keys++;
	t->st.epochs_live++;
	epochs_gc(t, fl); /* older epochs with nothing outstanding go now */
	rc = 0;
out:
	OPENSSL_cleanse(&key, sizeof(key));
	if (rc < 0) {
		t->st.key_errors++;
		if (fl)
			flow_gc(t, fl); /* a flow this failed TLS_KEY created */
	}
	return rc;
}

/* ---- TLS_SEND ---- */

struct nic_tls_job *nic_tls_job_prepare(struct nic_tls *t, const struct proto_send *s,
					uint64_t file_size, uint64_t *pin_off, uint64_t *pin_len,
					int *err, uint16_t *reason)
{
	struct tls_flow *fl = *flow_slot(t, s->flow);
	struct tls_epoch *ep = fl && !fl->ended ? epoch_find(fl, s->tls.epoch) : NULL;
	struct nic_tls_job *j = NULL;
	struct tls_layout l;
	struct tls_rec r0, r1;

	t->st.sends++;
	if (!ep) {
		*reason = PROTO_ERR_TLS_NO_KEY;
		*err = -ENOKEY;
		goto fail;
	}
	*reason = PROTO_ERR_RANGE;
	*err = -EINVAL;
	if (tls_layout_init(&l, ep->key.version, ep->key.cipher, s->tls.align, s->tls.rec_size,
			    s->tls.body_off, s->tls.body_len) < 0 ||
	    s->tls.body_off + s->tls.body_len > file_size || s->file_off >= l.stream_len ||
	    s->len > l.stream_len - s->file_off)
		goto fail;
	uint64_t i0 = tls_layout_index_at(&l, s->file_off);
	uint64_t i1 = tls_layout_index_at(&l, s->file_off + s->len - 1);
	*reason = PROTO_ERR_TLS_SEQ;
	*err = -EOVERFLOW;
	if (s->tls.rec_seq >= UINT64_MAX - i1 || /* RFC 8446 5.3: sequence numbers never wrap */
	    (ep->key.version == TLS_VERSION_13 && s->tls.rec_seq + i1 >= TLS13_GCM_LIMIT))
		goto fail;
	if (s->tls.rec_seq + i0 < ep->floor) {
		*err = -ESTALE; /* those records were acknowledged and released */
		goto fail;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		*reason = PROTO_ERR_BUSY;
		*err = -ENOMEM;
		goto fail;
	}
	tls_layout_rec(&l, i0, &r0);
	tls_layout_rec(&l, i1, &r1);
	j->flow = fl;
	j->ep = ep;
	j->l = l;
	j->base = s->tls.rec_seq;
	j->stream_off = s->file_off;
	j->len = s->len;
	j->i0 = i0;
	j->i1 = i1;
	fl->jobs++;
	ep->jobs++;
	*pin_off = r0.file_off;
	*pin_len = r1.file_off + r1.plen - r0.file_off;
	return j;
fail:
	t->st.send_errors++;
	return NULL;
}

void nic_tls_job_free(struct nic_tls *t, struct nic_tls_job *j)
{
	if (!j)
		return;
	j->ep->jobs--;
	j->flow->jobs--;
	flow_gc(t, j->flow);
	free(j);
}

/* TCP sequence number of record r of job j (the template carries the job's first byte). */
static uint32_t rec_tcp_seq(const struct nic_tls_job *j, uint32_t tcp_seq, const struct tls_rec *r)
{
	return tcp_seq + (uint32_t)(r->stream_off - j->stream_off);
}

int nic_tls_job_bind(struct nic_tls *t, struct nic_tls_job *j, uint32_t tcp_seq, uint64_t file_key,
		     struct nic_block *const *blocks, uint32_t nblocks, uint64_t first_block,
		     uint16_t *reason)
{
	struct tls_epoch *ep = j->ep;
	struct tls_flow *fl = j->flow;
	struct tls_rec r;

	j->blocks = blocks;
	j->nblocks = nblocks;
	j->first_block = first_block;
	/* A number already bound must be bound to exactly this record: else two ciphertexts
	 * under one nonce could leave. */
	for (uint64_t i = j->i0; i <= j->i1; i++) {
		tls_layout_rec(&j->l, i, &r);
		struct tls_entry *e = entry_find(ep, j->base + i);
		if (e &&
		    (e->file_key != file_key || e->file_off != r.file_off || e->plen != r.plen ||
		     e->stream_len != r.stream_len || e->tcp_seq != rec_tcp_seq(j, tcp_seq, &r))) {
			*reason = PROTO_ERR_TLS_SEQ;
			t->st.send_errors++;
			return -EEXIST;
		}
	}
	for (uint64_t i = j->i0; i <= j->i1; i++) {
		if (entry_find(ep, j->base + i))
			continue;
		tls_layout_rec(&j->l, i, &r);
		uint64_t b0 = r.file_off / t->bs, b1 = (r.file_off + r.plen - 1) / t->bs;
		struct tls_entry *e = NULL;
		if (fl->records < NIC_TLS_MAX_RECORDS && b0 >= first_block &&
		    b1 - first_block < nblocks && b1 - b0 < REC_MAX_BLOCKS)
			e = entry_insert(ep, j->base + i);
		if (!e) {
			*reason = PROTO_ERR_BUSY;
			t->st.send_errors++;
			return -ENOBUFS;
		}
		e->file_key = file_key;
		e->file_off = r.file_off;
		e->plen = r.plen;
		e->stream_len = r.stream_len;
		e->tcp_seq = rec_tcp_seq(j, tcp_seq, &r);
		for (uint64_t b = b0; b <= b1; b++) {
			e->blk[e->nblk] = blocks[b - first_block];
			nic_store_pin(t->store, e->blk[e->nblk++]);
		}
		fl->records++;
		t->st.records_live++;
	}
	return 0;
}

int nic_tls_job_check_file(struct nic_tls *t, struct nic_tls_job *j, int fd, uint64_t file_key,
			   bool stat, uint16_t *reason)
{
	uint64_t key;
	if (j->file_checked || !stat) {
		j->file_checked = true;
		return 0;
	}
	int rc = nic_store_file_key_fd(fd, &key, NULL);
	if (rc < 0) {
		*reason = PROTO_ERR_IO;
		return rc;
	}
	if (key != file_key) {
		t->st.file_changed++;
		*reason = PROTO_ERR_FILE_CHANGED;
		return -ESTALE;
	}
	j->file_checked = true;
	return 0;
}

/* The plaintext of record r as pieces of the job's blocks; 0 pieces if a block lacks data. */
static int plain_iov(const struct nic_tls *t, const struct nic_tls_job *j, const struct tls_rec *r,
		     struct iovec *iov)
{
	uint64_t pos = r->file_off, end = r->file_off + r->plen;
	int n = 0;
	while (pos < end) {
		uint64_t b = pos / t->bs;
		if (b < j->first_block || b - j->first_block >= j->nblocks || n == REC_MAX_BLOCKS)
			return 0;
		const struct nic_block *blk = j->blocks[b - j->first_block];
		uint32_t boff = (uint32_t)(pos % t->bs);
		uint32_t take = t->bs - boff < end - pos ? t->bs - boff : (uint32_t)(end - pos);
		if (blk->state != NIC_BLOCK_READY || blk->len < boff + take)
			return 0;
		iov[n].iov_base = blk->data + boff;
		iov[n].iov_len = take;
		n++;
		pos += take;
	}
	return n;
}

static struct rec_cache *cache_find(struct nic_tls *t, uint64_t uid, uint64_t seq)
{
	for (unsigned c = 0; c < REC_CACHE; c++)
		if (t->cache[c].uid == uid && t->cache[c].seq == seq)
			return &t->cache[c];
	return NULL;
}

/* A slot for a record sealed whole of which only a piece is taken now: a free one, else the
 * oldest handed out. The rest of such a record is wanted by the job's next frame (a TSO burst
 * ending inside it) or by the flow's next TLS_SEND (the host's TCP window ended inside it), and
 * is copied from here instead of sealed again with AES-CTR. A slot is free again once its
 * record's last byte was taken, so the slots cover at least REC_CACHE interleaved flows; a
 * retransmission of a record already sent whole takes the AES-CTR way. */
static struct rec_cache *cache_slot(struct nic_tls *t)
{
	for (unsigned i = 0; i < REC_CACHE; i++) {
		struct rec_cache *c = &t->cache[(t->cache_next + i) % REC_CACHE];
		if (!c->uid) {
			t->cache_next = (t->cache_next + i + 1) % REC_CACHE;
			return c;
		}
	}
	t->st.cache_evictions++;
	struct rec_cache *c = &t->cache[t->cache_next];
	t->cache_next = (t->cache_next + 1) % REC_CACHE;
	return c;
}

/* Bytes [in, in + take) of record r (sequence number seq, entry e if any) into out. */
static int record_bytes(struct nic_tls *t, struct nic_tls_job *j, const struct tls_rec *r,
			uint64_t seq, struct tls_entry *e, uint32_t in, uint32_t take, uint8_t *out)
{
	struct tls_epoch *ep = j->ep;
	struct iovec iov[REC_MAX_BLOCKS];
	int niov = plain_iov(t, j, r, iov);
	int rc;

	if (!niov)
		return -EIO;
	struct rec_cache *c = cache_find(t, ep->uid, seq);
	if (c) {
		memcpy(out, c->buf + in, take);
		t->st.cache_hits++;
		if (in + take == c->len)
			c->uid = 0; /* its last byte is out */
		return 0;
	}
	if (e && e->sealed) {
		rc = tls_seal_range(ep->sealer, seq, TLS_CT_APPLICATION_DATA, iov, niov, e->tag, in,
				    take, out);
		t->st.range_seals++;
		t->st.range_bytes += take;
		return rc < 0 ? rc : 0;
	}
	/* First touch: seal it whole (the tag needs all of it). Without an entry the record was
	 * acknowledged while this job waited; the job kept its plaintext pinned, so sealing it
	 * again gives the very same bytes. */
	uint8_t tag[TLS_TAG_LEN];
	uint8_t *dst = out;
	if (in || take != r->stream_len) {
		c = cache_slot(t);
		c->uid = 0;
		dst = c->buf;
	}
	rc = tls_seal_record(ep->sealer, seq, TLS_CT_APPLICATION_DATA, iov, niov, dst, tag);
	if (rc != (int)r->stream_len)
		return -EIO;
	t->st.seals++;
	t->st.seal_bytes += r->plen;
	if (e) {
		memcpy(e->tag, tag, sizeof(tag));
		e->sealed = true;
	}
	if (dst != out) {
		memcpy(out, c->buf + in, take);
		if (in + take < r->stream_len) { /* the rest is still to go */
			c->uid = ep->uid;
			c->seq = seq;
			c->len = r->stream_len;
		}
	}
	return 0;
}

int nic_tls_job_fill(struct nic_tls *t, struct nic_tls_job *j, uint32_t off, uint32_t n,
		     uint8_t *out)
{
	if (off > j->len || n > j->len - off || n > NIC_TLS_FILL_MAX)
		return -EINVAL;
	uint64_t pos = j->stream_off + off, end = pos + n;
	while (pos < end) {
		struct tls_rec r;
		tls_layout_rec(&j->l, tls_layout_index_at(&j->l, pos), &r);
		uint32_t in = (uint32_t)(pos - r.stream_off);
		uint32_t take =
		    r.stream_len - in < end - pos ? r.stream_len - in : (uint32_t)(end - pos);
		uint64_t seq = j->base + r.index;
		int rc = record_bytes(t, j, &r, seq, entry_find(j->ep, seq), in, take, out);
		if (rc < 0)
			return rc;
		out += take;
		pos += take;
	}
	return 0;
}

/* ---- ACKD ---- */

void nic_tls_ackd(struct nic_tls *t, uint32_t flow, uint32_t acked, bool end)
{
	struct tls_flow *fl = *flow_slot(t, flow);
	if (!fl)
		return;
	for (unsigned i = 0; i < NIC_TLS_EPOCHS; i++) {
		struct tls_epoch *ep = &fl->ep[i];
		while (ep->live && ep->count) {
			struct tls_entry *e = &ep->ent[ep->head];
			if (!end && SEQ_GT(e->tcp_seq + e->stream_len, acked))
				break;
			if (e->seq + 1 > ep->floor)
				ep->floor = e->seq + 1;
			entry_release(t, fl, e);
			ep->head++;
			ep->count--;
		}
		if (!ep->count)
			ep->head = 0;
	}
	if (end)
		fl->ended = true;
	fl->acked = acked;
	fl->acked_known = true;
	flow_gc(t, fl);
}

/* ---- life cycle ---- */

struct nic_tls *nic_tls_new(struct nic_store *store, uint32_t max_flows)
{
	struct nic_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->store = store;
	t->bs = nic_store_block_size(store);
	t->max_flows = max_flows ? max_flows : 65536;
	return t;
}

void nic_tls_reset(struct nic_tls *t)
{
	for (unsigned b = 0; b < FLOW_BUCKETS; b++)
		while (t->flows[b])
			flow_free(t, t->flows[b]);
	for (unsigned c = 0; c < REC_CACHE; c++)
		t->cache[c].uid = 0;
}

void nic_tls_free(struct nic_tls *t)
{
	if (!t)
		return;
	nic_tls_reset(t);
	OPENSSL_cleanse(t->cache, sizeof(t->cache));
	free(t);
}

void nic_tls_get_stats(const struct nic_tls *t, struct nic_tls_stats *st)
{
	*st = t->st;
}

void nic_tls_count_pins(const struct nic_tls *t, uint32_t *pins)
{
	for (unsigned b = 0; b < FLOW_BUCKETS; b++)
		for (const struct tls_flow *fl = t->flows[b]; fl; fl = fl->hnext)
			for (unsigned k = 0; k < NIC_TLS_EPOCHS; k++) {
				const struct tls_epoch *ep = &fl->ep[k];
				for (uint32_t i = 0; ep->live && i < ep->count; i++) {
					const struct tls_entry *e = &ep->ent[ep->head + i];
					for (unsigned n = 0; n < e->nblk; n++)
						pins[nic_store_block_id(t->store, e->blk[n]) - 1]++;
				}
			}
}

void nic_tls_for_each_flow(const struct nic_tls *t, void (*fn)(void *ctx, uint32_t flow), void *ctx)
{
	for (unsigned b = 0; b < FLOW_BUCKETS; b++)
		for (const struct tls_flow *fl = t->flows[b]; fl; fl = fl->hnext)
			fn(ctx, fl->id);
}
