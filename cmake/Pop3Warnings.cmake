# Warning flags for this project's own targets only: they are PRIVATE, so they never reach a
# consumer of the installed package or of add_subdirectory().
function(pop3_project_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
  if(POP3_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# The library promise (ARCHITECTURE.md §2): no exceptions, no RTTI in the engine.
function(pop3_no_exceptions target)
  target_compile_options(${target} PRIVATE -fno-exceptions)
endfunction()
