#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`tcp_connect_ms.py ADDR PORT N`: the smallest of N TCP connect() times, in milliseconds
(one SYN / SYN-ACK round trip each)."""
import socket
import sys
import time

best = None
for _ in range(int(sys.argv[3])):
    t = time.monotonic()
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    ms = (time.monotonic() - t) * 1000.0
    c.close()
    best = ms if best is None else min(best, ms)
print("%.3f" % best)
