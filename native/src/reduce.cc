// Reductions, softmax and data movement (transpose, gather, segment sum).
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels.h"
#include "vmath.h"

namespace zs {

static float row_sum(const float* x, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; i++) s += x[i];
  return s;
}

static float row_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  bool nan = false;
#pragma omp simd reduction(max : m) reduction(| : nan)
  for (int64_t i = 0; i < n; i++) {
    m = x[i] > m ? x[i] : m;
    nan |= x[i] != x[i];
  }
  return nan ? NAN : m;
}

static float row_min(const float* x, int64_t n) {
  float m = std::numeric_limits<float>::infinity();
  bool nan = false;
#pragma omp simd reduction(min : m) reduction(| : nan)
  for (int64_t i = 0; i < n; i++) {
    m = x[i] < m ? x[i] : m;
    nan |= x[i] != x[i];
  }
  return nan ? NAN : m;
}

void reduce(ReduceOp op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner) {
  if (inner == 1) {
    for (int64_t o = 0; o < outer; o++) {
      const float* row = x + o * r;
      switch (op) {
        case kSum: out[o] = row_sum(row, r); break;
        case kMean: out[o] = row_sum(row, r) / float(r); break;
        case kMaxR: out[o] = row_max(row, r); break;
        case kMinR: out[o] = row_min(row, r); break;
      }
    }
    return;
  }
  // Reducing a middle axis: accumulate whole rows of `inner` so the loop stays contiguous.
  for (int64_t o = 0; o < outer; o++) {
    float* dst = out + o * inner;
    const float* src = x + o * r * inner;
    std::memcpy(dst, src, sizeof(float) * inner);
    for (int64_t j = 1; j < r; j++) {
      const float* s = src + j * inner;
      switch (op) {
        case kSum:
        case kMean: for (int64_t i = 0; i < inner; i++) dst[i] += s[i]; break;
        case kMaxR: for (int64_t i = 0; i < inner; i++) dst[i] = (s[i] > dst[i] || s[i] != s[i]) ? s[i] : dst[i]; break;
        case kMinR: for (int64_t i = 0; i < inner; i++) dst[i] = (s[i] < dst[i] || s[i] != s[i]) ? s[i] : dst[i]; break;
      }
    }
    if (op == kMean) {
      const float inv = 1.0f / float(r);
      for (int64_t i = 0; i < inner; i++) dst[i] *= inv;
    }
  }
}

void softmax_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; i++) {
    const float* xi = x + i * cols;
    float* oi = out + i * cols;
    const float m = row_max(xi, cols);
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < cols; j++) {
      oi[j] = exp_approx(xi[j] - m);
      sum += oi[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < cols; j++) oi[j] *= inv;
  }
}

void transpose4(const uint32_t* x, uint32_t* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm) {
  const int r = int(shape.size());
  std::vector<int64_t> inStride(r), dims(r), strides(r), outStride(r);
  int64_t s = 1;
  for (int i = r; i-- > 0;) {
    inStride[i] = s;
    s *= shape[i];
  }
  for (int i = 0; i < r; i++) {
    dims[i] = shape[perm[i]];
    strides[i] = inStride[perm[i]];  // input step for a step along output dim i
  }
  s = 1;
  for (int i = r; i-- > 0;) {
    outStride[i] = s;
    s *= dims[i];
  }
  // Output dim j walks the input contiguously. If j is the last output dim, rows are memcpy'd;
  // otherwise the (j, last) plane is copied in cache-sized tiles so neither side strides badly.
  int j = r - 1;
  while (j > 0 && strides[j] != 1) j--;
  const bool tiled = strides[r - 1] != 1 && strides[j] == 1 && dims[j] > 1;
  const int64_t nl = dims[r - 1], sl = strides[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t inOff = 0, outOff = 0;
  for (;;) {
    if (!tiled) {
      uint32_t* dst = out + outOff;
      if (sl == 1) std::memcpy(dst, x + inOff, 4 * nl);
      else for (int64_t l = 0; l < nl; l++) dst[l] = x[inOff + l * sl];
    } else {
      const int64_t nj = dims[j], oj = outStride[j];
      const int64_t T = 32;
      for (int64_t jb = 0; jb < nj; jb += T) {
        for (int64_t lb = 0; lb < nl; lb += T) {
          const int64_t je = std::min(nj, jb + T), le = std::min(nl, lb + T);
          for (int64_t jj = jb; jj < je; jj++)
            for (int64_t l = lb; l < le; l++) out[outOff + jj * oj + l] = x[inOff + jj + l * sl];
        }
      }
    }
    // Odometer over the remaining output dims (all but the last, and j when tiling).
    int d = r - 2;
    for (; d >= 0; d--) {
      if (tiled && d == j) continue;
      idx[d]++;
      inOff += strides[d];
      outOff += outStride[d];
      if (idx[d] < dims[d]) break;
      inOff -= strides[d] * dims[d];
      outOff -= outStride[d] * dims[d];
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}

int64_t gather4(const uint32_t* x, const int32_t* idx, uint32_t* out, int64_t outer, int64_t axisDim,
                int64_t inner, int64_t nIdx) {
  for (int64_t i = 0; i < nIdx; i++) {
    if (idx[i] < 0 || idx[i] >= axisDim) return i;
  }
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t i = 0; i < nIdx; i++) {
      std::memcpy(out + (o * nIdx + i) * inner, x + (o * axisDim + idx[i]) * inner, 4 * inner);
    }
  }
  return -1;
}

void segment_sum(const float* x, const int32_t* ids, float* out, int64_t n, int64_t inner, int64_t numSegments) {
  std::memset(out, 0, sizeof(float) * numSegments * inner);
  for (int64_t i = 0; i < n; i++) {
    const int64_t seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue;
    float* dst = out + seg * inner;
    const float* src = x + i * inner;
    for (int64_t j = 0; j < inner; j++) dst[j] += src[j];
  }
}

}  // namespace zs
