#!/usr/bin/env bash
# A consumer project, built the way a user of pop3 builds it, then run against a private
# Dovecot: an example compiled outside this build (examples/blocking_client.cpp;
# examples/async_many_mailboxes.cpp for find_package_asio) must print exactly what the in-tree
# example prints for the same maildrops.
#   run_consumer.sh MODE BUILD_DIR SOURCE_DIR CXX_COMPILER
# MODE: find_package         the tree `cmake --install` makes, its shared libraries
#       find_package_static  the same, with POP3_USE_STATIC_LIBS=ON
#       find_package_asio    the same with COMPONENTS asio: pop3::asio and the shared libraries
#       add_subdirectory     add_subdirectory() of the source tree, with Asio hidden from it
#       fetch_content        FetchContent from the checkout's Git repository at HEAD
# None of this project's warning flags, sanitizer flags or -fno-exceptions may reach the
# consumer's compile command (or, for find_package, the installed package).
set -euo pipefail
mode=$1 build=$2 source=$3 cxx=$4
work=$(mktemp -d /tmp/p3c.XXXXXX)
chmod 755 "$work"
trap '"$source/scripts/private-dovecot" stop "$work/dc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() {
  echo "FAIL ($mode): $*" >&2
  exit 1
}
# Our own flags (cmake/Pop3Warnings.cmake, the presets): a consumer decides its own.
own_flags='-Wshadow|-Wold-style-cast|-Wnon-virtual-dtor|-Werror|-fno-exceptions|-fno-rtti|-fsanitize'

args=(-G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER=cc -DCMAKE_BUILD_TYPE=Debug
      -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DEXAMPLES_DIR="$source/examples")
project=$mode
case $mode in
  find_package | find_package_static | find_package_asio)
    [[ $mode == find_package_asio ]] || project=find_package
    cmake --install "$build" --prefix "$work/prefix" >/dev/null
    if grep -E -- "$own_flags" "$work"/prefix/lib*/cmake/pop3/*.cmake; then
      fail "the installed package carries this project's own flags"
    fi
    args+=(-DCMAKE_PREFIX_PATH="$work/prefix")
    # The shared libraries bring OpenSSL along: the package must not even look for it.
    case $mode in
      find_package) args+=(-DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON) ;;
      find_package_static) args+=(-DPOP3_USE_STATIC_LIBS=ON) ;;
    esac
    ;;
  add_subdirectory)
    mkdir "$work/no-asio"
    args+=(-DPOP3_SOURCE_DIR="$source" -DPOP3_ASIO_INCLUDE_DIR="$work/no-asio")
    ;;
  fetch_content)
    tag=$(git -C "$source" rev-parse HEAD 2>/dev/null) ||
      fail "FetchContent is tested from the checkout's Git repository; $source is not one"
    args+=(-DPOP3_GIT_REPOSITORY="$source" -DPOP3_GIT_TAG="$tag")
    ;;
  *) fail "unknown mode" ;;
esac
cmake -S "$source/tests/consumers/$project" -B "$work/build" "${args[@]}" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; fail "configure"; }
if [[ $mode == add_subdirectory ]]; then
  grep -q -- '-- pop3::asio is not built: standalone Asio (asio.hpp, 1.22 or later) not found' \
    "$work/configure.log" || { cat "$work/configure.log" >&2; fail "no word about the missing Asio"; }
fi
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; fail "build"; }
program=blocking_client
[[ $mode == find_package_asio ]] && program=async_many_mailboxes
client=$work/build/$program

# How it was compiled and linked.
compile=$(grep -F -- '"command"' "$work/build/compile_commands.json" | grep -F "$program.cpp")
if grep -E -o -- "$own_flags" <<<"$compile"; then
  fail "this project's own flags reached the consumer: $compile"
fi
needed=$(readelf -d "$client" | sed -n 's/.*(NEEDED).*\[\(libpop3[^]]*\)\]/\1/p' | sort | tr '\n' ' ')
if [[ $mode == find_package ]]; then
  [[ $needed == *libpop3_client.so.0.1* ]] || fail "not linked to libpop3_client.so.0.1: [$needed]"
  # Every pop3 library, the indirect ones too, loads from the installed tree.
  resolved=$(ldd "$client" | awk '/libpop3/ {print $3}' | sort -u)
  want=$(printf '%s\n' "$work"/prefix/lib/libpop3_{client,engine,transport}.so.0.1)
  [[ $resolved == "$want" ]] || fail "loads [$resolved], want [$want]"
elif [[ $mode == find_package_asio ]]; then
  [[ $needed == "libpop3_engine.so.0.1 " ]] || fail "not linked to libpop3_engine.so.0.1 only: [$needed]"
else
  [[ -z $needed ]] || fail "static libraries wanted, links [$needed]"
fi
# The same maildrops through the consumer's program and through the in-tree example.
"$source/scripts/private-dovecot" start "$work/dc" --user user1:secret --user user2:secret \
  --user user3:secret >"$work/dovecot.out"
port=$(sed -n 's/^pop3s_port=//p' "$work/dovecot.out")
for k in 1 2 3; do
  "$build/bin/pop3-sample-mail" --maildir "$work/dc/home/user$k/Maildir" --count $((k + 2)) \
    --seed "$k" --big-mib 0 --owner "$(cat "$work/dc/mail_owner")" >/dev/null
done
export POP3_PASSWORD=secret POP3_CAFILE=$work/dc/tls/ca.pem
if [[ $mode == find_package_asio ]]; then
  args=(localhost "$port" user 3) in_tree=$build/examples/example_async_many_mailboxes lines=4
else
  args=(localhost "$port" user3) in_tree=$build/examples/example_blocking_client lines=5
fi
"$client" "${args[@]}" >"$work/consumer.out" || { cat "$work/consumer.out" >&2; fail "run"; }
"$in_tree" "${args[@]}" >"$work/in-tree.out"
# The async example's last line is its timing.
[[ $mode == find_package_asio ]] && sed -i '$d' "$work/consumer.out" "$work/in-tree.out"
cat "$work/consumer.out"
[[ $(wc -l <"$work/consumer.out") == "$lines" ]] || fail "not $lines lines"
cmp "$work/consumer.out" "$work/in-tree.out" || fail "output differs from the in-tree example"
echo "consumer ($mode): built, linked [${needed:-static}], printed what the in-tree example prints"
