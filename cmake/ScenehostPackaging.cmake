# What `cmake --install` puts where, and the two Debian packages CPack makes of it
# (docs/packaging.md):
#   scenehost      component host: the executables, the shipped plugins, the web client, the
#                  configuration and the systemd unit
#   scenehost-dev  component dev: the SDK headers, the CMake package, the plugin template
# Paths follow the host's own rule (host/app/layout.hpp): from <prefix>/bin/scenehost it finds
# <prefix>/lib/scenehost/plugins (never the multiarch libdir) and <prefix>/share/scenehost/web.
# Included at the end of the top-level CMakeLists.txt, once every target exists.
include(CMakePackageConfigHelpers)

# The SDK version, from the header plugins compile against.
set(_sdk_version_h ${PROJECT_SOURCE_DIR}/sdk/include/scenehost/sdk/version.h)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_sdk_version_h})
file(STRINGS ${_sdk_version_h} _sdk_version_lines REGEX "^#define SCENEHOST_SDK_VERSION_(MAJOR|MINOR) ")
foreach(part MAJOR MINOR)
  if(NOT _sdk_version_lines MATCHES "#define SCENEHOST_SDK_VERSION_${part} ([0-9]+)")
    message(FATAL_ERROR "${_sdk_version_h}: no line '#define SCENEHOST_SDK_VERSION_${part} <number>'")
  endif()
  set(SCENEHOST_SDK_VERSION_${part} ${CMAKE_MATCH_1})
endforeach()
set(SCENEHOST_SDK_VERSION ${SCENEHOST_SDK_VERSION_MAJOR}.${SCENEHOST_SDK_VERSION_MINOR})

set(SCENEHOST_INSTALL_PLUGINDIR lib/scenehost/plugins)
set(SCENEHOST_INSTALL_CMAKEDIR ${CMAKE_INSTALL_DATADIR}/cmake/scenehost)
set(SCENEHOST_DEB_RELEASE 1)
set(SCENEHOST_DEB_VERSION ${PROJECT_VERSION}-${SCENEHOST_DEB_RELEASE})
set(SCENEHOST_DEB_MAINTAINER "scenehost <dev@scenehost.invalid>" CACHE STRING "Maintainer field of the .deb packages")
set(SCENEHOST_HOMEPAGE "https://scenehost.invalid/" CACHE STRING "Homepage field of the .deb packages")
set(_packaging ${PROJECT_SOURCE_DIR}/packaging)
set(_generated ${CMAKE_BINARY_DIR}/packaging)
# Installed directories are 0755 whatever the umask; files get 0644 (0755 for programs).
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# gzip -9n, as Debian wants its changelogs and manual pages: no name, no time stamp, so the
# package is reproducible. At configure time; a change to the input reruns it.
find_program(SCENEHOST_GZIP gzip REQUIRED)
file(MAKE_DIRECTORY ${_generated})
function(scenehost_gzip input output)
  execute_process(COMMAND ${SCENEHOST_GZIP} -9n --stdout ${input} OUTPUT_FILE ${output} COMMAND_ERROR_IS_FATAL ANY)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${input})
endfunction()

# Each package's /usr/share/doc/<package>: copyright and changelog.Debian.gz. The changelog's
# newest entry must be the version being packaged.
file(STRINGS ${_packaging}/debian/changelog _changelog_head LIMIT_COUNT 1)
string(FIND "${_changelog_head}" "scenehost (${SCENEHOST_DEB_VERSION}) " _changelog_at)
if(NOT _changelog_at EQUAL 0)
  message(FATAL_ERROR "${_packaging}/debian/changelog: the newest entry is '${_changelog_head}', not version "
    "${SCENEHOST_DEB_VERSION} (project version ${PROJECT_VERSION}, Debian release ${SCENEHOST_DEB_RELEASE}); "
    "add an entry for it")
