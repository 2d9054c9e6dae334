/* simd_avx2.h — small AVX2 helpers shared by the AVX2 kernels (internal).
 *
 * Partial stores go through 128/64/32-bit pieces rather than
 * vmaskmovps: on AMD cores a masked store costs many times a plain one,
 * and channel counts such as 28 or 42 hit it on every row. */
#ifndef EDGEPIPE_INFERENCE_SIMD_AVX2_H
#define EDGEPIPE_INFERENCE_SIMD_AVX2_H

#include <immintrin.h>
#include <stddef.h>

/* Lanes 0..n-1 of a vector (n <= 0: none, n >= 8: all), as a mask for
 * vmaskmovps loads. */
__attribute__((target("avx2,fma"))) static inline __m256i
ep__first_lanes(long n) {
  __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int k = (int)(n < 0 ? 0 : n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), lane);
}

/* Stores the first n (0..8) lanes of v at p; nothing past p[n-1]. */
__attribute__((target("avx2,fma"))) static inline void
ep__store_first(float *p, __m256 v, long n) {
  if (n >= 8) {
    _mm256_storeu_ps(p, v);
    return;
  }
  __m128 h = _mm256_castps256_ps128(v);
  if (n >= 4) {
    _mm_storeu_ps(p, h);
    h = _mm256_extractf128_ps(v, 1);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    _mm_storel_pi((__m64 *)p, h);
    h = _mm_movehl_ps(h, h);
    p += 2;
    n -= 2;
  }
  if (n >= 1)
    _mm_store_ss(p, h);
}

#endif
