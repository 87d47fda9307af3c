/* Fuzz the host <-> NIC command decoder: any input is either rejected with an error or decoded
 * within its bounds; decoded HELLO/HEARTBEAT commands re-encode to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hello(const struct proto_hello *h)
{
	uint8_t buf[64];
	struct proto_writer w;
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_hello again;

	proto_writer_init(&w, buf, sizeof(buf));
	proto_put_hello(&w, h);
	int n = proto_writer_finish(&w);
	if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0 || proto_next(&it, &cmd) != 1 ||
	    proto_hello_decode(&cmd, &again) != 0)
		abort();
	if (again.version != h->version || again.role != h->role || again.flags != h->flags ||
	    memcmp(again.mac, h->mac, PROTO_MAC_LEN) != 0 || again.caps != h->caps ||
	    again.store_size != h->store_size || again.boot_id != h->boot_id)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	int rc;

	if (proto_frame_open(&it, data, size) != 0)
		return 0;
	while ((rc = proto_next(&it, &cmd)) > 0) {
		if (cmd.payload < data || cmd.payload + cmd.len > data + size)
			abort();
		struct proto_hello h;
		struct proto_heartbeat hb;
		if (proto_hello_decode(&cmd, &h) == 0)
			check_hello(&h);
		if (proto_heartbeat_decode(&cmd, &hb) == 0 && hb.boot_id == 0)
			abort();
		(void)proto_type_name(cmd.type);
	}
	(void)proto_strerror(rc);
	return 0;
}
