/* The offload functions of iotcp.h. Offload file ids live in the same descriptor table as
 * sockets (kind HD_FID), so iotcp_close and the table's limits cover them too. Not implemented
 * yet: the offload issue fills these in. */
#include <errno.h>

#include "host/ctx.h"

int iotcp_offload_open(struct iotcp_ctx *ctx, int sd, const char *path)
{
	errno = ENOSYS;
	return -1;
}

int iotcp_offload_fstat(struct iotcp_ctx *ctx, int fid, struct stat *st)
{
	errno = ENOSYS;
	return -1;
}

ssize_t iotcp_offload_write(struct iotcp_ctx *ctx, int sd, int fid, off_t *offset, size_t len)
{
	errno = ENOSYS;
	return -1;
}

int iotcp_offload_close(struct iotcp_ctx *ctx, int fid)
{
	errno = ENOSYS;
	return -1;
}
