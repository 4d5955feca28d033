# Builds a scenehost plugin: a MODULE library that sees only the SDK, hides every symbol but the
# manifest and the entry point, and has no undefined symbols. Installed with scenehost-dev
# (find_package(scenehost COMPONENTS sdk) includes it) and used unchanged by scenehost itself,
# so it needs nothing but the target scenehost::sdk.
#
#   scenehost_add_reducer(<name> SOURCES <file>... [LIBS <lib>...] [OUTPUT_DIR <dir>])
#   scenehost_add_encoder(<name> SOURCES <file>... [LIBS <lib>...] [OUTPUT_DIR <dir>])
#
# make the target scenehost_reducer_<name> (scenehost_encoder_<name>), the file
# reducer_<name>.so (encoder_<name>.so), in OUTPUT_DIR or else CMAKE_LIBRARY_OUTPUT_DIRECTORY /
# the current binary directory. LIBS are linked PRIVATE. Nothing is installed: a site copies the
# file into one of the host's plugin directories.
#
# A plugin built with a sanitizer takes the sanitizer runtime from a sanitized host executable,
# so it cannot link with -Wl,--no-undefined: set the target property SCENEHOST_ALLOW_UNDEFINED
# to ON for such a build.
include_guard(GLOBAL)

# The one implementation behind both: <kind> is the file name's prefix (reducer, encoder).
function(scenehost_add_plugin_module kind name)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "OUTPUT_DIR" "SOURCES;LIBS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "scenehost_add_${kind}(${name}): unknown arguments '${ARG_UNPARSED_ARGUMENTS}'; "
      "expected SOURCES <file>... [LIBS <lib>...] [OUTPUT_DIR <dir>]")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "scenehost_add_${kind}(${name}): SOURCES names no file")
  endif()
  if(NOT TARGET scenehost::sdk)
    message(FATAL_ERROR "scenehost_add_${kind}(${name}): the target scenehost::sdk does not exist; "
      "call find_package(scenehost <version> REQUIRED COMPONENTS sdk) first")
  endif()
  set(target scenehost_${kind}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE scenehost::sdk ${ARG_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    OUTPUT_NAME "${kind}_${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIR}")
  endif()
  # Read when the build system is generated, so the property may be set after this call.
  target_link_options(${target} PRIVATE
    "$<$<NOT:$<BOOL:$<TARGET_PROPERTY:SCENEHOST_ALLOW_UNDEFINED>>>:-Wl,--no-undefined>")
endfunction()

function(scenehost_add_reducer name)
  scenehost_add_plugin_module(reducer ${name} ${ARGN})
endfunction()

function(scenehost_add_encoder name)
  scenehost_add_plugin_module(encoder ${name} ${ARGN})
endfunction()
