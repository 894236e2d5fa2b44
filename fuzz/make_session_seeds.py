#!/usr/bin/env python3
"""Writes fuzz/corpus/session_fuzzer/ from the golden sessions in tests/transcripts/sessions.

Each transcript's server replies are cut out per command (status line, or up to the
terminating ".") and replayed in the order session_fuzzer's client sends its commands: CAPA,
the login, STAT, LIST, UIDL, then RETR/DELE as retrieve_and_delete() sends them with the
seed's pipelining window. Replies a transcript lacks are filled in (a LIST made from the
messages it retrieves, -ERR to CAPA and UIDL, +OK elsewhere). Each transcript gives three
seeds (one command at a time; pipelined and read a byte at a time; small limits and odd
splits); a few extra seeds reach SASL, STLS and the fault injector. The input format is in
fuzz/session_script.hpp.

Usage: fuzz/make_session_seeds.py [SESSIONS_DIR [OUT_DIR]]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEPARATOR = b"\n--\n"
MULTILINE_ALWAYS = {"CAPA", "RETR", "TOP"}
MULTILINE_WITHOUT_ARGUMENT = {"LIST", "UIDL"}

# byte 0: login method index (session_script.cpp's login_choices)
LOGIN = {"user": 0, "apop": 1, "plain": 2, "login": 3, "cram-md5": 4, "scram-sha-1": 5,
         "scram-sha-256": 6, "auto": 7}
# byte 1 bits
PIPELINING_ON, PIPELINING_OFF = 0x01, 0x02
STARTTLS, SMALL_LIMITS, DELETE_ALL, DELETE_FIRST, SKIP_LIST = 0x04, 0x08, 0x10, 0x20, 0x40
FAULT_FAIL, FAULT_CLOSE = 1, 2


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "x":
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[n]
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


def load(path):
    """(greeting, [(command line, reply bytes)], eof) of a transcript."""
    commands, server = [], b""
    eof = False
    for line in path.read_text().splitlines():
        if line.startswith("S: ") or line == "S:":
            server += unescape(line[3:]) + b"\r\n"
        elif line.startswith("S-: "):
            server += unescape(line[4:])
        elif line.startswith("C: "):
            commands.append(line[3:])
        elif line == "EOF":
            eof = True
    # The replies follow the commands in order; cut them by the framing of each command.
    end = server.find(b"\r\n") + 2
    greeting, rest = server[:end], server[end:]
    replies = []
    for command in commands:
        verb, _, argument = command.partition(" ")
        multi = verb in MULTILINE_ALWAYS or (verb in MULTILINE_WITHOUT_ARGUMENT and not argument)
        line_end = rest.find(b"\r\n")
        if line_end < 0:
            reply, rest = rest, b""
        elif multi and rest.startswith(b"+OK"):
            end = rest.find(b"\r\n.\r\n", line_end - 2 if line_end >= 2 else 0)
            end = len(rest) if end < 0 else end + 5
            reply, rest = rest[:end], rest[end:]
        else:
            reply, rest = rest[:line_end + 2], rest[line_end + 2:]
        replies.append((command, reply))
    return greeting, replies, eof


def reply_for(replies, command, default):
    for c, r in replies:
        if c == command:
            return r
    return default


def first_with_verb(replies, verb):
    return next(((c, r) for c, r in replies if c.split(" ")[0] == verb), None)


def send_order(messages, ok, window, delete):
    """The commands retrieve_and_delete() sends, as session_batch.cpp orders them."""
    sent, in_flight, deletions, next_retrieval = [], [], [], 0
    while True:
        while len(in_flight) < window:
            if deletions:
                command = ("DELE", deletions.pop(0))
            elif next_retrieval < len(messages):
                command = ("RETR", messages[next_retrieval])
                next_retrieval += 1
            else:
                break
            sent.append(command)
            in_flight.append(command)
        if not in_flight:
            return sent
        verb, n = in_flight.pop(0)
        if verb == "RETR" and ok(n) and delete(n):
            deletions.append(n)


def seed(login, bits, fault, splits, segments, fault_at=0):
    header = bytes([LOGIN[login], bits, fault, fault_at, len(splits)] + list(splits))
    return header + SEPARATOR.join(segments)


def seeds_from(path):
    greeting, replies, eof = load(path)
    apop = first_with_verb(replies, "APOP")
    login_segments = [reply_for(replies, apop[0], b"+OK\r\n")] if apop else [
        (first_with_verb(replies, "USER") or ("", b"+OK\r\n"))[1],
        (first_with_verb(replies, "PASS") or ("", b"+OK\r\n"))[1]]
    retrieved = [int(c.split(" ")[1]) for c, _ in replies if c.startswith("RETR ")]
    listing = reply_for(replies, "LIST", None)
    if listing is None:
        listing = b"+OK\r\n" + b"".join(b"%d 100\r\n" % n for n in retrieved) + b".\r\n"
    messages = [int(m.group(1)) for m in re.finditer(rb"\r\n(\d+) \d+", listing)]
    retr = {n: reply_for(replies, "RETR %d" % n, None) for n in messages}
    head = [greeting, reply_for(replies, "CAPA", b"-ERR no CAPA\r\n")] + login_segments + [
        reply_for(replies, "STAT", b"+OK %d %d\r\n" % (len(messages), 100 * len(messages))),
        listing, reply_for(replies, "UIDL", b"-ERR no UIDL\r\n")]

    def ok(n):
        return retr[n] is not None and retr[n].startswith(b"+OK") and retr[n].endswith(b".\r\n")

    out = []
    variants = [("sequential", PIPELINING_OFF | DELETE_ALL, [], lambda n: True, 1),
                ("pipelined", PIPELINING_ON, [1], lambda n: n % 2 == 1, 64),
                ("small", PIPELINING_ON | SMALL_LIMITS | DELETE_ALL, [3, 7], lambda n: True, 4)]
    for name, bits, splits, delete, window in variants:
        segments = list(head)
        for verb, n in send_order(messages, ok, window, delete):
            if verb == "RETR":
                segments.append(retr[n] if retr[n] is not None else b"-ERR no such message\r\n")
            else:
                segments.append(reply_for(replies, "DELE %d" % n, b"+OK deleted\r\n"))
        if not eof:
            segments.append(reply_for(replies, "QUIT", b"+OK bye\r\n"))
        out.append((name, seed("apop" if apop else "user", bits, 0, splits, segments)))
    return out


def extra_seeds():
    """Paths the transcripts do not take: SASL, STLS required, faults, sink refusals."""
    greeting = b"+OK ready <1.2@example.org>\r\n"
    capa = (b"+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\nSTLS\r\n"
            b"SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256\r\n.\r\n")
    mail = [b"+OK 2 60\r\n", b"+OK\r\n1 30\r\n2 30\r\n.\r\n", b"+OK\r\n1 a\r\n2 b\r\n.\r\n",
            b"+OK\r\nSubject: one\r\n\r\n..dot\r\n.\r\n", b"+OK\r\n", b"+OK\r\nhi\r\n.\r\n",
            b"+OK\r\n", b"+OK bye\r\n"]
    scram_first = b"+ cj1meXJub25jZXNlcnZlcixzPVFTWENSK1E2c2VrOGJmOTJ3PT0saT00MDk2\r\n"
    return [
        ("sasl_plain", seed("plain", PIPELINING_OFF | DELETE_ALL, 0, [],
                            [greeting, capa, b"+OK logged in\r\n"] + mail)),
        ("sasl_login", seed("login", PIPELINING_ON | DELETE_ALL, 0, [2],
                            [greeting, capa, b"+ VXNlcm5hbWU6\r\n", b"+ UGFzc3dvcmQ6\r\n",
                             b"+OK\r\n"] + mail)),
        ("sasl_cram_md5", seed("cram-md5", PIPELINING_OFF, 0, [],
                               [greeting, capa, b"+ PDEyMzQ1QGV4YW1wbGUub3JnPg==\r\n",
                                b"+OK\r\n"] + mail)),
        ("sasl_scram_sha_256", seed("scram-sha-256", PIPELINING_OFF, 0, [],
                                    [greeting, capa, scram_first, b"+ dj1iYWQ=\r\n",
                                     b"+OK\r\n"] + mail)),
        ("auto_cleartext", seed("auto", 0, 0, [], [greeting, capa, scram_first, b"-ERR no\r\n"])),
        ("starttls_required", seed("user", STARTTLS, 0, [],
                                   [greeting, capa, b"+OK begin TLS\r\n",
                                    b"\x16\x03\x03\x00\x02\x02\x28"] + mail)),
        ("starttls_injection", seed("user", STARTTLS, 0, [],
                                    [greeting, capa, b"+OK begin TLS\r\n+OK USER\r\n"] + mail)),
        ("starttls_refused", seed("user", STARTTLS, 0, [], [greeting, capa, b"-ERR no TLS\r\n"]
                                  + mail)),
        ("fault_fail", seed("user", PIPELINING_ON | DELETE_ALL, FAULT_FAIL, [5],
                            [greeting, capa, b"+OK\r\n", b"+OK\r\n"] + mail, fault_at=12)),
        ("fault_close", seed("user", PIPELINING_OFF | DELETE_FIRST | DELETE_ALL, FAULT_CLOSE, [],
                             [greeting, capa, b"+OK\r\n", b"+OK\r\n"] + mail, fault_at=16)),
        ("sink_refuses", seed("user", PIPELINING_OFF | DELETE_ALL, 0x04, [],
                              [greeting, capa, b"+OK\r\n", b"+OK\r\n"] + mail)),
        ("stat_count_only", seed("user", PIPELINING_ON | SKIP_LIST | DELETE_ALL, 0, [],
                                 [greeting, capa, b"+OK\r\n", b"+OK\r\n", b"+OK 1000000 9\r\n",
                                  b"+OK\r\nx\r\n.\r\n"])),
    ]


def main():
    sessions = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else (
        ROOT / "tests/transcripts/sessions")
    out = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else (
        ROOT / "fuzz/corpus/session_fuzzer")
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(sessions.glob("*.txt")):
        for variant, data in seeds_from(path):
            (out / f"{path.stem}.{variant}").write_bytes(data)
            written += 1
    for name, data in extra_seeds():
        (out / name).write_bytes(data)
        written += 1
    print(f"{written} seeds in {out}")


if __name__ == "__main__":
    main()
