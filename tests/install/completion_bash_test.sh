#!/usr/bin/env bash
# completions/pop3.bash, sourced into a bash without bash-completion, with COMP_WORDS and
# COMP_CWORD set as bash sets them: the exact COMPREPLY for commands, each command's options
# (which must be exactly those of `pop3 COMMAND --help`), option values, file and directory
# names, and the account names of a configuration file.
#   completion_bash_test.sh SOURCE_DIR POP3_PROGRAM
set -euo pipefail
source_dir=$1 pop3=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/p3bash.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C  # compgen -f lists files in the locale's order
unset XDG_CONFIG_HOME
export HOME=$work/home
mkdir -p "$HOME"

# Sourced under "set -u" on purpose: a completion must not break a shell that sets it.
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck source=completions/pop3.bash
source "$source_dir/completions/pop3.bash"
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# complete WORD... : runs _pop3 with the cursor on the last word; prints COMPREPLY one a line.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _pop3
  ((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
}
# compare FILTER "WORD WORD ..." EXPECTED_LINE... : COMPREPLY, passed through FILTER, must be
# exactly these lines. A trailing space in the words means completing an empty word.
compare() {
  local filter=$1 line=$2 got want
  shift 2
  read -r -a words <<<"$line"
  [[ $line == *" " ]] && words+=("")
  got=$(complete_line "${words[@]}" | "$filter")
  want=$( (($# == 0)) || printf '%s\n' "$@")
  [[ $got == "$want" ]] || fail "'$line': got [${got//$'\n'/, }], want [${want//$'\n'/, }]"
}
expect() { compare cat "$@"; }         # in this order
expect_sorted() { compare sort "$@"; } # file names: compgen gives the directory's order

[[ $(complete -p pop3) == "complete -F _pop3 pop3" ]] || fail "not registered: $(complete -p pop3)"

# Commands and the program's options.
expect "pop3 " capa serverinfo stat list uidl top retr dele fetch
expect "pop3 re" retr
expect "pop3 s" serverinfo stat
expect "pop3 --v" --version
expect "pop3 fetch --jo" --jobs
expect "pop3 retr --o" --output

# Every command's options are exactly those of its --help (compared as sorted sets).
"$(dirname "$0")/help_options.sh" "$pop3" >"$work/help"
commands=0
while read -r command; do
  commands=$((commands + 1))
  want=$(awk -v c="$command" '$1 == c && NF == 2 { print $2 }' "$work/help" | sort)
  got=$(complete_line pop3 "$command" - | sort)
  [[ $got == "$want" ]] ||
    fail "options of $command: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
done < <(awk 'NF == 1' "$work/help")
((commands == 9)) || fail "$commands commands in pop3 --help, the test expects 9"

# Values.
expect "pop3 stat --tls " implicit starttls none
expect "pop3 fetch --tls = s" starttls
expect "pop3 fetch --tls =" implicit starttls none
expect "pop3 list --auth scram" scram-sha-1 scram-sha-256
expect "pop3 fetch --pipelining o" on off
expect "pop3 fetch --max-size-action " skip delete warn
expect "pop3 fetch --jobs "
expect "pop3 stat --timeout "

# Files and directories, relative to the current directory.
mkdir -p "$work/cwd/maildirs/inbox" "$work/cwd/state"
touch "$work/cwd/ca.pem" "$work/cwd/client.key" "$work/cwd/mbox"
cd "$work/cwd"
expect_sorted "pop3 stat --cafile " ca.pem client.key maildirs mbox state
expect_sorted "pop3 stat --cafile c" ca.pem client.key
expect_sorted "pop3 fetch --mbox m" maildirs mbox
expect_sorted "pop3 retr -o m" maildirs mbox
expect_sorted "pop3 fetch --maildir " maildirs state
expect_sorted "pop3 fetch --maildir maildirs/" maildirs/inbox
expect_sorted "pop3 fetch --state-dir s" state

# URL schemes: until a URL is given; for fetch, once something is typed.
expect "pop3 stat " pop3s:// pop3://
expect "pop3 stat pop3s" pop3s://
expect "pop3 dele pop3s://alice@host "
expect "pop3 fetch p" pop3s:// pop3://

# Account names: from --config FILE (either spelling), else the default path.
cat >"$work/accounts.toml" <<'TOML'
[defaults]
keep = true

[accounts.work]
host = "pop.example.org"
  [ accounts."my mail" ]   # a comment
host = "mail.example.net"
[accounts.'literal']
host = "x"
[accounts.work-2]
accounts.dotted.host = "not a table header: not offered"
TOML
expect "pop3 fetch --config $work/accounts.toml " work 'my\ mail' literal work-2
expect "pop3 fetch --config $work/accounts.toml w" work work-2
expect "pop3 fetch --config=$work/accounts.toml -q l" literal
expect "pop3 fetch --config = $work/accounts.toml m" 'my\ mail'
expect "pop3 fetch --config $work/missing.toml "
expect "pop3 fetch "  # no file at the default path
mkdir -p "$HOME/.config/pop3"
printf '[accounts.home]\nhost = "h"\n' >"$HOME/.config/pop3/config.toml"
expect "pop3 fetch " home
expect "pop3 fetch --config ~/.config/pop3/config.toml h" home
mkdir -p "$work/xdg/pop3"
printf '[accounts.xdg]\nhost = "h"\n' >"$work/xdg/pop3/config.toml"
XDG_CONFIG_HOME=$work/xdg expect "pop3 fetch " xdg
XDG_CONFIG_HOME=relative expect "pop3 fetch " home

((failures == 0)) || exit 1
echo "bash completion: commands, options of $commands commands, values, files, accounts"
