# Every dependency is found here, with one clear sentence when it is missing
# (scripts/install-deps installs them all on Debian).
find_package(OpenMP REQUIRED COMPONENTS CXX)

# oneDNN's sgemm for the CPU matrix products. It picks its kernels from the CPU's instruction
# set at run time (AVX-512 here), where OpenBLAS 0.3.21 falls back to SSE3 on CPUs newer than it
# knows (4-6x slower products on this machine's Xeon); Debian builds it on OpenMP, so it shares
# the thread pool of our own loops.
find_package(dnnl 2.6 CONFIG QUIET)
if(NOT dnnl_FOUND)
  message(FATAL_ERROR "oneDNN not found: run scripts/install-deps (Debian package libdnnl-dev).")
endif()
find_package(Threads REQUIRED)

# OpenSSL's libcrypto for the SHA-256 of checkpoint files.
find_package(OpenSSL QUIET COMPONENTS Crypto)
if(NOT OpenSSL_FOUND)
  message(FATAL_ERROR "OpenSSL not found: run scripts/install-deps (Debian package libssl-dev).")
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
include(${CMAKE_CURRENT_LIST_DIR}/DataDeps.cmake)
