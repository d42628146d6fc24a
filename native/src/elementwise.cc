// Elementwise kernels: NumPy-broadcast binary ops and unary maps, written as plain loops that GCC
// vectorises (-O3 -mavx2 -mfma). exp uses a branch-free Cephes polynomial so it vectorises too.
#include <cmath>
#include <cstring>
#include "kernels.h"
#include "vmath.h"

namespace zs {

template <BinaryOp OP>
static inline float apply(float a, float b) {
  if (OP == kAdd) return a + b;
  if (OP == kSub) return a - b;
  if (OP == kMul) return a * b;
  if (OP == kDiv) return a / b;
  if (OP == kMax) return a > b || std::isnan(a) ? a : b;
  if (OP == kMin) return a < b || std::isnan(a) ? a : b;
  float d = a - b;
  return d * d;
}

// One contiguous run of the innermost dimension; sa/sb are 1 (walks) or 0 (broadcast).
template <BinaryOp OP>
static void inner(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<OP>(a[i], b[i]);
  } else if (sa) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<OP>(a[i], bv);
  } else if (sb) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<OP>(av, b[i]);
  } else {
    const float v = apply<OP>(a[0], b[0]);
    for (int64_t i = 0; i < n; i++) out[i] = v;
  }
}

template <BinaryOp OP>
static void broadcast_loop(const float* a, const float* b, float* out, const std::vector<int64_t>& dims,
                           const std::vector<int64_t>& as, const std::vector<int64_t>& bs) {
  const int r = int(dims.size());
  const int64_t n = dims[r - 1];
  int64_t outer = 1;
  for (int i = 0; i < r - 1; i++) outer *= dims[i];
  std::vector<int64_t> idx(r, 0);
  int64_t ao = 0, bo = 0;
  for (int64_t o = 0; o < outer; o++) {
    inner<OP>(a + ao, as[r - 1], b + bo, bs[r - 1], out + o * n, n);
    // Odometer over the outer dimensions, keeping the a/b offsets in step.
    for (int d = r - 2; d >= 0; d--) {
      idx[d]++;
      ao += as[d];
      bo += bs[d];
      if (idx[d] < dims[d]) break;
      ao -= as[d] * dims[d];
      bo -= bs[d] * dims[d];
      idx[d] = 0;
    }
  }
}

void binary_broadcast(BinaryOp op, const float* a, const std::vector<int64_t>& aShape, const float* b,
                      const std::vector<int64_t>& bShape, float* out) {
  const size_t r = std::max(aShape.size(), bShape.size());
  std::vector<int64_t> ad(r, 1), bd(r, 1);
  std::copy(aShape.begin(), aShape.end(), ad.begin() + (r - aShape.size()));
  std::copy(bShape.begin(), bShape.end(), bd.begin() + (r - bShape.size()));
  // Element strides (0 where broadcast), then merge neighbouring dims that walk memory alike.
  std::vector<int64_t> as(r), bs(r);
  int64_t sa = 1, sb = 1;
  for (size_t i = r; i-- > 0;) {
    as[i] = ad[i] == 1 ? 0 : sa;
    bs[i] = bd[i] == 1 ? 0 : sb;
    sa *= ad[i];
    sb *= bd[i];
  }
  std::vector<int64_t> dims, das, dbs;
  for (size_t i = 0; i < r; i++) {
    const int64_t d = std::max(ad[i], bd[i]);
    if (d == 1) continue;
    if (!dims.empty() && das.back() == as[i] * d && dbs.back() == bs[i] * d) {
      dims.back() *= d;
      das.back() = as[i];
      dbs.back() = bs[i];
    } else {
      dims.push_back(d);
      das.push_back(as[i]);
      dbs.push_back(bs[i]);
    }
  }
  if (dims.empty()) {
    dims = {1};
    das = {0};
    dbs = {0};
  }
  switch (op) {
    case kAdd: return broadcast_loop<kAdd>(a, b, out, dims, das, dbs);
    case kSub: return broadcast_loop<kSub>(a, b, out, dims, das, dbs);
    case kMul: return broadcast_loop<kMul>(a, b, out, dims, das, dbs);
    case kDiv: return broadcast_loop<kDiv>(a, b, out, dims, das, dbs);
    case kMax: return broadcast_loop<kMax>(a, b, out, dims, das, dbs);
    case kMin: return broadcast_loop<kMin>(a, b, out, dims, das, dbs);
    case kSquaredDiff: return broadcast_loop<kSquaredDiff>(a, b, out, dims, das, dbs);
  }
}

void unary(UnaryOp op, const float* x, float* out, int64_t n) {
  switch (op) {
    case kExp: for (int64_t i = 0; i < n; i++) out[i] = exp_approx(x[i]); break;
    case kLog: for (int64_t i = 0; i < n; i++) out[i] = std::log(x[i]); break;
    case kNeg: for (int64_t i = 0; i < n; i++) out[i] = -x[i]; break;
    case kSqrt: for (int64_t i = 0; i < n; i++) out[i] = std::sqrt(x[i]); break;
    case kRsqrt: for (int64_t i = 0; i < n; i++) out[i] = 1.0f / std::sqrt(x[i]); break;
    case kSigmoid: for (int64_t i = 0; i < n; i++) out[i] = 1.0f / (1.0f + exp_approx(-x[i])); break;
    case kSquare: for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i]; break;
    case kReciprocal: for (int64_t i = 0; i < n; i++) out[i] = 1.0f / x[i]; break;
    case kTanh:
      for (int64_t i = 0; i < n; i++) {
        // tanh = 1 - 2/(e^{2x}+1); below |x| < 1e-3 use x·(1 - x²/3) to keep relative accuracy.
        const float v = x[i], t = 1.0f - 2.0f / (exp_approx(2.0f * v) + 1.0f);
        out[i] = std::fabs(v) < 1e-3f ? v * (1.0f - v * v * (1.0f / 3.0f)) : t;
      }
      break;
    case kRelu: for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : (std::isnan(x[i]) ? x[i] : 0.0f); break;
    case kAbs: for (int64_t i = 0; i < n; i++) out[i] = std::fabs(x[i]); break;
  }
}

}  // namespace zs
