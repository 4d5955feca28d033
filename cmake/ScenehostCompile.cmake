# Warnings and sanitizers for scenehost's own targets (never applied to third-party code).
# The warning flags are ones GCC and clang both know, so the clang fuzz build keeps them all.

if(SCENEHOST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SCENEHOST_FUZZ needs clang for libFuzzer (CC=clang CXX=clang++), not "
      "${CMAKE_C_COMPILER_ID} / ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(NOT SCENEHOST_SANITIZE STREQUAL "")
    message(FATAL_ERROR "SCENEHOST_FUZZ brings its own sanitizers (address+undefined); leave SCENEHOST_SANITIZE empty")
  endif()
endif()

function(scenehost_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(SCENEHOST_FUZZ)
    # Coverage for libFuzzer in every library and plugin; only the targets link libFuzzer itself
    # (tests/fuzz/CMakeLists.txt), with -fsanitize=fuzzer.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  elseif(SCENEHOST_SANITIZE STREQUAL "address")
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  elseif(SCENEHOST_SANITIZE STREQUAL "thread")
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  elseif(NOT SCENEHOST_SANITIZE STREQUAL "")
    message(FATAL_ERROR "SCENEHOST_SANITIZE must be '', 'address' or 'thread', not '${SCENEHOST_SANITIZE}'")
  endif()
endfunction()

# One static library per host module: host/<module>/*.cpp, linked to the modules it names.
function(scenehost_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  list(TRANSFORM ARG_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/host/)
  add_library(scenehost_${name} STATIC ${ARG_SOURCES})
  target_include_directories(scenehost_${name} PUBLIC ${PROJECT_SOURCE_DIR}/host)
  target_link_libraries(scenehost_${name} PUBLIC ${ARG_DEPS})
  scenehost_target_defaults(scenehost_${name})
endfunction()
