#!/usr/bin/env bash
# The NetX example built the way a NetX application would be: plain C, against the
# *installed* tree only, with the flags `pkg-config pop3-netx` gives (the shared libraries),
# then run against a private Dovecot: it must retrieve and delete every message.
#   netx_installed_example.sh BUILD_DIR SOURCE_DIR C_COMPILER "C_FLAGS" "LINKER_FLAGS"
set -euo pipefail
build=$1 source=$2 cc=$3 cflags=$4 ldflags=$5
work=$(mktemp -d /tmp/p3i.XXXXXX)
chmod 755 "$work"
trap '"$source/scripts/private-dovecot" stop "$work/dc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
prefix=$work/prefix
[[ -f $prefix/include/pop3-netx/nxd_pop3_client.h && -f $prefix/include/pop3-netx/nx_api.h ]] ||
  { echo "headers not installed under include/pop3-netx" >&2; exit 1; }
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pc_cflags=$(pkg-config --cflags pop3-netx)
pc_libs=$(pkg-config --libs pop3-netx)
[[ $pc_libs == *-lpop3_netx* && $pc_cflags == *"/include/pop3-netx"* ]] ||
  { echo "pkg-config pop3-netx: [$pc_cflags] [$pc_libs]" >&2; exit 1; }
# shellcheck disable=SC2086  # the flags are lists
"$cc" -std=c99 -Wall -Wextra -Wpedantic -Werror $cflags $pc_cflags \
  "$source/examples/netx_client.c" -o "$work/netx_client" $ldflags $pc_libs \
  -Wl,-rpath,"$prefix/lib"
needed=$(readelf -d "$work/netx_client" | grep -o 'libpop3_netx\.so\.[0-9.]*' || true)
[[ $needed == libpop3_netx.so.0.1 ]] || { echo "not linked to libpop3_netx.so.0.1: [$needed]" >&2; exit 1; }

port=$("$source/scripts/private-dovecot" start "$work/dc" --user alice:secret | sed -n 's/^port=//p')
"$build/bin/pop3-sample-mail" --maildir "$work/dc/home/alice/Maildir" --count 5 --big-mib 0 \
  --owner "$(cat "$work/dc/mail_owner")" >/dev/null
mkdir "$work/out"
POP3_PASSWORD=secret "$work/netx_client" 127.0.0.1 "$port" alice 1 "$work/out" >"$work/log"
cat "$work/log"
grep -qx "5 messages, [0-9]* octets" "$work/log"
[[ $(find "$work/out" -name '*.eml' | wc -l) == 5 ]]
[[ $(find "$work/dc/home/alice/Maildir"/{cur,new} -type f | wc -l) == 0 ]]
echo "installed NetX example: 5 messages retrieved and deleted"
