# `cpack -G DEB` in a build directory: one Debian package with everything `cmake --install`
# installs, under /usr. dpkg-shlibdeps (dpkg-dev) computes Depends from what the program and the
# libraries link (libc6, libssl3, libsqlite3-0, libstdc++6, ...); a shlibs file and an ldconfig
# trigger come with the shared libraries. tests/install/deb_package_test.sh unpacks it with
# dpkg -x and runs the program from it.
set(CPACK_PACKAGE_NAME pop3)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "POP3 client: mail retrieval agent, C++ library, NetX C API")
set(CPACK_PACKAGE_DESCRIPTION
    "pop3 retrieves mail over POP3 (RFC 1939, 2449, 2595, 5034, 6856) with verified TLS into Maildir, mbox or an MDA, never losing a message. The package also holds the C++ library (a sans-I/O engine and a blocking client) and the NetX Duo POP3 Client C API, with their headers, CMake package and pkg-config files.")
set(CPACK_PACKAGE_CONTACT "pop3 developers <pop3-dev@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# A SONAME changes whenever the ABI does, so any later version with the same SONAME will do.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The package's own libraries depend on each other; dpkg-shlibdeps finds them here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/lib)
include(CPack)