endif()
scenehost_gzip(${_packaging}/debian/changelog ${_generated}/changelog.Debian.gz)
function(scenehost_install_package_docs package component)
  install(FILES ${_packaging}/debian/copyright ${_generated}/changelog.Debian.gz ${ARGN}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endfunction()

# --- scenehost: the host -------------------------------------------------------------------
set(_executables scenehost)
if(TARGET scenehostctl)
  list(APPEND _executables scenehostctl)
endif()
install(TARGETS ${_executables} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT host)
# The plugins scenehost_runtime builds (ScenehostShippedPlugin.cmake), never examples or fixtures.
get_property(_shipped_plugins GLOBAL PROPERTY SCENEHOST_PLUGIN_TARGETS)
install(TARGETS ${_shipped_plugins} LIBRARY DESTINATION ${SCENEHOST_INSTALL_PLUGINDIR} COMPONENT host)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/scenehost/web COMPONENT host)
# /etc/scenehost for the prefix /usr, else <prefix>/etc/scenehost, as the host looks for it.
install(FILES ${_packaging}/scenehost.toml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/scenehost COMPONENT host)
set(SCENEHOST_EXECUTABLE ${CMAKE_INSTALL_FULL_BINDIR}/scenehost)
set(SCENEHOST_CONFIG_FILE ${CMAKE_INSTALL_FULL_SYSCONFDIR}/scenehost/scenehost.toml)
set(SCENEHOST_DOC_DIR ${CMAKE_INSTALL_FULL_DATADIR}/doc/scenehost)
configure_file(${_packaging}/debian/scenehost.service.in ${_generated}/scenehost.service @ONLY)
install(FILES ${_generated}/scenehost.service DESTINATION lib/systemd/system COMPONENT host)
scenehost_install_package_docs(scenehost host ${PROJECT_SOURCE_DIR}/docs/packaging.md)
scenehost_gzip(${_packaging}/debian/scenehost.1 ${_generated}/scenehost.1.gz)
install(FILES ${_generated}/scenehost.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT host)

