#!/usr/bin/env bash
# `cmake --install` into a temporary prefix puts the manual pages where man finds them and
# the completions where bash-completion and zsh look, byte for byte as in the source tree.
#   docs_installed_test.sh BUILD_DIR SOURCE_DIR MANDIR DATADIR
# (MANDIR and DATADIR: CMAKE_INSTALL_MANDIR and CMAKE_INSTALL_DATADIR, relative to the prefix)
set -euo pipefail
build=$1 source=$2 mandir=$3 datadir=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/p3docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

cmake --install "$build" --prefix "$prefix" >/dev/null
installed() {  # installed SOURCE_FILE INSTALLED_PATH
  if [[ ! -f $2 ]]; then
    fail "$2 was not installed"
  elif ! cmp -s "$1" "$2"; then
    fail "$2 differs from $1"
  fi
}
installed "$source/docs/pop3.1" "$prefix/$mandir/man1/pop3.1"
installed "$source/docs/pop3-config.5" "$prefix/$mandir/man5/pop3-config.5"
installed "$source/completions/pop3.bash" "$prefix/$datadir/bash-completion/completions/pop3"
installed "$source/completions/_pop3" "$prefix/$datadir/zsh/site-functions/_pop3"

# man finds them by name in that tree.
[[ $(man -M "$prefix/$mandir" -w 1 pop3) == "$prefix/$mandir/man1/pop3.1" ]] ||
  fail "man -M $prefix/$mandir -w 1 pop3 does not find pop3.1"
[[ $(man -M "$prefix/$mandir" -w 5 pop3-config) == "$prefix/$mandir/man5/pop3-config.5" ]] ||
  fail "man -M $prefix/$mandir -w 5 pop3-config does not find pop3-config.5"

((failures == 0)) || exit 1
echo "installed: pop3(1), pop3-config(5), the bash and the zsh completion"
