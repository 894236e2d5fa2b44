#!/usr/bin/python3
"""The short Python client of the comparison: the standard library's poplib, one RETR at a
time, each message written to Maildir tmp/ and renamed into new/.

    poplib_fetch.py HOST PORT USER PASSWORD MAILDIR
"""

import os
import poplib
import sys


def main() -> int:
    host, port, user, password, maildir = sys.argv[1:6]
    pop = poplib.POP3(host, int(port))
    pop.user(user)
    pop.pass_(password)
    count, _ = pop.stat()
    for i in range(1, count + 1):
        _, lines, _ = pop.retr(i)
        name = f"{os.getpid()}.{i}.poplib"
        tmp = os.path.join(maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        os.rename(tmp, os.path.join(maildir, "new", name))
    pop.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
