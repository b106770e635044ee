# Every dependency is found here, with one clear sentence when it is missing
# (scripts/install-deps installs them all on Debian).
find_package(OpenMP REQUIRED COMPONENTS CXX)

set(BLA_VENDOR OpenBLAS)
find_package(BLAS)
if(NOT BLAS_FOUND)
  message(FATAL_ERROR "OpenBLAS not found: run scripts/install-deps (Debian package libopenblas-dev).")
endif()
find_path(VIT_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas x86_64-linux-gnu aarch64-linux-gnu)
if(NOT VIT_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found: run scripts/install-deps (Debian package libopenblas-dev).")
endif()

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
