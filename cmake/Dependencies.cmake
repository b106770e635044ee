# Every dependency is found here, with one clear sentence when it is missing
# (scripts/install-deps installs them all on Debian).
find_package(OpenMP REQUIRED COMPONENTS CXX)

# OpenBLAS built for OpenMP, linked statically: it then shares the OpenMP thread pool of our own
# loops. The pthread build, Debian's default, runs a second pool that fights OpenMP's spinning
# threads for the cores (training steps measured 2x slower on 2 cores).
find_library(VIT_OPENBLAS_LIBRARY NAMES libopenblas.a
             PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
if(NOT VIT_OPENBLAS_LIBRARY)
  message(FATAL_ERROR "The OpenMP build of OpenBLAS was not found: run scripts/install-deps "
                      "(Debian package libopenblas-openmp-dev).")
endif()
find_path(VIT_CBLAS_INCLUDE_DIR cblas.h PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp
          NO_DEFAULT_PATH)
if(NOT VIT_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h of OpenBLAS (OpenMP build) not found: run scripts/install-deps.")
endif()
find_package(Threads REQUIRED)

find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  message(FATAL_ERROR "nlohmann-json not found: run scripts/install-deps (Debian package nlohmann-json3-dev).")
endif()

if(VIT_BUILD_TESTS)
  find_package(Catch2 2 QUIET)
  if(NOT Catch2_FOUND)
    message(FATAL_ERROR "Catch2 not found: run scripts/install-deps (Debian package catch2), "
                        "or configure with -DVIT_BUILD_TESTS=OFF.")
  endif()
endif()
if(VIT_BUILD_BENCH)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    message(FATAL_ERROR "Google Benchmark not found: run scripts/install-deps (Debian package "
                        "libbenchmark-dev), or configure with -DVIT_BUILD_BENCH=OFF.")
  endif()
endif()
include(${CMAKE_CURRENT_LIST_DIR}/DataDeps.cmake)
