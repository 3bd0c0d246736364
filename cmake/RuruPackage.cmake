# The Debian package (issue 7; docs/operations.md "Installing the .deb"): `cpack -G DEB` in a build
# directory makes ruru_<version>_<arch>.deb with acsd, acsctl, the systemd unit, the example
# configuration and the docs. Its maintainer scripts (deploy/debian/) create the `ruru` system user
# and /etc/ruru, and start or restart acsd under systemd where systemd runs.
# tests/deploy/deb_test.sh builds it and installs, upgrades and removes it in a scratch root.
include(GNUInstallDirs)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/ruru-acsd.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/acsd.conf.example DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/ARCHITECTURE.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ruru)
set(CPACK_PACKAGE_VENDOR "Ruru")
set(CPACK_PACKAGE_CONTACT "Ruru maintainers <ruru@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "TR-069 (CWMP) Auto-Configuration Server: acsd and acsctl")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_LICENSE "GPL-2.0-or-later")
# Shared-library dependencies from the binaries (dpkg-shlibdeps), plus what the scripts use.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql-15")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
