/* SPDX-License-Identifier: BSD-2-Clause */
/* EAL command lines and vdev strings, without DPDK (see eal_args.h). */
#include "port/eal_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool port_prefix_valid(const char *s)
{
	if (!s || !*s || strlen(s) > PORT_PREFIX_MAX_LEN)
		return false;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *c = s; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.';
		if (!ok)
			return false;
	}
	return true;
}

/* Append one formatted argument to out. */
__attribute__((format(printf, 2, 3))) static int add_arg(struct port_eal_argv *out, const char *fmt,
							 ...)
{
	if (out->argc >= PORT_EAL_MAX_ARGS)
		return -E2BIG;
	size_t room = sizeof(out->store) - out->used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out->store + out->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -E2BIG;
	out->argv[out->argc++] = out->store + out->used;
	out->argv[out->argc] = NULL;
	out->used += (size_t)n + 1;
	return 0;
}

/* An argument must not be empty or contain whitespace (it would be one argv element anyway,
 * but such values are always mistakes). */
static bool arg_value_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (const char *c = s; *c; c++)
		if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
			return false;
	return true;
}

int port_eal_argv_build(const struct port_eal_config *cfg, struct port_eal_argv *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!port_prefix_valid(cfg->file_prefix))
		return -EINVAL;
	if (cfg->lcore >= 1024 || cfg->n_vdevs > PORT_EAL_MAX_VDEVS)
		return -EINVAL;
	if (cfg->log_level && !arg_value_ok(cfg->log_level))
		return -EINVAL;
	for (unsigned i = 0; i < cfg->n_vdevs; i++)
		if (!arg_value_ok(cfg->vdevs[i]))
			return -EINVAL;

	if ((rc = add_arg(out, "%s", cfg->prog && *cfg->prog ? cfg->prog : "iotcp")))
		return rc;
	if (!cfg->hugepages && (rc = add_arg(out, "--no-huge")))
		return rc;
	if ((rc = add_arg(out, "-m")) || (rc = add_arg(out, "%u", cfg->mem_mb ? cfg->mem_mb : 256)))
		return rc;
	if (!cfg->pci && (rc = add_arg(out, "--no-pci")))
		return rc;
	if (cfg->lcore >= 0 && ((rc = add_arg(out, "-l")) || (rc = add_arg(out, "%d", cfg->lcore))))
		return rc;
	if ((rc = add_arg(out, "--file-prefix=%s", cfg->file_prefix)))
		return rc;
	if (cfg->log_level && (rc = add_arg(out, "--log-level=%s", cfg->log_level)))
		return rc;
	for (unsigned i = 0; i < cfg->n_vdevs; i++)
		if ((rc = add_arg(out, "--vdev=%s", cfg->vdevs[i])))
			return rc;
	return 0;
}

/* A value placed inside a devargs string must not break its key=value,... syntax. */
static bool devarg_value_ok(const char *s, size_t max)
{
	if (!arg_value_ok(s) || strlen(s) > max)
		return false;
	return strchr(s, ',') == NULL && strchr(s, '=') == NULL;
}

static int fmt_result(int n, size_t len)
{
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return n;
}

int port_vdev_memif(char *buf, size_t len, unsigned index, bool server, const char *socket_path)
{
	if (!devarg_value_ok(socket_path, 107) || index > 255)
		return -EINVAL;
	return fmt_result(snprintf(buf, len, "net_memif%u,role=%s,socket=%s,socket-abstract=no",
				   index, server ? "server" : "client", socket_path),
			  len);
}

int port_vdev_tap(char *buf, size_t len, unsigned index, const char *ifname)
{
	if (!devarg_value_ok(ifname, 15) || strchr(ifname, '/') || index > 255)
		return -EINVAL;
	return fmt_result(snprintf(buf, len, "net_tap%u,iface=%s", index, ifname), len);
}

int port_vdev_af_packet(char *buf, size_t len, unsigned index, const char *ifname)
{
	if (!devarg_value_ok(ifname, 15) || strchr(ifname, '/') || index > 255)
		return -EINVAL;
	return fmt_result(snprintf(buf, len, "net_af_packet%u,iface=%s", index, ifname), len);
}
