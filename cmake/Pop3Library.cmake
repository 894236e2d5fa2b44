# pop3_add_library(NAME
#                  SOURCES file...
#                  [EXPORT_NAME name]            what find_package() users call it (pop3::NAME)
#                  [PUBLIC_DEPS lib...]          needed by code that includes the headers
#                  [PRIVATE_DEPS lib...]         needed to build and link the library only
#                  [PUBLIC_INCLUDE_DIR dir]      default: include/
#                  [INSTALL_INCLUDE_DIR dir]     default: CMAKE_INSTALL_INCLUDEDIR
#                  [PUBLIC_DEFINITIONS def...]   configuration macros the headers depend on
#                  [PRIVATE_OPTIONS option...]
#                  [SOURCE_DIR dir]              private headers; default: the current source dir
#                  [STATIC_ONLY])
#
# Compiles SOURCES once (the OBJECT library NAME_objects, with this project's warning flags and
# without exceptions) and makes two libraries of the same objects:
#   NAME         static, what the rest of this build links (pop3::EXPORT_NAME aliases it), and
#   NAME_shared  shared, file name libNAME.so.VERSION with SONAME libNAME.so.SOVERSION; only
#                with POP3_BUILD_SHARED and without STATIC_ONLY.
# The dependencies in PUBLIC_DEPS and PRIVATE_DEPS that are other libraries of this project
# (pop3_*) are linked as NAME_shared by the shared library, so libpop3_client.so needs
# libpop3_engine.so and not a second copy of the engine. Warning flags and -fno-exceptions are
# PRIVATE to the objects: they never reach a consumer (tests/consumers checks the installed
# package for them).
function(pop3_add_library name)
  cmake_parse_arguments(ARG "STATIC_ONLY" "EXPORT_NAME;PUBLIC_INCLUDE_DIR;INSTALL_INCLUDE_DIR;SOURCE_DIR"
                        "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS;PUBLIC_DEFINITIONS;PRIVATE_OPTIONS"
                        ${ARGN})
  if(NOT ARG_PUBLIC_INCLUDE_DIR)
    set(ARG_PUBLIC_INCLUDE_DIR ${PROJECT_SOURCE_DIR}/include)
  endif()
  if(NOT ARG_SOURCE_DIR)
    set(ARG_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  if(NOT ARG_INSTALL_INCLUDE_DIR)
    set(ARG_INSTALL_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR})
  endif()

  add_library(${name}_objects OBJECT ${ARG_SOURCES})
  set_target_properties(${name}_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name}_objects
    PUBLIC ${ARG_PUBLIC_INCLUDE_DIR} PRIVATE ${ARG_SOURCE_DIR})
  target_compile_features(${name}_objects PUBLIC cxx_std_20)
  target_compile_definitions(${name}_objects PUBLIC ${ARG_PUBLIC_DEFINITIONS})
  target_compile_options(${name}_objects PRIVATE ${ARG_PRIVATE_OPTIONS})
  # For the include directories and definitions of the dependencies only: objects are not linked.
  target_link_libraries(${name}_objects PRIVATE ${ARG_PUBLIC_DEPS} ${ARG_PRIVATE_DEPS})
  pop3_project_warnings(${name}_objects)
  pop3_no_exceptions(${name}_objects)

  set(variants static)
  if(POP3_BUILD_SHARED AND NOT ARG_STATIC_ONLY)
    list(APPEND variants shared)
  endif()
  foreach(variant IN LISTS variants)
    if(variant STREQUAL "static")
      set(target ${name})
      add_library(${target} STATIC $<TARGET_OBJECTS:${name}_objects>)
      set(suffix "")
    else()
      set(target ${name}_shared)
      add_library(${target} SHARED $<TARGET_OBJECTS:${name}_objects>)
      set(suffix _shared)
      set_target_properties(${target} PROPERTIES
        VERSION ${PROJECT_VERSION} SOVERSION ${POP3_SOVERSION}
        # The libraries find each other where they are installed, wherever that is.
        INSTALL_RPATH "$ORIGIN"
        # In one place, for dpkg-shlibdeps (Pop3Package.cmake) and for tests.
        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
    endif()
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name})
    if(ARG_EXPORT_NAME)
      set_target_properties(${target} PROPERTIES EXPORT_NAME ${ARG_EXPORT_NAME}_${variant})
    endif()
    target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${ARG_PUBLIC_INCLUDE_DIR}>
                                                $<INSTALL_INTERFACE:${ARG_INSTALL_INCLUDE_DIR}>)
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_compile_definitions(${target} PUBLIC ${ARG_PUBLIC_DEFINITIONS})
    foreach(scope PUBLIC PRIVATE)
      set(deps "")
      foreach(dep IN LISTS ARG_${scope}_DEPS)
        if(dep MATCHES "^pop3_")
          string(APPEND dep ${suffix})
        endif()
        list(APPEND deps ${dep})
      endforeach()
      target_link_libraries(${target} ${scope} ${deps})
    endforeach()
  endforeach()
endfunction()