# --- scenehost-dev: the SDK ----------------------------------------------------------------
# find_package(scenehost <version> COMPONENTS sdk) in <prefix>/share/cmake/scenehost: the
# imported target scenehost::sdk, ScenehostPlugin.cmake, and the SDK version as the package's.
set_target_properties(scenehost_sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS scenehost_sdk EXPORT scenehost-sdk-targets COMPONENT dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/scenehost DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(EXPORT scenehost-sdk-targets NAMESPACE scenehost:: DESTINATION ${SCENEHOST_INSTALL_CMAKEDIR} COMPONENT dev)
configure_file(${PROJECT_SOURCE_DIR}/cmake/scenehostConfig.cmake.in ${_generated}/scenehostConfig.cmake @ONLY)
# A plugin built against 1.2 loads in a 1.3 host, not in a 2.x one; headers only, so any architecture.
write_basic_package_version_file(${_generated}/scenehostConfigVersion.cmake
  VERSION ${SCENEHOST_SDK_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${_generated}/scenehostConfig.cmake ${_generated}/scenehostConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/ScenehostPlugin.cmake
  DESTINATION ${SCENEHOST_INSTALL_CMAKEDIR} COMPONENT dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/template/ DESTINATION ${CMAKE_INSTALL_DATADIR}/scenehost/plugin-template
  COMPONENT dev)
scenehost_install_package_docs(scenehost-dev dev)

# --- CPack: one .deb per component ---------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME scenehost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the scenehost developers")
set(CPACK_PACKAGE_CONTACT "${SCENEHOST_DEB_MAINTAINER}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${SCENEHOST_HOMEPAGE}")
set(CPACK_COMPONENTS_ALL host dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SCENEHOST_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SCENEHOST_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Maintainer scripts 0755, conffiles 0644, as dpkg and lintian want them.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_HOST_PACKAGE_NAME scenehost)
set(CPACK_DEBIAN_HOST_PACKAGE_SECTION science)
# The description's lines are at most 80 columns (lintian); CPack indents them by one.
string(CONCAT CPACK_DEBIAN_HOST_DESCRIPTION
  "remote scientific visualization host\n"
  "scenehost keeps the authoritative scene of an nD image and volume viewer\n"
  "(layers, dims, camera, view settings), renders it offscreen with OpenGL,\n"
  "encodes it to H.264 and streams it to browser and napari-cuda clients over\n"
  "WebSockets. Client changes pass through reducer plugins; every change is\n"
  "versioned and written to an audit log.\n"
  "\n"
  "This package contains the host, its reducer and encoder plugins, the\n"
  "browser viewer, the configuration file /etc/scenehost/scenehost.toml and\n"
  "the systemd service scenehost.service. It loads plugins built against SDK\n"
  "${SCENEHOST_SDK_VERSION_MAJOR}.0 to ${SCENEHOST_SDK_VERSION}.")
# Every ELF file of the package, plugins included, goes through dpkg-shlibdeps.
set(CPACK_DEBIAN_HOST_PACKAGE_SHLIBDEPS ON)
# By hand: what the host loads or runs without linking to it.
string(CONCAT CPACK_DEBIAN_HOST_PACKAGE_DEPENDS
  # Qt's offscreen platform plugin, loaded by QGuiApplication (QT_QPA_PLATFORM=offscreen).
  "qt6-qpa-plugins, "
  # Mesa's GLX vendor library, which libglvnd loads for the Mesa screen of the private Xvfb ...
  "libglx-mesa0, "
  # ... and Mesa's llvmpipe driver (swrast_dri.so), which it and Xvfb load to render.
  "libgl1-mesa-dri, "
  # The X server the host starts (execvp Xvfb) when there is no DISPLAY.
  "xvfb, "
  # adduser --system in postinst.
  "adduser")
# The oneVPL GPU runtime that libvpl's dispatcher loads for the vpl encoder, on Intel GPUs only.
set(CPACK_DEBIAN_HOST_PACKAGE_SUGGESTS "libmfx-gen1.2, intel-media-va-driver-non-free")
set(CPACK_DEBIAN_HOST_PACKAGE_CONTROL_EXTRA
  ${_packaging}/debian/conffiles ${_packaging}/debian/postinst ${_packaging}/debian/prerm ${_packaging}/debian/postrm)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME scenehost-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DEV_PACKAGE_SHLIBDEPS OFF)
string(CONCAT CPACK_DEBIAN_DEV_DESCRIPTION
  "plugin SDK for scenehost\n"
  "scenehost is a remote scientific visualization host whose scene state and\n"
  "video encoding live in plugins. This package builds such plugins outside\n"
  "the scenehost source tree:\n"
  " - the headers of the versioned C plugin contract and of its header-only\n"
  "   C++ layer, SDK ${SCENEHOST_SDK_VERSION};\n"
  " - the CMake package: find_package(scenehost ${SCENEHOST_SDK_VERSION} REQUIRED COMPONENTS sdk)\n"
  "   gives the target scenehost::sdk, scenehost_add_reducer() and\n"
  "   scenehost_add_encoder();\n"
  " - a reducer plugin template in /usr/share/scenehost/plugin-template.\n")
# Recommends, not Depends: the headers need only a C++20 compiler, and a plugin in C needs no
# Boost; but the CMake package needs cmake, and the template (like every shipped reducer) uses
# Boost.JSON of the host's Boost version. apt installs Recommends by default.
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++ (>= 4:12), libboost-json1.81-dev")
# To load what it builds; a build machine may not want the host.
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "scenehost (>= ${SCENEHOST_DEB_VERSION})")

# The package paths above are the prefix /usr's (/etc, /usr/bin in the unit): refuse to pack
# an install tree configured for another prefix.
set(CPACK_SCENEHOST_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
file(WRITE ${_generated}/CPackProjectConfig.cmake
  "# Generated by cmake/ScenehostPackaging.cmake: checks run by cpack.\n"
  "if(NOT CPACK_SCENEHOST_INSTALL_PREFIX STREQUAL \"/usr\")\n"
  "  message(FATAL_ERROR \"the scenehost packages need a build configured with -DCMAKE_INSTALL_PREFIX=/usr, \"\n"
  "    \"not \${CPACK_SCENEHOST_INSTALL_PREFIX}: run cmake -DCMAKE_INSTALL_PREFIX=/usr on the build directory\")\n"
  "endif()\n")
set(CPACK_PROJECT_CONFIG_FILE ${_generated}/CPackProjectConfig.cmake)
include(CPack)
