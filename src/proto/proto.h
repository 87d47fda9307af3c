/* SPDX-License-Identifier: BSD-2-Clause */
/* The host <-> NIC command protocol, carried in Ethernet frames of EtherType 0x88B5 (IEEE 802
 * local experimental EtherType), so commands can never be mistaken for wire traffic.
 *
 * Layout of the Ethernet payload (all fields little-endian, fixed width, no padding):
 *
 *   frame header (8 bytes)
 *     u32 magic    PROTO_MAGIC ("IOTP")
 *     u8  version  PROTO_VERSION; any other value is rejected (the framing may change)
 *     u8  flags    0; reserved, ignored on receipt
 *     u16 count    number of commands that follow (at least 1)
 *   count x command
 *     u16 type     enum proto_type
 *     u16 len      payload bytes that follow this 4-byte command header
 *     u8  payload[len]
 *
 * Bytes after the last command are ignored (Ethernet pads short frames to 60 bytes). A command
 * payload shorter than its type's fixed size is malformed; longer payloads are accepted and the
 * extra bytes ignored, which leaves room for compatible additions within a version. Commands of
 * unknown type are returned by the iterator and are the caller's to count and skip.
 *
 * Nothing here depends on DPDK: the simulator, fuzzers and both daemons share this code. */
#ifndef IOTCP_PROTO_PROTO_H
#define IOTCP_PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_ETHERTYPE 0x88B5u
#define PROTO_ETH_HLEN	14u	    /* dst MAC, src MAC, EtherType */
#define PROTO_MAGIC	0x50544F49u /* bytes 'I' 'O' 'T' 'P' on the wire */
#define PROTO_VERSION	1u

#define PROTO_FRAME_HLEN 8u
#define PROTO_CMD_HLEN	 4u
#define PROTO_MAC_LEN	 6u

/* Command types. Numbers are stable once assigned; 0 is never valid. */
enum proto_type {
	PROTO_T_HELLO = 0x0001,
	PROTO_T_HEARTBEAT = 0x0002,
	/* Reserved for the offload commands (next issue); not yet decoded. */
	PROTO_T_OPEN = 0x0010,
	PROTO_T_OPEN_DONE = 0x0011,
	PROTO_T_FSTAT = 0x0012,
	PROTO_T_FSTAT_DONE = 0x0013,
	PROTO_T_CLOSE = 0x0014,
	PROTO_T_CLOSE_DONE = 0x0015,
	PROTO_T_SEND = 0x0020,
	PROTO_T_ECHO = 0x0021,
	PROTO_T_ACKD = 0x0022,
	PROTO_T_ERROR = 0x0030,
	PROTO_T_TLS_KEY = 0x0040,
	PROTO_T_TLS_SEND = 0x0041,
	PROTO_T_STATS = 0x0050,
	PROTO_T_SYNC = 0x0060,	    /* host -> NIC: what is still alive (proto/sync.h) */
	PROTO_T_SYNC_DONE = 0x0061, /* NIC -> host: the rest was released */
};

/* Errors returned (negated) by the decoders and the writer. */
enum proto_err {
	PROTO_OK = 0,
	PROTO_E_SHORT = 1,   /* buffer ends inside a header or payload */
	PROTO_E_MAGIC = 2,   /* frame magic mismatch */
	PROTO_E_VERSION = 3, /* unsupported frame version */
	PROTO_E_COUNT = 4,   /* zero commands, or fewer present than announced */
	PROTO_E_TYPE = 5,    /* command type 0, or decoder called for another type */
	PROTO_E_LEN = 6,     /* payload shorter than the type's fixed size */
	PROTO_E_VALUE = 7,   /* a field holds an invalid value */
	PROTO_E_NOSPACE = 8, /* writer: the output buffer is full */
};

/* Human-readable name of a proto_err (either sign); never NULL. */
const char *proto_strerror(int err);
/* Name of a command type ("HELLO", ...) or "unknown". */
const char *proto_type_name(uint16_t type);

/* ---- decoding ---- */

struct proto_cmd {
	uint16_t type;
	uint16_t len;
	const uint8_t *payload; /* points into the frame buffer */
};

struct proto_iter {
	const uint8_t *p;
	size_t left;	/* bytes from p to the end of the buffer */
	uint16_t count; /* commands announced */
	uint16_t seen;	/* commands returned so far */
};

/* Validate the frame header of an Ethernet payload of len bytes and start iterating.
 * Returns 0 or -PROTO_E_*. */
