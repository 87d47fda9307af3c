/* SPDX-License-Identifier: BSD-2-Clause */
/* The IO-TCP offload commands (docs/protocol.md): file open/stat/close on the NIC, SEND of file
 * ranges under a host-made TCP header template, ECHO of transmissions, ACKD of acknowledged
 * data, and ERROR for every NIC-side failure. Payload layouts are fixed-width little-endian;
 * the offsets below are the wire format. Framing and HELLO are in proto.h. */
#ifndef IOTCP_PROTO_OFFLOAD_H
#define IOTCP_PROTO_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

#define PROTO_PATH_MAX 1024u /* bytes of a path in OPEN (no NUL) */
#define PROTO_TMPL_MAX 114u  /* Ethernet 14 + IPv6 40 (IPv4 20) + TCP up to 60 */

/* OPEN, host -> NIC: open path beneath the NIC's docroot.
 *   0 u32 req_id   4 u16 path_len   6 u16 flags (0)   8 path[path_len] */
#define PROTO_OPEN_LEN 8u
struct proto_open {
	uint32_t req_id;
	uint16_t path_len;
	const char *path; /* not NUL-terminated; points into the frame */
};

/* OPEN_DONE / FSTAT_DONE, NIC -> host.
 *   0 u32 req_id  4 i32 err (0 or -errno)  8 u32 fid  12 u32 mode  16 u64 size
 *   24 i64 mtime_sec  32 u32 mtime_nsec  36 u32 reserved */
