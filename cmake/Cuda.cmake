# The CUDA backend (DESIGN.md, "Devices and the three ways the kernels run").
#   VIT_CUDA=ON   nvcc compiles src/kernels/cuda/*.cu and src/runtime/cuda/*.cu for
#                 CMAKE_CUDA_ARCHITECTURES (default 90);
#                 links cudart, cuBLAS and cuBLASLt.
#   VIT_CUDA=SIM  the host compiler compiles the same .cu files against the SIMT interpreter
#                 (src/runtime/simt/); only the toolkit's headers (cuda_bf16.h) are needed.
# Targets that use the backend call vit_cuda_use(target); .cu files of a target go through
# vit_cuda_sources(...) so that SIM compiles them as C++.
if(VIT_CUDA STREQUAL "ON")
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "VIT_CUDA=ON needs nvcc: install the CUDA toolkit or pass "
                        "-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc; -DVIT_CUDA=SIM needs no GPU.")
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  set(VIT_CUDA_FIND_DEPENDENCY "find_dependency(CUDAToolkit)")
else()
  find_path(VIT_CUDA_INCLUDE_DIR cuda_bf16.h
            HINTS ENV CUDA_HOME ENV CUDA_PATH PATH_SUFFIXES include
            PATHS /usr/local/cuda/include /usr/include)
  if(NOT VIT_CUDA_INCLUDE_DIR)
    message(FATAL_ERROR "VIT_CUDA=SIM needs the CUDA toolkit's headers (cuda_bf16.h, vector_types.h): "
                        "install the toolkit or set CUDA_HOME.")
  endif()
  set(VIT_CUDA_FIND_DEPENDENCY "")
endif()

function(vit_cuda_sources)
  if(VIT_CUDA STREQUAL "SIM")
    set_source_files_properties(${ARGN} PROPERTIES LANGUAGE CXX COMPILE_OPTIONS -Wno-unknown-pragmas)
  endif()
endfunction()

function(vit_cuda_use target)
  if(VIT_CUDA STREQUAL "SIM")
    target_compile_definitions(${target} PUBLIC $<BUILD_INTERFACE:VIT_CUDA_SIM=1>)
    target_include_directories(${target} SYSTEM PUBLIC $<BUILD_INTERFACE:${VIT_CUDA_INCLUDE_DIR}>)
  else()
    target_compile_definitions(${target} PUBLIC $<BUILD_INTERFACE:VIT_CUDA_ON=1>)
    # CMake 3.25 knows no CUDA20 flag for nvcc: do not require a CMake-chosen standard, pass it.
    set_target_properties(${target} PROPERTIES CUDA_STANDARD_REQUIRED OFF)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-std=c++20 --expt-relaxed-constexpr -lineinfo>)
    target_link_libraries(${target} PUBLIC CUDA::cudart CUDA::cublas CUDA::cublasLt)
  endif()
endfunction()

# Adds the CUDA runtime helpers, the CUDA paths of the ops and
# optimizers (src/ops/cuda, src/optim/cuda), the kernels and (SIM) the interpreter to the library.
function(vit_add_cuda_backend target)
  file(GLOB kernels CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/kernels/cuda/*.cu ${PROJECT_SOURCE_DIR}/src/runtime/cuda/*.cu)
  file(GLOB runtime CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/runtime/cuda/*.cpp
       ${PROJECT_SOURCE_DIR}/src/ops/cuda/*.cpp ${PROJECT_SOURCE_DIR}/src/optim/cuda/*.cpp)
  if(VIT_CUDA STREQUAL "SIM")
    file(GLOB simt CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/runtime/simt/*.cpp)
    list(APPEND runtime ${simt})
    if(VIT_SANITIZE MATCHES "thread")
      # Racecheck: the scheduler's bookkeeping for the fibers is not GPU memory traffic
      # (src/runtime/simt/race_annotations.h).
      set(bookkeeping ${PROJECT_SOURCE_DIR}/src/runtime/simt/scheduler.cpp
          ${PROJECT_SOURCE_DIR}/src/runtime/simt/shared_memory.cpp ${PROJECT_SOURCE_DIR}/src/runtime/simt/tensor_core.cpp)
      set_source_files_properties(${bookkeeping} PROPERTIES COMPILE_OPTIONS -fno-sanitize=thread
                                  SKIP_UNITY_BUILD_INCLUSION ON)
    endif()
  endif()
  vit_cuda_sources(${kernels})
  set_source_files_properties(${kernels} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)  # one kernel family a file
  target_sources(${target} PRIVATE ${kernels} ${runtime})
  vit_cuda_use(${target})
endfunction()
