// Branch-free float math that GCC vectorises when inlined into a loop (-O3 -mavx2 -fno-trapping-math).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace zs {

// Cephes expf: |rel err| < 2e-7 over the float range; exact 0 below -87.3, inf above 88.7.
inline float exp_approx(float x) {
  const float lo = -87.3365f, hi = 88.7228f;
  float xc = x < lo ? lo : (x > hi ? hi : x);
  float fx = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - fx * 0.693359375f + fx * 2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  // 2^fx split in two factors so fx = 128 (x near hi) does not overflow the exponent field.
  int32_t n = int32_t(fx);
  int32_t n1 = n >> 1;
  uint32_t b1 = uint32_t(n1 + 127) << 23, b2 = uint32_t(n - n1 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, 4);
  std::memcpy(&s2, &b2, 4);
  float res = y * s1 * s2;
  res = x < lo ? 0.0f : res;
  return x > hi ? INFINITY : res;
}

}  // namespace zs
