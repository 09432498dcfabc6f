// Portability helpers for the element-wise kernels.
//
// The library is compiled for the baseline of its target (x86-64: SSE2), so
// the binary runs on any machine OpenBLAS runs on; OpenBLAS picks its own
// SIMD kernels at run time for the GEMMs. The few element-wise loops that
// are compute-bound (tanh / sigmoid, the optimizer updates) are also cloned
// for AVX2 and AVX-512 with GCC/Clang function multi-versioning: the loader
// picks the best clone for the CPU (an ifunc), so no -march=native is needed.
#pragma once

#include <cstdlib>  // defines __GLIBC__ on glibc systems

#if !defined(DESCENT_NO_CLONES) && defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
    (defined(__GNUC__) || defined(__clang__))
#define DESCENT_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DESCENT_SIMD_CLONES
#endif

// Helpers called from cloned loops must be inlined into each clone for the
// loop to vectorize; GCC only does so across target attributes when asked.
#if defined(__GNUC__) || defined(__clang__)
#define DESCENT_INLINE inline __attribute__((always_inline))
#else
#define DESCENT_INLINE inline
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DESCENT_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define DESCENT_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define DESCENT_CPU_RELAX() ((void)0)
#endif
