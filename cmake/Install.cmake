# Installs libvitcuda with a CMake package config so that consumers write
#   find_package(vitcuda REQUIRED)  target_link_libraries(app PRIVATE vitcuda::vitcuda)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS vitcuda EXPORT vitcudaTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/vitcuda DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT vitcudaTargets NAMESPACE vitcuda:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vitcuda)

configure_package_config_file(cmake/vitcudaConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/vitcudaConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vitcuda)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/vitcudaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/vitcudaConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/vitcudaConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/vitcuda)
