# Warning flags for this project's own targets only: they are PRIVATE, so they never reach a
# consumer of the installed package or of add_subdirectory().
function(pop3_project_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
  if(POP3_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
    # GCC 12's -Wmaybe-uninitialized reports false positives inside the standard library
    # (std::function in <regex>, for one) once sanitizers instrument it at -O2; the dev build,
    # without sanitizers, still treats it as an error.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_FLAGS MATCHES "-fsanitize")
      target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized)
    endif()
  endif()
endfunction()

# The library promise (ARCHITECTURE.md §2): no exceptions, no RTTI in the engine.
function(pop3_no_exceptions target)
  target_compile_options(${target} PRIVATE -fno-exceptions)
endfunction()
