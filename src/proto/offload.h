/* The IO-TCP offload commands (docs/protocol.md): file open/stat/close on the NIC, SEND of file
 * ranges under a host-made TCP header template, ECHO of transmissions, ACKD of acknowledged
 * data, and ERROR for every NIC-side failure. Payload layouts are fixed-width little-endian;
 * the offsets below are the wire format. Framing and HELLO are in proto.h. */
#ifndef IOTCP_PROTO_OFFLOAD_H
#define IOTCP_PROTO_OFFLOAD_H

#include <stdint.h>

#include "proto/proto.h"

#define PROTO_PATH_MAX 1024u /* bytes of a path in OPEN (no NUL) */
#define PROTO_TMPL_MAX 94u   /* Ethernet 14 + IPv4 20 + TCP up to 60 */

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
#define PROTO_CLOSE_LEN      4u
#define PROTO_CLOSE_DONE_LEN 8u
struct proto_close {
	uint32_t fid;
	int32_t err; /* CLOSE_DONE only */
};

/* SEND, host -> NIC: transmit file bytes [file_off, file_off + len) as TCP segments of at most
 * mss payload bytes built from the header template (the first segment's exact headers).
 *   0 u32 flow  4 u32 fid  8 u64 file_off  16 u32 len  20 u16 mss  22 u16 tmpl_len
 *   24 u32 flags  28 u32 reserved  32 u64 cookie  40 tmpl[tmpl_len] */
#define PROTO_SEND_LEN 40u
#define PROTO_SEND_F_RETRANSMIT 0x1u /* an older range again (statistics only) */
#define PROTO_SEND_F_ECHO       0x2u /* answer with ECHO once transmitted */
struct proto_send {
	uint32_t flow;
	uint32_t fid;
	uint64_t file_off;
	uint32_t len;
	uint16_t mss;
	uint16_t tmpl_len;
	uint32_t flags;
	uint64_t cookie; /* echoed back in ECHO/ERROR */
	const uint8_t *tmpl;
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
#define PROTO_ACKD_LEN 12u
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
	PROTO_ERR_MALFORMED = 1,  /* command did not decode */
	PROTO_ERR_UNKNOWN_FID = 2,
	PROTO_ERR_UNKNOWN_FLOW = 3,
	PROTO_ERR_IO = 4,         /* read failed */
	PROTO_ERR_TRUNCATED = 5,  /* file shorter than the requested range */
	PROTO_ERR_STORE_FULL = 6, /* no free store block: retry later */
	PROTO_ERR_BAD_TEMPLATE = 7,
	PROTO_ERR_RANGE = 8,      /* offset/length invalid */
	PROTO_ERR_BUSY = 9,       /* queue full: retry later */
	PROTO_ERR_UNSUPPORTED = 10,
};
struct proto_error {
	uint16_t cmd_type;
	uint16_t reason;
	int32_t err;
	uint32_t req_id, flow, fid, seq, len;
	uint64_t cookie;
};

const char *proto_error_reason_name(uint16_t reason);

int proto_open_decode(const struct proto_cmd *cmd, struct proto_open *out);
int proto_open_done_decode(const struct proto_cmd *cmd, struct proto_open_done *out);
int proto_fstat_decode(const struct proto_cmd *cmd, struct proto_fstat *out);
int proto_close_decode(const struct proto_cmd *cmd, struct proto_close *out);
int proto_close_done_decode(const struct proto_cmd *cmd, struct proto_close *out);
int proto_send_decode(const struct proto_cmd *cmd, struct proto_send *out);
int proto_echo_decode(const struct proto_cmd *cmd, struct proto_echo *out);
int proto_ackd_decode(const struct proto_cmd *cmd, struct proto_ackd *out);
int proto_error_decode(const struct proto_cmd *cmd, struct proto_error *out);

int proto_put_open(struct proto_writer *w, uint32_t req_id, const char *path, uint16_t path_len);
/* type: PROTO_T_OPEN_DONE or PROTO_T_FSTAT_DONE */
int proto_put_open_done(struct proto_writer *w, uint16_t type, const struct proto_open_done *d);
int proto_put_fstat(struct proto_writer *w, const struct proto_fstat *f);
int proto_put_close(struct proto_writer *w, uint32_t fid);
int proto_put_close_done(struct proto_writer *w, uint32_t fid, int32_t err);
int proto_put_send(struct proto_writer *w, const struct proto_send *s);
int proto_put_echo(struct proto_writer *w, const struct proto_echo *e);
int proto_put_ackd(struct proto_writer *w, const struct proto_ackd *a);
int proto_put_error(struct proto_writer *w, const struct proto_error *e);

#endif
