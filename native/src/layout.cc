// Data movement for 4-byte elements (float32 / int32): strided slice, constant pad, concat.
// One odometer over the outer dims and a memcpy per contiguous innermost run.
#include <cstring>
#include "kernels.h"

namespace zs {

// Copies the box [begin, begin+size) of x (shape) into out (size), densely.
void slice4(const uint32_t* x, uint32_t* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
            const std::vector<int64_t>& size) {
  const int r = int(shape.size());
  std::vector<int64_t> stride(r);
  int64_t s = 1;
  for (int i = r; i-- > 0;) {
    stride[i] = s;
    s *= shape[i];
  }
  int64_t base = 0, outer = 1;
  for (int i = 0; i < r; i++) base += begin[i] * stride[i];
  for (int i = 0; i < r - 1; i++) outer *= size[i];
  const int64_t n = size[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t off = base;
  for (int64_t o = 0; o < outer; o++) {
    std::memcpy(out + o * n, x + off, 4 * n);
    for (int d = r - 2; d >= 0; d--) {
      idx[d]++;
      off += stride[d];
      if (idx[d] < size[d]) break;
      off -= stride[d] * size[d];
      idx[d] = 0;
    }
  }
}

// out (outShape) = constant everywhere, with x (shape) copied in at offset `before`.
void pad4(const uint32_t* x, uint32_t* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& before,
          const std::vector<int64_t>& outShape, uint32_t constant) {
  const int r = int(shape.size());
  int64_t total = 1;
  for (auto d : outShape) total *= d;
  for (int64_t i = 0; i < total; i++) out[i] = constant;
  std::vector<int64_t> stride(r);
  int64_t s = 1;
  for (int i = r; i-- > 0;) {
    stride[i] = s;
    s *= outShape[i];
  }
  int64_t base = 0, outer = 1;
  for (int i = 0; i < r; i++) base += before[i] * stride[i];
  for (int i = 0; i < r - 1; i++) outer *= shape[i];
  const int64_t n = shape[r - 1];
  if (n == 0) return;
  std::vector<int64_t> idx(r, 0);
  int64_t off = base;
  for (int64_t o = 0; o < outer; o++) {
    std::memcpy(out + off, x + o * n, 4 * n);
    for (int d = r - 2; d >= 0; d--) {
      idx[d]++;
      off += stride[d];
      if (idx[d] < shape[d]) break;
      off -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// Inputs viewed as [outer, chunk_i]; out is [outer, Σ chunk_i], each row the inputs' rows side by side.
void concat4(const std::vector<const uint32_t*>& xs, const std::vector<int64_t>& chunks, uint32_t* out, int64_t outer) {
  int64_t row = 0;
  for (auto c : chunks) row += c;
  for (int64_t o = 0; o < outer; o++) {
    uint32_t* dst = out + o * row;
    for (size_t i = 0; i < xs.size(); i++) {
      std::memcpy(dst, xs[i] + o * chunks[i], 4 * chunks[i]);
      dst += chunks[i];
    }
  }
}

}  // namespace zs
