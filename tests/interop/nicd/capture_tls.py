#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Capture what iotcp-nicd sent for a TLS_SEND (offload_peer --mode tls), inside the client
namespace (AF_PACKET), and check it as a TLS client would: segments 198.18.0.1:443 ->
198.18.0.2:40000 with valid checksums, reassembled by sequence number from SEQ0 (a retransmitted
segment must carry exactly the bytes sent before), then TLS 1.3 records with sequence numbers
from 5, opened with AES-128-GCM under the fixed test key of offload_peer.c, whose plaintext must
be file[offset:offset+len] with inner type application_data. And no 64-byte window of that
plaintext may appear anywhere in the captured payloads.
usage: capture_tls.py IFACE FILE OFFSET LEN SEQ0 READY_FILE TIMEOUT_S
Exit 0 pass, 1 fail, 77 when python3-cryptography is missing."""
import struct
import sys
import time

from wirecap import next_segment, open_capture

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:
    print("SKIP: python3-cryptography is not installed")
    sys.exit(77)

KEY = bytes(0x40 + i for i in range(16))
IV = bytes(0x80 + i for i in range(12))
REC_SEQ0 = 5
REC_SIZE = 16384


def stream_len(off, length):
    """The record layout (docs/protocol.md): TLS 1.3, 16 KiB records aligned to file offsets."""
    phase = off % REC_SIZE
    nrec = (phase + length + REC_SIZE - 1) // REC_SIZE
    return length + nrec * 22, nrec


def main():
    iface, path = sys.argv[1], sys.argv[2]
    off, length, seq0 = (int(x, 0) for x in sys.argv[3:6])
    ready, timeout = sys.argv[6], float(sys.argv[7])
    with open(path, "rb") as f:
        want = f.read()[off:off + length]
    total, nrec = stream_len(off, length)
    s = open_capture(iface, ready)
    stream = bytearray(total)
    have = bytearray(total)  # 1 where a byte arrived
    payloads, problems = [], []
    dups = 0
    deadline = time.monotonic() + timeout
    linger = None
    while time.monotonic() < deadline:
        if linger is None and all(have) and dups:
            linger = time.monotonic() + 0.5
        if linger is not None and time.monotonic() > linger:
            break
        seg = next_segment(s, 443, problems)
        if seg is None:
            continue
        seq, _, payload = seg
        rel = (seq - seq0) & 0xFFFFFFFF
        if rel + len(payload) > total:
            problems.append("segment past the stream at %d" % rel)
            continue
        payloads.append(payload)
        if all(have[rel:rel + len(payload)]):
            dups += 1
            if stream[rel:rel + len(payload)] != payload:
                problems.append("retransmitted bytes at %d differ from the first ones" % rel)
        stream[rel:rel + len(payload)] = payload
        have[rel:rel + len(payload)] = b"\1" * len(payload)
    if not all(have):
        problems.append("got %d of %d stream bytes" % (sum(have), total))
    if not dups:
        problems.append("the retransmission was not seen")
    # Open the records like a client.
    aead = AESGCM(KEY)
    pos, plain, seq = 0, bytearray(), REC_SEQ0
    while not problems and pos < total:
        hdr = bytes(stream[pos:pos + 5])
        if hdr[:3] != b"\x17\x03\x03":
            problems.append("bad record header at %d" % pos)
            break
        rlen = struct.unpack("!H", hdr[3:5])[0]
        nonce = bytes(a ^ b for a, b in zip(IV, (seq).to_bytes(12, "big")))
        try:
            inner = aead.decrypt(nonce, bytes(stream[pos + 5:pos + 5 + rlen]), hdr)
        except Exception:
            problems.append("record %d (at %d) does not authenticate" % (seq, pos))
            break
        if not inner or inner[-1] != 23:
            problems.append("record %d: inner type %r" % (seq, inner[-1:] if inner else b""))
            break
        plain += inner[:-1]
        pos += 5 + rlen
        seq += 1
    if not problems and bytes(plain) != want:
        problems.append("decrypted plaintext differs from the file")
    if not problems and seq - REC_SEQ0 != nrec:
        problems.append("%d records, expected %d" % (seq - REC_SEQ0, nrec))
    wire = b"".join(payloads)
    for w in range(0, len(want) - 64, 997):
        if want[w:w + 64] in wire:
            problems.append("plaintext of the file at %d is on the wire" % (off + w))
            break
    print("capture: %d segments (%d retransmitted), %d records of %d stream bytes opened; "
          "no plaintext on the wire" % (len(payloads), dups, seq - REC_SEQ0, total)
          if not problems else "capture: %d segments" % len(payloads))
    for p in problems[:10]:
        print("capture: FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
