# scenehost's own plugins, inside this project only (never installed): the rules of
# ScenehostPlugin.cmake plus the project's warnings and sanitizers. Shipped plugins also build
# into the system plugin directory of the build tree and join SCENEHOST_PLUGIN_TARGETS, which
# scenehost_runtime builds and ScenehostPackaging.cmake installs.
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/ScenehostPlugin.cmake)

# The project's warnings and sanitizers on a plugin target made by ScenehostPlugin.cmake.
# Sanitized plugins need the sanitizer runtime from the host executable, so only
# non-sanitized builds insist on no undefined symbols.
function(scenehost_plugin_project_defaults target)
  scenehost_target_defaults(${target})
  if(NOT SCENEHOST_SANITIZE STREQUAL "" OR SCENEHOST_FUZZ)
    set_target_properties(${target} PROPERTIES SCENEHOST_ALLOW_UNDEFINED ON)
  endif()
endfunction()

# scenehost_add_plugin(<kind> <name> SOURCES ... [LIBS ...] OUTPUT_DIR <dir>): a plugin that is
# never shipped (test fixtures), target scenehost_<kind>_<name>.
function(scenehost_add_plugin kind name)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "OUTPUT_DIR" "")
  if(NOT ARG_OUTPUT_DIR)
    message(FATAL_ERROR "scenehost_add_plugin(${kind} ${name}): needs OUTPUT_DIR; "
      "a plugin the package ships is scenehost_add_shipped_reducer / scenehost_add_shipped_encoder")
  endif()
  scenehost_add_plugin_module(${kind} ${name} ${ARGN})
  scenehost_plugin_project_defaults(scenehost_${kind}_${name})
endfunction()

# scenehost_add_shipped_reducer(<name> SOURCES ... [LIBS ...]) and _encoder: a plugin of the
# scenehost package, built into <build>/lib/scenehost/plugins as it is installed into
# <prefix>/lib/scenehost/plugins.
function(scenehost_add_shipped_plugin kind name)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "OUTPUT_DIR" "")
  if(DEFINED ARG_OUTPUT_DIR OR "OUTPUT_DIR" IN_LIST ARG_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "scenehost_add_shipped_${kind}(${name}): a shipped plugin takes no OUTPUT_DIR; "
      "it builds into ${SCENEHOST_PLUGIN_OUTPUT_DIR}")
  endif()
  scenehost_add_plugin_module(${kind} ${name} ${ARGN} OUTPUT_DIR ${SCENEHOST_PLUGIN_OUTPUT_DIR})
  scenehost_plugin_project_defaults(scenehost_${kind}_${name})
  set_property(GLOBAL APPEND PROPERTY SCENEHOST_PLUGIN_TARGETS scenehost_${kind}_${name})
endfunction()

function(scenehost_add_shipped_reducer name)
  scenehost_add_shipped_plugin(reducer ${name} ${ARGN})
endfunction()

function(scenehost_add_shipped_encoder name)
  scenehost_add_shipped_plugin(encoder ${name} ${ARGN})
endfunction()
