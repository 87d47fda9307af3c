/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's invariants: nic_engine_check (engine.h) and when to run it. */
#ifndef IOTCP_NIC_ENGINE_CHECK_H
#define IOTCP_NIC_ENGINE_CHECK_H

struct nic_engine;

/* nic_engine_check after a command frame, poll or reset, in the builds that have invariants. */
void eng_checked(struct nic_engine *e);

#endif
