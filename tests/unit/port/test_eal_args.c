/* SPDX-License-Identifier: BSD-2-Clause */
/* EAL argv and vdev strings: the exact arguments, and rejection of unsafe values. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "port/eal_args.h"

static int find(const struct port_eal_argv *a, const char *s)
{
	for (int i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], s) == 0)
			return i;
	return -1;
}

static void test_eal_args_and_vdevs(void)
{
	static struct port_eal_argv a;
	const char *vdevs[] = {"net_memif0,role=server,socket=/tmp/x.sock", "net_tap0,iface=t0"};
	struct port_eal_config cfg = {
	    .prog = "nicd",
	    .lcore = 1,
	    .file_prefix = "iotcp-t1",
	    .log_level = "notice",
	    .vdevs = vdevs,
	    .n_vdevs = 2,
	};

	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), 0);
	CHECK(strcmp(a.argv[0], "nicd") == 0);
	CHECK(find(&a, "--no-huge") > 0);
	CHECK(find(&a, "--no-pci") > 0);
	int m = find(&a, "-m");
	CHECK(m > 0 && strcmp(a.argv[m + 1], "256") == 0);
	int l = find(&a, "-l");
	CHECK(l > 0 && strcmp(a.argv[l + 1], "1") == 0);
	CHECK(find(&a, "--file-prefix=iotcp-t1") > 0);
	CHECK(find(&a, "--log-level=notice") > 0);
	CHECK(find(&a, "--vdev=net_tap0,iface=t0") > 0);
	CHECK(find(&a, "--vdev=net_memif0,role=server,socket=/tmp/x.sock") > 0);
	CHECK(a.argv[a.argc] == NULL);
	CHECK_EQ_U64(a.argc, 11);

	/* Hugepages / PCI on, no lcore, custom memory. */
	cfg.hugepages = true;
	cfg.pci = true;
	cfg.lcore = -1;
	cfg.mem_mb = 1024;
	cfg.n_vdevs = 0;
	cfg.log_level = NULL;
	cfg.prog = NULL;
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), 0);
	CHECK(strcmp(a.argv[0], "iotcp") == 0);
	CHECK(find(&a, "--no-huge") < 0);
	CHECK(find(&a, "--no-pci") < 0);
	CHECK(find(&a, "-l") < 0);
	CHECK(find(&a, "1024") > 0);

	/* Unsafe prefixes and values. */
	const char *bad_prefix[] = {NULL, "", ".", "..", "a/b", "a b", "x;rm", "../up"};
	for (unsigned i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++) {
		cfg.file_prefix = bad_prefix[i];
		CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), -EINVAL);
		CHECK(!port_prefix_valid(bad_prefix[i]));
	}
	char longp[80];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	CHECK(!port_prefix_valid(longp));
	cfg.file_prefix = "ok.prefix-1_x";
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), 0);
	cfg.lcore = 5000;
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), -EINVAL);
	cfg.lcore = 0;
	const char *bad_vdev[] = {"net_tap0,iface=a b"};
	cfg.vdevs = bad_vdev;
	cfg.n_vdevs = 1;
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), -EINVAL);
	cfg.n_vdevs = PORT_EAL_MAX_VDEVS + 1;
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), -EINVAL);
	cfg.n_vdevs = 0;
	cfg.log_level = "";
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), -EINVAL);
	/* Too long for the store. */
	static char huge[PORT_EAL_STORE];
	memset(huge, 'v', sizeof(huge) - 1);
	const char *huge_vdev[] = {huge};
	cfg.log_level = NULL;
	cfg.vdevs = huge_vdev;
	cfg.n_vdevs = 1;
	CHECK_EQ_U64(port_eal_argv_build(&cfg, &a), -E2BIG);

	/* vdev strings. */
	char buf[256];
	CHECK(port_vdev_memif(buf, sizeof(buf), 0, true, "/tmp/h.sock") > 0);
	CHECK(strcmp(buf, "net_memif0,role=server,socket=/tmp/h.sock,socket-abstract=no") == 0);
	CHECK(port_vdev_memif(buf, sizeof(buf), 1, false, "/tmp/h.sock") > 0);
	CHECK(strcmp(buf, "net_memif1,role=client,socket=/tmp/h.sock,socket-abstract=no") == 0);
	CHECK(port_vdev_tap(buf, sizeof(buf), 0, "iotcp0") > 0);
	CHECK(strcmp(buf, "net_tap0,iface=iotcp0") == 0);
	CHECK(port_vdev_af_packet(buf, sizeof(buf), 2, "veth1") > 0);
	CHECK(strcmp(buf, "net_af_packet2,iface=veth1") == 0);
	CHECK_EQ_U64(port_vdev_memif(buf, sizeof(buf), 0, true, "/tmp/a,b"), -EINVAL);
	CHECK_EQ_U64(port_vdev_memif(buf, sizeof(buf), 0, true, ""), -EINVAL);
	CHECK_EQ_U64(port_vdev_tap(buf, sizeof(buf), 0, "a=b"), -EINVAL);
	CHECK_EQ_U64(port_vdev_tap(buf, sizeof(buf), 0, "sixteen-chars-xx"), -EINVAL);
	CHECK_EQ_U64(port_vdev_af_packet(buf, sizeof(buf), 0, "a/b"), -EINVAL);
	CHECK_EQ_U64(port_vdev_tap(buf, sizeof(buf), 300, "t0"), -EINVAL);
	CHECK_EQ_U64(port_vdev_tap(buf, 10, 0, "iotcp0"), -E2BIG);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_eal_args_and_vdevs);
	RUN_DONE();
}
