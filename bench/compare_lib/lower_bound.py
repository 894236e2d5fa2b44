#!/usr/bin/python3
"""The lower bound of the comparison: one connection that logs in, sends every RETR at once
and discards the replies. No parsing beyond counting terminators, no delivery, no state.

    lower_bound.py HOST PORT USER PASSWORD COUNT

Each RETR reply holds exactly one "\\r\\n.\\r\\n" (its end: the body's own lines that start
with a dot are stuffed), so COUNT of them means every message has arrived. Exits 0 then, 1 on
any error reply or a short read.
"""

import socket
import sys

TERMINATOR = b"\r\n.\r\n"


def read_line(sock, pending: bytearray) -> bytes:
    while b"\r\n" not in pending:
        data = sock.recv(65536)
        if not data:
            raise SystemExit("lower_bound: connection closed")
        pending += data
    line, _, rest = bytes(pending).partition(b"\r\n")
    pending[:] = rest
    return line


def expect_ok(sock, pending: bytearray, what: str) -> None:
    line = read_line(sock, pending)
    if not line.startswith(b"+OK"):
        raise SystemExit(f"lower_bound: {what}: {line!r}")


def main() -> int:
    host, port, user, password, count = sys.argv[1:6]
    count = int(count)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = bytearray()
    expect_ok(sock, pending, "greeting")
    sock.sendall(f"USER {user}\r\nPASS {password}\r\n".encode())
    expect_ok(sock, pending, "USER")
    expect_ok(sock, pending, "PASS")
    sock.sendall(b"".join(b"RETR %d\r\n" % i for i in range(1, count + 1)))
    seen = 0
    # Only the last len(TERMINATOR)-1 bytes of a read can start a terminator that ends in
    # the next one.
    carry = b"\r\n" + bytes(pending)
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    while True:
        seen += carry.count(TERMINATOR)
        if seen >= count:
            break
        n = sock.recv_into(view)
        if n == 0:
            raise SystemExit(f"lower_bound: closed after {seen} of {count} messages")
        carry = carry[-(len(TERMINATOR) - 1):] + view[:n].tobytes()
    sock.sendall(b"QUIT\r\n")
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
