#!/usr/bin/env bash
# completions/_pop3, checked without zsh (which the test machines do not have): it is a
# #compdef function for pop3, it offers every command of `pop3 --help` in its command list
# and as a case of its own, and it names every option that `pop3 COMMAND --help` lists.
# What this cannot check is that zsh runs it: try it with `autoload -U compinit; compinit`.
#   completion_zsh_test.sh SOURCE_DIR POP3_PROGRAM
set -euo pipefail
source_dir=$1 pop3=$2
file=$source_dir/completions/_pop3
work=$(mktemp -d "${TMPDIR:-/tmp}/p3zsh.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

[[ $(head -n 1 "$file") == "#compdef pop3" ]] || fail "the first line is not '#compdef pop3'"
grep -qx '_pop3 "\$@"' "$file" || fail "the function is not called at the end (_pop3 \"\$@\")"

"$(dirname "$0")/help_options.sh" "$pop3" >"$work/help"
commands=0 options=0
while read -r command option; do
  if [[ -z $option ]]; then
    commands=$((commands + 1))
    grep -qE "^ +'$command:" "$file" || fail "$command is not in the list of commands"
    grep -qE "^ +\(([a-z|]+\|)?$command(\|[a-z|]+)?\)$" "$file" ||
      fail "$command has no case of its own for its arguments"
  else
    options=$((options + 1))
    grep -qE -- "(^|[^-[:alnum:]])$option([^-[:alnum:]]|$)" "$file" ||
      fail "$option (of pop3 $command --help) is not in _pop3"
  fi
done <"$work/help"
((commands >= 9 && options >= 100)) ||
  fail "only $commands commands and $options options read from --help: did its format change?"

((failures == 0)) || exit 1
echo "zsh completion (static checks): $commands commands and every option of --help"
