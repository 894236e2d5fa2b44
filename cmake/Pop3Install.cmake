# `cmake --install`: the program, its manual pages and completions, the headers, the libraries
# (static and shared), the CMake package (find_package(pop3 CONFIG)) and the pkg-config files.
# Everything installed is relocatable: the package and the .pc files find the prefix from where
# they are, so a tree moved elsewhere, or unpacked from the .deb with dpkg -x, still works.
include(CMakePackageConfigHelpers)
set(pop3_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/pop3)

install(DIRECTORY include/pop3 DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The NetX headers get a directory of their own so that they never shadow a real NetX.
install(FILES include/netx/nx_api.h include/netx/nxd_pop3_client.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pop3-netx)

# Two export sets, one per kind of library; the package config picks one (pop3-config.cmake.in).
set(pop3_libraries pop3_engine pop3_transport pop3_client pop3_netx)
install(TARGETS ${pop3_libraries} EXPORT pop3-static-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT pop3-static-targets NAMESPACE pop3:: DESTINATION ${pop3_cmake_dir})
if(POP3_BUILD_SHARED)
  list(TRANSFORM pop3_libraries APPEND _shared OUTPUT_VARIABLE pop3_shared_libraries)
  install(TARGETS ${pop3_shared_libraries} EXPORT pop3-shared-targets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT pop3-shared-targets NAMESPACE pop3:: DESTINATION ${pop3_cmake_dir})
endif()
if(TARGET pop3_asio)
  install(TARGETS pop3_asio EXPORT pop3-asio-targets)
  install(EXPORT pop3-asio-targets NAMESPACE pop3:: DESTINATION ${pop3_cmake_dir})
endif()

configure_package_config_file(cmake/pop3-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pop3-config.cmake INSTALL_DESTINATION ${pop3_cmake_dir})
# Before 1.0 a minor release may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pop3-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pop3-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/pop3-config-version.cmake
        DESTINATION ${pop3_cmake_dir})

# pkg-config: pop3.pc (the engine and the client, C++20) and pop3-netx.pc (the NetX C API, with
# the configuration macros the library was built with: they size the structures of its header).
file(RELATIVE_PATH POP3_PC_PREFIX_FROM_PCFILEDIR
     /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" POP3_PC_PREFIX_FROM_PCFILEDIR "${POP3_PC_PREFIX_FROM_PCFILEDIR}")
list(TRANSFORM POP3_NETX_DEFINITIONS PREPEND -D OUTPUT_VARIABLE pop3_netx_pc_definitions)
list(JOIN pop3_netx_pc_definitions " " POP3_NETX_PC_DEFINITIONS)
foreach(pc pop3 pop3-netx)
  configure_file(cmake/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

if(POP3_BUILD_CLI)
  install(TARGETS pop3 RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # Its manual pages, and shell completions where bash-completion and zsh look for them.
  install(FILES docs/pop3.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES docs/pop3-config.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
  install(FILES completions/pop3.bash RENAME pop3
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES completions/_pop3 DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
endif()
