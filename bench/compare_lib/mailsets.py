"""The three mail sets of the comparison, written straight into a private Dovecot's Maildir.

A: 2000 messages of 4 KiB; B: 20 of 5 MiB; C: one of 200 MiB. Sizes are of the stored file
(LF line ends, as Dovecot keeps it); on the wire every LF becomes CRLF, about 1.3 % more.
Each message has ordinary headers and 76-character text lines; every 200th body line starts
with "." so that dot-stuffing is exercised. The content is deterministic.

Files are named with ",S=<size>,W=<wire size>" so that Dovecot knows both sizes without
reading the messages (as its own deliveries do); otherwise the first session after a fresh
start would read every file to answer LIST, and the first tool measured would pay for it.
"""

import os
from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class MailSet:
    name: str
    user: str
    count: int
    size: int  # octets per stored message (LF line ends)

    def describe(self) -> str:
        if self.size >= MIB:
            each = f"{self.size // MIB} MiB"
        else:
            each = f"{self.size // KIB} KiB"
        return f"set {self.name}: {self.count} message{'s' if self.count != 1 else ''} of {each}"


SETS = {
    "A": MailSet("A", "seta", 2000, 4 * KIB),
    "B": MailSet("B", "setb", 20, 5 * MIB),
    "C": MailSet("C", "setc", 1, 200 * MIB),
}
PASSWORD = "bench-secret"

_LINE_TEXT = "The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs"


def _headers(index: int) -> bytes:
    return (
        f"Return-Path: <sender@bench.test>\n"
        f"From: Bench Sender <sender@bench.test>\n"
        f"To: Bench Receiver <receiver@bench.test>\n"
        f"Subject: benchmark message {index}\n"
        f"Date: Thu, 26 Nov 2026 12:00:00 +0000\n"
        f"Message-ID: <{index}.bench@pop3.test>\n"
        f"MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=us-ascii\n"
        f"\n"
    ).encode()


def _body_block() -> bytes:
    """200 lines of 76 characters plus LF; the first starts with a dot (stuffed on the wire)."""
    lines = []
    for k in range(200):
        text = f"{k:03d} {_LINE_TEXT}"[:76].ljust(76, ".")
        if k == 0:
            text = "." + text[1:]
        lines.append(text + "\n")
    return "".join(lines).encode()


_BLOCK = _body_block()


def make_message(index: int, size: int) -> bytes:
    """A message of exactly `size` octets ending in LF."""
    head = _headers(index)
    remaining = size - len(head)
    if remaining < 2:
        raise ValueError(f"message size {size} is smaller than its headers")
    whole, rest = divmod(remaining, len(_BLOCK))
    tail = _BLOCK[:rest]
    if tail:
        # End on a line end without a lone "." line (which would end the message early).
        tail = tail[:-1] + b"\n"
        if tail.endswith(b"\n.\n") or tail == b".\n":
            tail = tail[:-2] + b"x\n"
    return head + _BLOCK * whole + tail


def populate(maildir: str, mail_set: MailSet, owner: tuple[int, int]) -> int:
    """Writes the set into maildir/cur; returns the total octets on the wire."""
    cur = os.path.join(maildir, "cur")
    os.makedirs(cur, exist_ok=True)
    wire_total = 0
    for i in range(1, mail_set.count + 1):
        data = make_message(i, mail_set.size)
        wire = len(data) + data.count(b"\n")
        wire_total += wire
        name = f"{1700000000 + i}.M{i}P1.bench,S={len(data)},W={wire}:2,S"
        path = os.path.join(cur, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chown(path, *owner)
    return wire_total
