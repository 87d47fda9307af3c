/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz the NIC offload engine with whole command frames, as a host (or an attacker on the host
 * link) could send them: it must answer with ERRORs and keep running, never crash, leak pins or
 * read outside its store. One engine serves many inputs (state carries over, like a long-lived
 * daemon) over a small docroot with a few files, synchronous file I/O and a 16-block store;
 * every 256 inputs it is reset (a host restart) and must end with nothing pinned. TLS_KEY and
 * TLS_SEND included: the seeds hold TLS sessions (keys, bodies cut mid-record, epochs, ACKD). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nic/engine.h"
#include "nic/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t wirebuf[65536 + 256];
static struct nic_engine *engine;
static unsigned inputs;

static uint8_t *wire_alloc(void *ctx, size_t cap)
{
	(void)ctx;
	return cap <= sizeof(wirebuf) ? wirebuf : NULL;
}

static void wire_send(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (buf != wirebuf || len > sizeof(wirebuf))
		abort();
}

static void host_send(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	(void)p;
	if (len > 1500)
		abort();
}

static char docroot[64];

static void remove_docroot(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", docroot);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", docroot);
}

static void setup(void)
{
	char dir[] = "/tmp/iotcp-fuzz-nic-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	static const struct {
		const char *name;
		size_t size;
	} files[] = {{"file.bin", 300000}, {"a", 1}, {"empty", 0}, {"k64", 65536}};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd = openat(dfd, files[i].name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		for (size_t k = 0; k < files[i].size; k++) {
			uint8_t b = (uint8_t)(k * 7);
			if (write(fd, &b, 1) != 1)
				abort();
		}
		close(fd);
	}
	mkdirat(dfd, "sub", 0755);
	struct nic_engine_config cfg = {.docroot_fd = dfd,
					.store_bytes = 16 * 4096,
					.block_size = 4096,
					.max_files = 8,
					.max_jobs = 64,
					.io = nic_io_new(64, true),
					.wire_max_frame = 2048};
	struct nic_engine_out out = {NULL, wire_alloc, wire_send, host_send};
	engine = nic_engine_new(&cfg, &out);
	if (!engine)
		abort();
	/* The docroot goes at exit (the files must stay while the engine opens them). */
	snprintf(docroot, sizeof(docroot), "%s", dir);
	atexit(remove_docroot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!engine)
		setup();
	/* The input may hold several frames: a 2-byte length before each. */
	size_t pos = 0;
	uint64_t now = (uint64_t)inputs * 1000000;
	while (pos + 2 <= size) {
		size_t n = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		/* the engine zeroes TLS_KEY bytes in the frame: give it a copy, as nicd does */
		static uint8_t frame[65536];
		memcpy(frame, data + pos, n);
		nic_engine_host_frame(engine, frame, n, now);
		nic_engine_poll(engine, now + 500);
		pos += n;
	}
	nic_engine_poll(engine, now + 1000);
	if (++inputs % 256 == 0) {
		nic_engine_reset(engine);
		struct nic_engine_stats st;
		nic_engine_get_stats(engine, &st);
		if (st.store_pinned_blocks || st.flows || st.files_open || st.tls.flows ||
		    st.tls.epochs_live || st.tls.records_live)
			abort(); /* a reset must release everything, TLS keys and records too */
	}
	return 0;
}
