# Builds every reducer and encoder plugin the same way: a MODULE library that sees only
# the SDK, hides its symbols but the manifest and entry point, and has no undefined symbols.

function(scenehost_add_plugin kind name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  set(target scenehost_${kind}_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE scenehost::sdk ${ARG_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${kind}_${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  else()
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${SCENEHOST_PLUGIN_OUTPUT_DIR})
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/scenehost/plugins)
    set_property(GLOBAL APPEND PROPERTY SCENEHOST_PLUGIN_TARGETS ${target})
  endif()
  # Sanitized plugins need the sanitizer runtime from the host executable, so only
  # non-sanitized builds can insist on no undefined symbols.
  if(SCENEHOST_SANITIZE STREQUAL "")
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  scenehost_target_defaults(${target})
endfunction()

function(scenehost_add_reducer name)
  scenehost_add_plugin(reducer ${name} ${ARGN})
endfunction()

function(scenehost_add_encoder name)
  scenehost_add_plugin(encoder ${name} ${ARGN})
endfunction()
