#!/usr/bin/env bash
# The Debian package `cpack -G DEB` makes from this build: its control fields, Depends computed
# by dpkg-shlibdeps (which apt, simulating an install, finds satisfiable here), the files it
# holds, and a program that runs from it once unpacked into a fresh directory with dpkg -x (no
# container, no root needed).
#   deb_package_test.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/p3deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; exit 1; }
arch=$(dpkg --print-architecture)
deb=$work/out/pop3_${version}_$arch.deb
[[ -f $deb ]] || { ls -l "$work/out" >&2; echo "FAIL: no $deb" >&2; exit 1; }

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == pop3 ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || fail "Version: $(field Version)"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
[[ $(field Section) == mail ]] || fail "Section: $(field Section)"
depends=$(field Depends)
for lib in libc6 libssl3 libsqlite3-0 libstdc++6; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] || fail "Depends lacks $lib: $depends"
done
# The shared libraries come with a shlibs file naming their SONAMEs, and ldconfig runs after
# installing and removing.
dpkg-deb -e "$deb" "$work/control"
grep -qx "libpop3_client ${version%.*} pop3 (>= $version)" "$work/control/shlibs" ||
  fail "shlibs: $(cat "$work/control/shlibs")"
for script in postinst postrm; do
  grep -qE '^\s*ldconfig$' "$work/control/$script" ||
    fail "$script does not run ldconfig: $(cat "$work/control/$script")"
done

contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for f in ./usr/bin/pop3 ./usr/share/man/man1/pop3.1 ./usr/share/man/man5/pop3-config.5 \
  ./usr/share/bash-completion/completions/pop3 ./usr/share/zsh/site-functions/_pop3 \
  ./usr/include/pop3/session.hpp ./usr/include/pop3/engine.hpp \
  ./usr/include/pop3-netx/nxd_pop3_client.h ./usr/include/pop3-netx/nx_api.h \
  ./usr/lib/cmake/pop3/pop3-config.cmake ./usr/lib/cmake/pop3/pop3-config-version.cmake \
  ./usr/lib/pkgconfig/pop3.pc ./usr/lib/pkgconfig/pop3-netx.pc; do
  grep -qxF "$f" <<<"$contents" || fail "missing $f"
done
for lib in engine transport client netx; do
  for f in ./usr/lib/libpop3_$lib.a ./usr/lib/libpop3_$lib.so.$version; do
    grep -qxF "$f" <<<"$contents" || fail "missing $f"
  done
done

# apt, simulating, finds every dependency satisfiable on this Debian (and installs nothing).
chmod 755 "$work" "$work/out"  # apt reads the file as the _apt user
apt-get install --simulate -q "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get --simulate"; }
grep -qx "Inst pop3 ($version local-deb \[$arch\])" "$work/apt.log" || { cat "$work/apt.log" >&2; fail "apt would not install it"; }

dpkg -x "$deb" "$work/root"
got=$("$work/root/usr/bin/pop3" --version)
[[ $got == "pop3 $version" ]] || fail "pop3 --version: $got"
soname=$(readelf -d "$work/root/usr/lib/libpop3_client.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == "libpop3_client.so.${version%.*}" ]] || fail "SONAME $soname"
# The pkg-config files are relocatable: they point into the unpacked tree.
libs=$(PKG_CONFIG_PATH=$work/root/usr/lib/pkgconfig pkg-config --libs pop3 | sed 's/ *$//')
[[ $libs == "-L$work/root/usr/lib/pkgconfig/../../lib -lpop3_client -lpop3_transport -lpop3_engine" ]] ||
  fail "pkg-config --libs pop3: $libs"

((failures == 0)) || exit 1
echo "$(basename "$deb"): Depends: $depends; unpacked, pop3 --version: $got"
