"""bench/compare: `pop3 fetch` against mpop, fetchmail, getmail6, curl, poplib and a raw lower
bound on a private Dovecot (see bench/compare and docs/benchmarks.md)."""