int proto_frame_open(struct proto_iter *it, const void *buf, size_t len);
/* Next command: 1 and *cmd filled, 0 when all announced commands were returned, or -PROTO_E_*
 * when the frame is malformed (the iterator then stays at the error). */
int proto_next(struct proto_iter *it, struct proto_cmd *cmd);

/* ---- commands ---- */

enum proto_role {
	PROTO_ROLE_HOST = 1,
	PROTO_ROLE_NIC = 2,
};

/* Capability bits in HELLO. Unknown bits are ignored on receipt. */
#define PROTO_CAP_TX_CSUM 0x1u /* IPv4 + TCP transmit checksum offload */
#define PROTO_CAP_TSO	  0x2u /* TSO frames from the host (copy path): docs/protocol.md */
#define PROTO_CAP_TLS	  0x4u /* TLS_KEY + TLS_SEND: TLS 1.2/1.3 AES-128/256-GCM records */
#define PROTO_CAP_IPV6	  0x8u /* SENDs with IPv6 header templates, IPv6 TSO frames (copy path) */
#define PROTO_CAP_ALL	  (PROTO_CAP_TX_CSUM | PROTO_CAP_TSO | PROTO_CAP_TLS | PROTO_CAP_IPV6)

/* HELLO flags. */
#define PROTO_HELLO_F_REPLY 0x1u /* an answer to a HELLO: do not answer it again */

/* HELLO, both ways at start and after a restart (a new boot_id shows it). 32-byte payload:
 *   u16 version  u8 role  u8 flags  u8 mac[6]  u16 flow_window  u32 caps  u64 store_size
 *   u64 boot_id
 * flow_window (NIC, was reserved: 0 from older NICs and from the host): the largest
 * unacknowledged window per flow the NIC's per-flow limit accepts, in 64 KiB units; the host
 * keeps its connections' send buffers within it. 0 = no limit. */
#define PROTO_HELLO_LEN	       32u
#define PROTO_FLOW_WINDOW_UNIT 65536u
struct proto_hello {
	uint16_t version;	    /* protocol version the sender speaks */
	uint8_t role;		    /* enum proto_role */
	uint8_t flags;		    /* PROTO_HELLO_F_* */
	uint8_t mac[PROTO_MAC_LEN]; /* sender's port facing the peer; unicast, not zero */
	uint16_t flow_window;	    /* NIC: per-flow window limit, 64 KiB units (0 = none) */
	uint32_t caps;		    /* PROTO_CAP_* */
	uint64_t store_size;	    /* bytes of NIC file store (0 from the host) */
	uint64_t boot_id;	    /* random per process start, never 0 */
};

/* HEARTBEAT, every second both ways. 16-byte payload: u64 boot_id, u64 seq. */
#define PROTO_HEARTBEAT_LEN 16u
struct proto_heartbeat {
	uint64_t boot_id;
	uint64_t seq;
};

/* Decode a command's payload; 0 or -PROTO_E_TYPE / -PROTO_E_LEN / -PROTO_E_VALUE. */
int proto_hello_decode(const struct proto_cmd *cmd, struct proto_hello *out);
int proto_heartbeat_decode(const struct proto_cmd *cmd, struct proto_heartbeat *out);

/* ---- encoding ---- */

struct proto_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint16_t count;
	int err; /* first error, sticky: later puts do nothing */
};

/* Start a frame in buf (the Ethernet payload). Fails (-PROTO_E_NOSPACE) when cap is too small
 * for the frame header. */
int proto_writer_init(struct proto_writer *w, void *buf, size_t cap);
/* Append a command whose payload is copied from payload (len bytes). */
int proto_put_raw(struct proto_writer *w, uint16_t type, const void *payload, size_t len);
int proto_put_hello(struct proto_writer *w, const struct proto_hello *h);
int proto_put_heartbeat(struct proto_writer *w, const struct proto_heartbeat *hb);
/* Patch the command count into the header; returns the frame length in bytes or -PROTO_E_*
 * (also -PROTO_E_COUNT for a frame without commands). */
int proto_writer_finish(struct proto_writer *w);

/* Write the 14-byte Ethernet header (dst, src, EtherType 0x88B5) at buf. */
void proto_eth_hdr_put(void *buf, const uint8_t dst[PROTO_MAC_LEN],
		       const uint8_t src[PROTO_MAC_LEN]);
/* True when an Ethernet frame of len bytes carries EtherType 0x88B5 (untagged). */
bool proto_is_proto_frame(const void *frame, size_t len);

#endif
