/* SPDX-License-Identifier: BSD-2-Clause */
/* What iotcp_create sets up around a context (create.c). */
#ifndef IOTCP_HOST_CREATE_H
#define IOTCP_HOST_CREATE_H

struct iotcp_ctx;

/* Release what iotcp_create set up around the context (the EAL). */
void host_release_platform(struct iotcp_ctx *ctx);

#endif
