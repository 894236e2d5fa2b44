"""Runs one command and measures it: wall time, user+sys CPU time and peak RSS.

CPU time and peak RSS come from wait4(2) (through GNU time), which reports the child together
with every descendant it waited for (fetchmail's MDA processes, for one). The server's own
work is not counted for any tool.
"""

import os
import pwd
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from statistics import median


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + sys seconds
    rss_kib: int  # peak resident set size


class CommandFailed(Exception):
    pass


# Runs as root are dropped to this account: getmail refuses to deliver as root, fetchmail
# warns, and nobody fetches mail as root. The run directories are given to it.
UNPRIVILEGED = "nobody"


def run_measured(argv, *, env=None, cwd=None, timeout=900) -> Sample:
    """Runs argv to completion; raises CommandFailed (with its output) unless it exits 0.

    GNU time(1) starts the command and reports its wait4(2) figures. It is small, so the peak
    RSS it reports is the command's own (a child forked from this Python process would carry
    the interpreter's RSS into ru_maxrss, even after exec)."""
    with tempfile.NamedTemporaryFile("r", prefix="time.", dir=cwd) as figures:
        prefix = []
        if os.geteuid() == 0:
            os.chmod(figures.name, 0o666)
            prefix = ["setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={pwd.getpwnam(UNPRIVILEGED).pw_gid}",
                      "--clear-groups", "--"]
        command = prefix + ["/usr/bin/time", "-o", figures.name, "-f", "%U %S %M", "--"] + argv
        start = time.monotonic()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            output, _ = proc.communicate()
        finally:
            timer.cancel()
        wall = time.monotonic() - start
        if proc.returncode != 0:
            text = output.decode(errors="replace")[-2000:]
            raise CommandFailed(f"{argv[0]} exited with {proc.returncode}:\n{text}")
        user, system, rss = figures.read().split()[-3:]
    return Sample(wall, float(user) + float(system), int(rss))


def give_to_unprivileged(path: str) -> None:
    """Makes PATH (recursively) belong to the account runs are dropped to, when root."""
    if os.geteuid() != 0:
        return
    account = pwd.getpwnam(UNPRIVILEGED)
    os.chown(path, account.pw_uid, account.pw_gid)
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(top, name), account.pw_uid, account.pw_gid)


@dataclass
class Summary:
    wall: float
    cpu: float
    rss_kib: int
    runs: int


def summarize(samples: list[Sample]) -> Summary:
    return Summary(median(s.wall for s in samples), median(s.cpu for s in samples),
                   int(median(s.rss_kib for s in samples)), len(samples))
