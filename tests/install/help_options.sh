#!/usr/bin/env bash
# Lists what `pop3 --help` and `pop3 COMMAND --help` offer, one "COMMAND OPTION" line per
# option ("pop3" for the program's own options), e.g. "fetch --jobs" and "fetch -j"; and one
# "COMMAND" line per command first. The tests of the man page and of the completions compare
# the documents with this list, so that they cannot silently fall behind the program.
#   help_options.sh POP3_PROGRAM
set -euo pipefail
pop3=$1

# CLI11's help: under "Options:", an option line starts with two spaces and a dash
# ("  -j,--jobs UINT=1  ..."); under "Subcommands:", a command line with two spaces and the
# name. Both sections end at an empty line (the footer after it is prose).
options_of() {
  sed -n '/^Options:/,/^$/p' | sed -n -E 's/^  (-[^ ]+).*$/\1/p' | tr ',' '\n'
}

top_help=$("$pop3" --help)
mapfile -t commands < <(sed -n '/^Subcommands:/,/^$/p' <<<"$top_help" |
  sed -n -E 's/^  ([a-z][a-z0-9-]*) .*$/\1/p')
((${#commands[@]} > 0)) || { echo "help_options.sh: no commands in pop3 --help" >&2; exit 1; }
printf '%s\n' "${commands[@]}"
options_of <<<"$top_help" | sed 's/^/pop3 /'
for command in "${commands[@]}"; do
  help=$("$pop3" "$command" --help)
  found=$(options_of <<<"$help")
  grep -qx -- --help <<<"$found" ||
    { echo "help_options.sh: no --help in pop3 $command --help: format changed?" >&2; exit 1; }
  awk -v command="$command" '{ print command " " $0 }' <<<"$found"
done