#define PROTO_OPEN_DONE_LEN 40u
struct proto_open_done {
	uint32_t req_id;
	int32_t err;
	uint32_t fid;
	uint32_t mode; /* st_mode */
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

/* FSTAT, host -> NIC: 0 u32 req_id  4 u32 fid */
#define PROTO_FSTAT_LEN 8u
struct proto_fstat {
	uint32_t req_id;
	uint32_t fid;
};

/* CLOSE, host -> NIC: 0 u32 fid. The NIC closes the file once no unacknowledged SEND needs
 * it; CLOSE_DONE: 0 u32 fid  4 i32 err. */
#define PROTO_CLOSE_LEN	     4u
#define PROTO_CLOSE_DONE_LEN 8u
struct proto_close {
	uint32_t fid;
	int32_t err; /* CLOSE_DONE only */
};

/* SEND, host -> NIC: transmit file bytes [file_off, file_off + len) as TCP segments of at most
 * mss payload bytes built from the header template (the first segment's exact headers).
 *   0 u32 flow  4 u32 fid  8 u64 file_off  16 u32 len  20 u16 mss  22 u16 tmpl_len
 *   24 u32 flags  28 u32 reserved  32 u64 cookie  40 tmpl[tmpl_len]
 *
 * TLS_SEND, host -> NIC: the same for bytes [file_off, file_off + len) of a file body's TLS
 * record stream (src/tls/record.h): the NIC seals the records under the flow's key `epoch`
 * (TLS_KEY) with sequence numbers rec_seq, rec_seq + 1, ... and sends the range's bytes. The
 * first 40 bytes are a SEND's, with file_off the offset in the record stream and the reserved
 * word the key epoch; the body follows, then the template:
 *   0 u32 flow  4 u32 fid  8 u64 stream_off  16 u32 len  20 u16 mss  22 u16 tmpl_len
 *   24 u32 flags  28 u32 epoch  32 u64 cookie
 *   40 u64 body_off  48 u64 body_len  56 u64 rec_seq  64 u16 rec_size  66 u8 align
 *   67 u8 reserved (0)  68 u32 reserved (0)  72 tmpl[tmpl_len] */
#define PROTO_SEND_LEN		40u
#define PROTO_TLS_SEND_LEN	72u
#define PROTO_SEND_F_RETRANSMIT 0x1u /* an older range again (statistics only) */
#define PROTO_SEND_F_ECHO	0x2u /* answer with ECHO once transmitted */
#define PROTO_TLS_REC_MIN	64u  /* rec_size bounds (plaintext bytes of a full record) */
#define PROTO_TLS_REC_MAX	16384u
struct proto_send_tls {
	uint32_t epoch;	   /* key epoch of TLS_KEY */
	uint16_t rec_size; /* PROTO_TLS_REC_MIN..PROTO_TLS_REC_MAX */
	uint8_t align;	   /* 0: records aligned to file offsets, 1: to body_off */
	uint64_t body_off; /* the body: file bytes [body_off, body_off + body_len) */
	uint64_t body_len; /* >= 1 */
	uint64_t rec_seq;  /* record sequence number of the body's first record */
};
struct proto_send {
	uint32_t flow;
	uint32_t fid;
	uint64_t file_off; /* TLS_SEND: offset in the body's record stream */
	uint32_t len;
	uint16_t mss;
	uint16_t tmpl_len;
	uint32_t flags;
	uint64_t cookie; /* echoed back in ECHO/ERROR */
	const uint8_t *tmpl;
	bool is_tls; /* a TLS_SEND: tls is valid */
	struct proto_send_tls tls;
};

/* TLS_KEY, host -> NIC: the record protection key of one direction-epoch of flow (the server's
 * write key after the handshake is epoch 0; each TLS 1.3 KeyUpdate the next epoch). Versioned
 * by epoch: installing the same epoch again with the same material is a no-op. With flag
 * START, start_seq is the TCP sequence number of the first byte sent under this epoch: every
 * byte of the older epochs lies before it, so the NIC wipes them once ACKD passes it (and no
 * TLS_SEND still uses them); without it the older epochs stay until ACKD END.
 *   0 u32 flow  4 u32 epoch  8 u16 version (0x0303 TLS 1.2, 0x0304 TLS 1.3)
 *   10 u8 cipher (1 AES-128-GCM, 2 AES-256-GCM)  11 u8 key_len  12 u8 iv_len (1.3: 12, 1.2: 4)
 *   13 u8 flags (1 START)  14 u16 reserved  16 key[32] (key_len used)  48 iv[12] (iv_len used)
 *   60 u32 start_seq */
#define PROTO_TLS_KEY_LEN     64u
#define PROTO_TLS_KEY_MAX     32u
#define PROTO_TLS_IV_MAX      12u
#define PROTO_TLS_KEY_F_START 0x1u
struct proto_tls_key {
	uint32_t flow;
	uint32_t epoch;
	uint16_t version;
	uint8_t cipher;
	uint8_t key_len; /* 1..PROTO_TLS_KEY_MAX */
	uint8_t iv_len;	 /* 1..PROTO_TLS_IV_MAX */
	uint8_t flags;	 /* PROTO_TLS_KEY_F_* */
	uint32_t start_seq;
	uint8_t key[PROTO_TLS_KEY_MAX];
	uint8_t iv[PROTO_TLS_IV_MAX];
};

/* ECHO, NIC -> host: [seq, seq + len) of flow left the NIC; it waited nic_delay_ns in the
 * NIC (command arrival to last segment handed to the port).
 *   0 u32 flow  4 u32 seq  8 u32 len  12 u32 nic_delay_ns  16 u64 cookie */
#define PROTO_ECHO_LEN 24u
struct proto_echo {
	uint32_t flow;
	uint32_t seq;
	uint32_t len;
	uint32_t nic_delay_ns;
	uint64_t cookie;
};

/* ACKD, host -> NIC: the peer acknowledged everything before acked on flow; the NIC releases
 * the data it kept for retransmission. With PROTO_ACKD_F_END the flow is gone: release all.
 *   0 u32 flow  4 u32 acked  8 u32 flags */
#define PROTO_ACKD_LEN	 12u
#define PROTO_ACKD_F_END 0x1u
struct proto_ackd {
	uint32_t flow;
	uint32_t acked;
	uint32_t flags;
};

/* ERROR, NIC -> host: a command failed.
 *   0 u16 cmd_type (the failed command)  2 u16 reason  4 i32 err (-errno)  8 u32 req_id
 *   12 u32 flow  16 u32 fid  20 u32 seq  24 u32 len  28 u32 reserved  32 u64 cookie */
#define PROTO_ERROR_LEN 40u
enum proto_error_reason {
	PROTO_ERR_MALFORMED = 1, /* command did not decode */
	PROTO_ERR_UNKNOWN_FID = 2,
	PROTO_ERR_UNKNOWN_FLOW = 3,
	PROTO_ERR_IO = 4,	  /* read failed */
	PROTO_ERR_TRUNCATED = 5,  /* file shorter than the requested range */
	PROTO_ERR_STORE_FULL = 6, /* no free store block: retry later */
	PROTO_ERR_BAD_TEMPLATE = 7,
	PROTO_ERR_RANGE = 8, /* offset/length invalid */
	PROTO_ERR_BUSY = 9,  /* queue full: retry later */
	PROTO_ERR_UNSUPPORTED = 10,
	PROTO_ERR_TLS_NO_KEY = 11, /* TLS_SEND under an epoch with no key installed */
	PROTO_ERR_TLS_KEY = 12,	   /* TLS_KEY refused (unsupported, conflicting, stale, too many) */
	PROTO_ERR_TLS_SEQ = 13,	   /* record sequence refused (reuse, acknowledged, limit) */
	PROTO_ERR_FILE_CHANGED = 14, /* the file changed since it was opened */
	PROTO_ERR_FLOW_LIMIT = 15,   /* the flow holds its share of NIC jobs / store: it waits */
};
struct proto_error {
	uint16_t cmd_type;
	uint16_t reason;
	int32_t err;
	uint32_t req_id, flow, fid, seq, len;
	uint64_t cookie;
};

#define PROTO_ERR_REASON_MAX PROTO_ERR_FLOW_LIMIT /* highest reason defined */

const char *proto_error_reason_name(uint16_t reason);

int proto_open_decode(const struct proto_cmd *cmd, struct proto_open *out);
int proto_open_done_decode(const struct proto_cmd *cmd, struct proto_open_done *out);
int proto_fstat_decode(const struct proto_cmd *cmd, struct proto_fstat *out);
int proto_close_decode(const struct proto_cmd *cmd, struct proto_close *out);
int proto_close_done_decode(const struct proto_cmd *cmd, struct proto_close *out);
/* SEND or TLS_SEND (out->is_tls tells). */
int proto_send_decode(const struct proto_cmd *cmd, struct proto_send *out);
int proto_tls_key_decode(const struct proto_cmd *cmd, struct proto_tls_key *out);
/* Zero the key and IV bytes of a TLS_KEY command where it lies in the received frame, once
 * decoded, so that no copy of the key outlives its use. cmd->payload is const only because
 * decoding never writes: the frame must be the receiver's own writable buffer. Does nothing
 * for another type or a short command. */
void proto_tls_key_wipe(const struct proto_cmd *cmd);
int proto_echo_decode(const struct proto_cmd *cmd, struct proto_echo *out);
int proto_ackd_decode(const struct proto_cmd *cmd, struct proto_ackd *out);
int proto_error_decode(const struct proto_cmd *cmd, struct proto_error *out);

int proto_put_open(struct proto_writer *w, uint32_t req_id, const char *path, uint16_t path_len);
/* type: PROTO_T_OPEN_DONE or PROTO_T_FSTAT_DONE */
int proto_put_open_done(struct proto_writer *w, uint16_t type, const struct proto_open_done *d);
int proto_put_fstat(struct proto_writer *w, const struct proto_fstat *f);
int proto_put_close(struct proto_writer *w, uint32_t fid);
int proto_put_close_done(struct proto_writer *w, uint32_t fid, int32_t err);
/* A SEND, or a TLS_SEND when s->is_tls. */
int proto_put_send(struct proto_writer *w, const struct proto_send *s);
int proto_put_tls_key(struct proto_writer *w, const struct proto_tls_key *k);
int proto_put_echo(struct proto_writer *w, const struct proto_echo *e);
int proto_put_ackd(struct proto_writer *w, const struct proto_ackd *a);
int proto_put_error(struct proto_writer *w, const struct proto_error *e);

#endif
