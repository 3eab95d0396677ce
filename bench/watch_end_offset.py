#!/usr/bin/env python3
"""Watches a topic partition's end offset from one long-lived connection to its leader.

Usage: watch_end_offset.py HOST:PORT TOPIC PARTITION TARGET [INTERVAL_MS] [TIMEOUT_S]

Asks the broker for the partition's end offset (Kafka's ListOffsets request, version 1,
timestamp -1) every INTERVAL_MS (default 10) and prints two lines, each with the Unix time
at which a query's answer showed it first:
    first <unix time>    the end offset above 0 (the first message is in)
    done <unix time>     the end offset at or above TARGET
then exits 0; exits 1 after TIMEOUT_S (default 600) with what it saw last.

One connection and no client library: a new kcat process per query took 400 ms to answer on a
2-core machine the benchmark keeps busy, which is too coarse a clock. HOST:PORT must be the
partition's leader (the benchmarks run a single broker).
"""
import socket
import struct
import sys
import time


def list_offsets_request(correlation_id, topic, partition):
    client_id = b"walrelay-bench"
    name = topic.encode()
    body = struct.pack(">hhih", 2, 1, correlation_id, len(client_id)) + client_id
    body += struct.pack(">ii", -1, 1)  # replica_id, one topic
    body += struct.pack(">h", len(name)) + name
    body += struct.pack(">iiq", 1, partition, -1)  # one partition, latest
    return struct.pack(">i", len(body)) + body


def read_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        out += chunk
    return out


def end_offset(sock, correlation_id, topic, partition):
    sock.sendall(list_offsets_request(correlation_id, topic, partition))
    (size,) = struct.unpack(">i", read_exact(sock, 4))
    data = read_exact(sock, size)
    pos = 4  # correlation id
    (topics,) = struct.unpack_from(">i", data, pos)
    pos += 4
    for _ in range(topics):
        (name_len,) = struct.unpack_from(">h", data, pos)
        pos += 2 + name_len
        (parts,) = struct.unpack_from(">i", data, pos)
        pos += 4
        for _ in range(parts):
            p, err, _ts, offset = struct.unpack_from(">ihqq", data, pos)
            pos += 22
            if p == partition:
                return None if err != 0 else offset
    return None


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    host, port = sys.argv[1].rsplit(":", 1)
    topic, partition, target = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    interval = (int(sys.argv[5]) if len(sys.argv) > 5 else 10) / 1000.0
    deadline = time.time() + (float(sys.argv[6]) if len(sys.argv) > 6 else 600)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    first = False
    last = None
    correlation_id = 0
    while time.time() < deadline:
        correlation_id += 1
        last = end_offset(sock, correlation_id, topic, partition)
        at = time.time()
        if last is not None and last > 0 and not first:
            print(f"first {at:.6f}", flush=True)
            first = True
        if last is not None and last >= target:
            print(f"done {at:.6f}", flush=True)
            return 0
        time.sleep(interval)
    print(f"{topic}[{partition}] end offset {last} after the timeout (target {target})",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
