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

# MPI (Open MPI: libopenmpi-dev) for data-parallel runs under mpirun; optional: without it the
# library and tools run as one process. -DVIT_MPI=OFF leaves it out.
option(VIT_MPI "Data-parallel training over MPI (and NCCL in nvcc builds)" ON)
set(VIT_MPI_FOUND FALSE)
set(VIT_MPI_FIND_DEPENDENCY "")
if(VIT_MPI)
  set(MPI_CXX_SKIP_MPICXX ON)  # MPI's C API from C++, without the deprecated C++ bindings
  find_package(MPI QUIET COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(VIT_MPI_FOUND TRUE)
    set(VIT_MPI_FIND_DEPENDENCY "set(MPI_CXX_SKIP_MPICXX ON)\nfind_dependency(MPI COMPONENTS CXX)")
  else()
    message(STATUS "MPI not found (Debian package libopenmpi-dev, scripts/install-deps): vit_train runs one process.")
  endif()
endif()
# NCCL, which the CUDA toolkit here carries, for the cuda tensors of data-parallel nvcc builds
# (bootstrapped over MPI; without MPI only its one-process test uses it).
set(VIT_NCCL_LIBRARY "")
if(VIT_CUDA STREQUAL "ON")
  find_library(VIT_NCCL_LIBRARY_PATH nccl HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/local/cuda/lib64)
  find_path(VIT_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/local/cuda/include)
  if(VIT_NCCL_LIBRARY_PATH AND VIT_NCCL_INCLUDE_DIR)
    set(VIT_NCCL_LIBRARY ${VIT_NCCL_LIBRARY_PATH})
  else()
    message(STATUS "NCCL not found beside the CUDA toolkit: cuda gradients go through MPI via host memory.")
  endif()
endif()
include(${CMAKE_CURRENT_LIST_DIR}/DataDeps.cmake)
