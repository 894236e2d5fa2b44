#!/usr/bin/env bash
# The manual pages render without a single warning from man/groff, and pop3(1) documents
# every command and every option that `pop3 COMMAND --help` lists (and no long option that
# the program does not have), so that the page cannot silently fall behind the program.
#   man_page_test.sh SOURCE_DIR POP3_PROGRAM
set -euo pipefail
source_dir=$1 pop3=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/p3man.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MANWIDTH=80 MANPAGER=cat PAGER=cat
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# 1. No warnings, in a UTF-8 and in the C locale. groff's "all" leaves out some warnings
# (undefined macros among them); "w" is every one.
for page in "$source_dir/docs/pop3.1" "$source_dir/docs/pop3-config.5"; do
  for locale in C.UTF-8 C; do
    LC_ALL=$locale man --warnings=w -l "$page" >"$work/out" 2>"$work/err" ||
      fail "man -l $page exited with status $? ($locale)"
    [[ -s $work/err ]] && fail "warnings rendering $page ($locale): $(cat "$work/err")"
    grep -q '^NAME$' "$work/out" || fail "$page rendered without a NAME section ($locale)"
  done
done

# 2. pop3(1) against the program. The page is read as rendered in the C locale, where \- is
# an ASCII hyphen-minus; any overstriking is removed.
LC_ALL=C man -l "$source_dir/docs/pop3.1" 2>/dev/null | sed -e 's/.\x08//g' >"$work/page"
"$(dirname "$0")/help_options.sh" "$pop3" >"$work/help"
mentions() {  # the page has $1 as a word of its own (not inside a longer option)
  grep -qE -- "(^|[^-[:alnum:]])$1([^-[:alnum:]]|$)" "$work/page"
}
commands=0 options=0
while read -r command option; do
  if [[ -z $option ]]; then
    commands=$((commands + 1))
    # Each command heads an entry of COMMANDS: "       NAME ARGUMENTS".
    grep -qE "^       $command( |$)" "$work/page" || fail "pop3.1 has no entry for command $command"
  else
    options=$((options + 1))
    mentions "$option" || fail "pop3.1 does not mention $option (of pop3 $command --help)"
  fi
done <"$work/help"
((commands >= 9 && options >= 100)) ||
  fail "only $commands commands and $options options read from --help: did its format change?"

# 3. The other way round: every long option in the page is one of the program's.
known=$(awk 'NF == 2 { print $2 }' "$work/help" | sort -u)
while read -r option; do
  case $option in
    --now) ;;  # of systemctl, in the EXAMPLES
    *) grep -qx -- "$option" <<<"$known" || fail "pop3.1 documents $option, which pop3 does not have" ;;
  esac
done < <(grep -oE -- '(^|[^-[:alnum:]])--[a-z0-9][a-z0-9-]*' "$work/page" | sed 's/^[^-]//' | sort -u)

((failures == 0)) || exit 1
echo "man pages: no warnings; pop3.1 documents $commands commands and every option of --help"
