"""How each client of the comparison retrieves every message of a mail set, in keep mode, into
a fresh Maildir. Each tool gets a fresh run directory (its Maildir, state and config files);
prepare() writes what the tool needs and returns the command to time.

Common ground, so that the clients do the same work: cleartext POP3 on loopback (the bench
Dovecot offers no TLS), USER/PASS, no message deleted, every message fetched (no UID state
carried over from an earlier run), no Received header added where the tool can be told so.
"""

import os
import shutil
import stat
import sys
from dataclasses import dataclass

# Where lower_bound.py and poplib_fetch.py are run from: bench/compare stages copies where the
# unprivileged account can read them (see measure.UNPRIVILEGED).
SCRIPTS = os.path.dirname(os.path.abspath(__file__))
# Debian's interpreter: one under the caller's home (pyenv) may be unreadable to that account.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


@dataclass
class Target:
    host: str
    port: int
    user: str
    password: str
    count: int


@dataclass
class Prepared:
    argv: list
    env: dict
    maildir: str


def _private_file(path: str, text: str) -> None:
    """Written 0600: fetchmail, mpop and getmail refuse readable files that hold passwords."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _maildir(run_dir: str) -> str:
    path = os.path.join(run_dir, "Maildir")
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    return path


def _env(run_dir: str) -> dict:
    env = dict(os.environ)
    env["HOME"] = run_dir  # no tool may read the user's own configuration
    # Debian's own programs and interpreter, whatever the caller's PATH holds (pyenv shims,
    # for one, break once HOME moves).
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    env.pop("MAILDIR", None)
    return env


def prepare_pop3(pop3_binary: str):
    def prepare(t: Target, run_dir: str) -> Prepared:
        maildir = _maildir(run_dir)
        password_file = os.path.join(run_dir, "password")
        _private_file(password_file, t.password + "\n")
        argv = [pop3_binary, "fetch", "--quiet", "--tls", "none", "--auth", "user",
                "--user", t.user, "--password-file", password_file, "--maildir", maildir,
                "--keep", "--state-dir", os.path.join(run_dir, "state"),
                f"pop3://{t.host}:{t.port}"]
        return Prepared(argv, _env(run_dir), maildir)
    return prepare


def prepare_mpop(t: Target, run_dir: str) -> Prepared:
    maildir = _maildir(run_dir)
    rc = os.path.join(run_dir, "mpoprc")
    _private_file(rc, f"""account bench
host {t.host}
port {t.port}
tls off
auth user
user {t.user}
password {t.password}
keep on
only_new off
pipelining auto
received_header off
delivery maildir {maildir}
uidls_file {os.path.join(run_dir, "mpop_uidls")}
""")
    return Prepared(["mpop", "--quiet", f"--file={rc}", "bench"], _env(run_dir), maildir)


def prepare_fetchmail(t: Target, run_dir: str) -> Prepared:
    maildir = _maildir(run_dir)
    rc = os.path.join(run_dir, "fetchmailrc")
    # safecat (Debian's package of the qmail-style Maildir writer) is the MDA: it writes
    # tmp/, fsyncs and links into new/, once per message, as fetchmail users run one.
    # sslproto '': no STLS attempt (the bench server has no TLS; fetchmail would give up).
    _private_file(rc, f"""set no bouncemail
poll {t.host} with proto POP3 service {t.port} auth password
  user "{t.user}" there with password "{t.password}" is "root" here
  keep fetchall no rewrite sslproto ''
  mda "safecat {maildir}/tmp {maildir}/new"
""")
    argv = ["fetchmail", "--silent", "--nodetach", "--nosyslog", "--invisible",
            "--fetchmailrc", rc, "--idfile", os.path.join(run_dir, "fetchids"),
            "--pidfile", os.path.join(run_dir, "fetchmail.pid")]
    return Prepared(argv, _env(run_dir), maildir)


def prepare_getmail(t: Target, run_dir: str) -> Prepared:
    maildir = _maildir(run_dir)
    rc = os.path.join(run_dir, "getmailrc")
    _private_file(rc, f"""[retriever]
type = SimplePOP3Retriever
server = {t.host}
port = {t.port}
username = {t.user}
password = {t.password}

[destination]
type = Maildir
path = {maildir}/

[options]
read_all = true
delete = false
received = false
delivered_to = false
verbose = 0
""")
    getmail_dir = os.path.join(run_dir, "getmail")
    os.makedirs(getmail_dir, exist_ok=True)
    return Prepared(["getmail", f"--rcfile={rc}", f"--getmaildir={getmail_dir}"],
                    _env(run_dir), maildir)


def prepare_curl(t: Target, run_dir: str) -> Prepared:
    maildir = _maildir(run_dir)
    config = os.path.join(run_dir, "curlrc")
    lines = [f'user = "{t.user}:{t.password}"', "silent", "show-error", "fail"]
    for i in range(1, t.count + 1):
        lines.append(f'url = "pop3://{t.host}:{t.port}/{i}"')
        lines.append(f'output = "{maildir}/new/{i}.curl"')
    _private_file(config, "\n".join(lines) + "\n")
    # One invocation, one connection: curl reuses it for every URL of the same server.
    return Prepared(["curl", "--config", config], _env(run_dir), maildir)


def prepare_poplib(t: Target, run_dir: str) -> Prepared:
    maildir = _maildir(run_dir)
    argv = [PYTHON, os.path.join(SCRIPTS, "poplib_fetch.py"), t.host, str(t.port), t.user,
            t.password, maildir]
    return Prepared(argv, _env(run_dir), maildir)


def prepare_lower_bound(t: Target, run_dir: str) -> Prepared:
    argv = [PYTHON, os.path.join(SCRIPTS, "lower_bound.py"), t.host, str(t.port), t.user,
            t.password, str(t.count)]
    return Prepared(argv, _env(run_dir), "")


@dataclass(frozen=True)
class Tool:
    name: str
    prepare: object
    pipelines: bool  # sends commands without waiting for each reply
    binary: str  # what must be on PATH ("" for none)


def all_tools(pop3_binary: str) -> list:
    return [
        Tool("pop3 fetch", prepare_pop3(pop3_binary), True, pop3_binary),
        Tool("mpop", prepare_mpop, True, "mpop"),
        Tool("fetchmail", prepare_fetchmail, False, "fetchmail"),
        Tool("getmail6", prepare_getmail, False, "getmail"),
        Tool("curl", prepare_curl, False, "curl"),
        Tool("python poplib", prepare_poplib, False, ""),
        Tool("lower bound", prepare_lower_bound, True, ""),
    ]


def delivered(maildir: str) -> int:
    """How many files are in maildir's new/ and cur/."""
    return sum(1 for sub in ("new", "cur") for entry in os.scandir(os.path.join(maildir, sub))
               if entry.is_file())


def available(tool: Tool) -> bool:
    return not tool.binary or shutil.which(tool.binary) is not None
