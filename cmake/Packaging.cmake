# Debian packages (docs/installation.md), built from this build tree with
# `cpack --config CPackConfig.cmake`:
#   notify-host      component "host": the program, the plugins, the settings
#                    file (conffile), the systemd unit, the maintainer scripts
#   notify-host-dev  component "dev": host API and SDK headers, the SDK
#                    library and its CMake package (sdk/CMakeLists.txt)
# The files under /etc and /lib/systemd are EXCLUDE_FROM_ALL: a plain
# `cmake --install build --prefix DIR` never writes outside DIR; the package
# build asks for the components by name and gets them.
set(NOTIFY_PLUGIN_INSTALL_DIR lib/notify-host/plugins)
set(pkg_dir ${PROJECT_SOURCE_DIR}/packaging)

# What is shipped is linked with full RELRO: the dynamic relocations are
# resolved at load and the GOT made read-only (docs/installation.md).
foreach(shipped IN ITEMS notify-host m365_oauth_smtp eml_file)
  target_link_options(${shipped} PRIVATE LINKER:-z,relro LINKER:-z,now)
endforeach()

install(TARGETS notify-host RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT host)
install(TARGETS m365_oauth_smtp eml_file LIBRARY DESTINATION ${NOTIFY_PLUGIN_INSTALL_DIR}
  COMPONENT host)
install(FILES ${pkg_dir}/notify-host.properties DESTINATION /etc/notify-host
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT host EXCLUDE_FROM_ALL)
install(FILES ${pkg_dir}/notify-host.service DESTINATION /lib/systemd/system
  COMPONENT host EXCLUDE_FROM_ALL)

# Debian wants a copyright file and a compressed changelog per package (the
# packages are native: changelog.gz) and a manual page per program.
set(changelog_gz ${PROJECT_BINARY_DIR}/packaging/changelog.gz)
set(manpage_gz ${PROJECT_BINARY_DIR}/packaging/notify-host.1.gz)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/packaging)
execute_process(COMMAND gzip -9nc ${pkg_dir}/debian/changelog OUTPUT_FILE ${changelog_gz}
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND gzip -9nc ${pkg_dir}/notify-host.1 OUTPUT_FILE ${manpage_gz}
  COMMAND_ERROR_IS_FATAL ANY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${pkg_dir}/debian/changelog ${pkg_dir}/notify-host.1)
install(FILES ${manpage_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT host
  EXCLUDE_FROM_ALL)
foreach(component_package IN ITEMS "host;notify-host" "dev;notify-host-dev")
  list(GET component_package 0 component)
  list(GET component_package 1 package)
  install(FILES ${pkg_dir}/debian/copyright ${changelog_gz}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME notify-host)
set(CPACK_PACKAGE_VENDOR "The notify-host authors")
set(CPACK_PACKAGE_CONTACT "notify-host maintainers <notify-host@example.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL host dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Library dependencies come from dpkg-shlibdeps on the installed binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_HOST_PACKAGE_NAME notify-host)
set(CPACK_DEBIAN_HOST_PACKAGE_SECTION mail)
set(CPACK_COMPONENT_HOST_DESCRIPTION "notification host with a Microsoft 365 e-mail channel
notify-host delivers notifications through channel plugins. This package
holds the host program, the Microsoft 365 (OAuth2 SMTP) channel plugin, the
sample .eml file plugin, the settings file and a hardened systemd service.")
# adduser: the maintainer scripts create the service's system user.
set(CPACK_DEBIAN_HOST_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_HOST_PACKAGE_CONTROL_EXTRA
  ${pkg_dir}/debian/conffiles ${pkg_dir}/debian/postinst ${pkg_dir}/debian/prerm
  ${pkg_dir}/debian/postrm)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME notify-host-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "SDK for notify-host channel plugins
Headers of the host API and the plugin SDK, the SDK library, the testing kit
and the CMake package: find_package(NotifySDK) gives notify::sdk,
notify::sdk_testing and notify_add_plugin().")
# The SDK's headers and its CMake package use Boost's headers (Boost.DLL).
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libboost-dev (>= 1.74)")

include(CPack)
