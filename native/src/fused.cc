// Fused kernels for the transformer's hot spots: each replaces a chain of 4-12 tfjs ops (and their
// gradient chains) with one pass over memory. Math mirrors the composed ops in src/tensor/ops.ts.
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels.h"
#include "vmath.h"

namespace zs {

void rms_norm(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t d, float eps) {
  for (int64_t i = 0; i < rows; i++) {
    const float* xi = x + i * d;
    float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
    for (int64_t j = 0; j < d; j++) ss += xi[j] * xi[j];
    const float r = 1.0f / std::sqrt(ss / float(d) + eps);
    rstd[i] = r;
    float* yi = y + i * d;
    for (int64_t j = 0; j < d; j++) yi[j] = xi[j] * r * w[j];
  }
}

void rms_norm_grad(const float* x, const float* w, const float* rstd, const float* dy, float* dx, float* dw,
                   int64_t rows, int64_t d) {
  std::memset(dw, 0, sizeof(float) * d);
  for (int64_t i = 0; i < rows; i++) {
    const float* xi = x + i * d;
    const float* gi = dy + i * d;
    const float r = rstd[i];
    // dx = r·(g·w − x̂·mean(g·w·x̂)) with x̂ = x·r; dw = Σ_rows g·x̂.
    float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < d; j++) dot += gi[j] * w[j] * xi[j];
    const float c = dot * r * r / float(d);
    float* dxi = dx + i * d;
    for (int64_t j = 0; j < d; j++) {
      dxi[j] = r * (gi[j] * w[j] - xi[j] * c);
      dw[j] += gi[j] * xi[j] * r;
    }
  }
}

void swiglu(const float* gate, const float* up, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = gate[i] / (1.0f + exp_approx(-gate[i])) * up[i];
}

void swiglu_grad(const float* gate, const float* up, const float* dy, float* dgate, float* dup, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float g = gate[i], s = 1.0f / (1.0f + exp_approx(-g));
    dup[i] = dy[i] * g * s;
    dgate[i] = dy[i] * up[i] * s * (1.0f + g * (1.0f - s));
  }
}

int64_t softmax_xent(const float* logits, const int32_t* labels, float* loss, float* probs, int64_t rows, int64_t v) {
  for (int64_t i = 0; i < rows; i++) {
    if (labels[i] < 0 || labels[i] >= v) return i;
  }
  for (int64_t i = 0; i < rows; i++) {
    const float* li = logits + i * v;
    float* pi = probs + i * v;
    float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
    for (int64_t j = 0; j < v; j++) m = li[j] > m ? li[j] : m;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < v; j++) {
      pi[j] = exp_approx(li[j] - m);
      s += pi[j];
    }
    const float inv = 1.0f / s;
    for (int64_t j = 0; j < v; j++) pi[j] *= inv;
    loss[i] = std::log(s) + m - li[labels[i]];
  }
  return -1;
}

void softmax_xent_grad(const float* probs, const int32_t* labels, const float* dloss, float* dlogits, int64_t rows,
                       int64_t v) {
  for (int64_t i = 0; i < rows; i++) {
    const float g = dloss[i];
    const float* pi = probs + i * v;
    float* di = dlogits + i * v;
    for (int64_t j = 0; j < v; j++) di[j] = pi[j] * g;
    di[labels[i]] -= g;
  }
}

void adam_update(float* p, float* m, float* v, const float* g, int64_t n, float lr, float b1, float b2, float eps,
                 float biasCorr1, float biasCorr2) {
  // Same order of operations as tf.train.adam: m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), p −= lr·m̂/(√v̂ + ε).
  const float c1 = 1.0f / biasCorr1, c2 = 1.0f / biasCorr2;
  for (int64_t i = 0; i < n; i++) {
    const float mi = b1 * m[i] + (1.0f - b1) * g[i];
    const float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi * c1) / (std::sqrt(vi * c2) + eps);
  }
}

void rope(const float* x, const float* cos, const float* sin, float* out, int64_t rows, int64_t heads, int64_t hd,
          bool transpose) {
  const int64_t h2 = hd / 2;
  for (int64_t r = 0; r < rows; r++) {
    const float* c = cos + r * hd;
    const float* s = sin + r * hd;
    for (int64_t h = 0; h < heads; h++) {
      const float* xi = x + (r * heads + h) * hd;
      float* oi = out + (r * heads + h) * hd;
      if (!transpose) {  // rotate_half(x) = [−x₂, x₁]
        for (int64_t j = 0; j < h2; j++) oi[j] = xi[j] * c[j] - xi[j + h2] * s[j];
        for (int64_t j = h2; j < hd; j++) oi[j] = xi[j] * c[j] + xi[j - h2] * s[j];
      } else {  // adjoint: dx₁ = g₁·cos₁ + g₂·sin₂, dx₂ = g₂·cos₂ − g₁·sin₁
        for (int64_t j = 0; j < h2; j++) oi[j] = xi[j] * c[j] + xi[j + h2] * s[j + h2];
        for (int64_t j = h2; j < hd; j++) oi[j] = xi[j] * c[j] - xi[j - h2] * s[j - h2];
      }
    }
  }
}

}  // namespace zs
