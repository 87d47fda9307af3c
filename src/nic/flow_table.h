/* SPDX-License-Identifier: BSD-2-Clause */
/* The flows (host connection ids: a hash table of their sent, unacknowledged jobs) and freeing
 * a job. */
#ifndef IOTCP_NIC_FLOW_TABLE_H
#define IOTCP_NIC_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

struct nic_engine;
struct nic_flow;
struct nic_job;

/* Flow id, or NULL; with create, a new one if there is none (NULL: out of memory). */
struct nic_flow *eng_flow_get(struct nic_engine *e, uint32_t id, bool create);
/* Free f if it has no jobs left. */
void eng_flow_maybe_free(struct nic_engine *e, struct nic_flow *f);
/* Release j's store blocks, pins, TLS state and file reference, and free it (it is on no list). */
void eng_job_free(struct nic_engine *e, struct nic_job *j);

#endif
