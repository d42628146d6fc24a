// Fused scaled-dot-product attention with grouped-query heads and an additive mask, forward and
// backward, as two sgemms per head around a row softmax. The probabilities P are returned by the
// forward pass and reused by the backward pass (B·H·T·S floats: 8 MB for M2, cheap next to
// recomputing them).
#include <cblas.h>
#include <cstring>
#include <vector>
#include "kernels.h"

namespace zs {

namespace {
inline void gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}
}  // namespace

void attention(const float* q, const float* k, const float* v, const float* mask, float* out, float* probs,
               const AttentionDims& d) {
  const int64_t group = d.H / d.Hkv;
  for (int64_t b = 0; b < d.B; b++) {
    const float* mb = mask ? mask + (d.maskBatch == 1 ? 0 : b) * d.T * d.S : nullptr;
    for (int64_t h = 0; h < d.H; h++) {
      const int64_t bh = b * d.H + h, bkv = b * d.Hkv + h / group;
      float* p = probs + bh * d.T * d.S;
      gemm(false, true, int(d.T), int(d.S), int(d.hd), d.scale, q + bh * d.T * d.hd, int(d.hd), k + bkv * d.S * d.hd,
           int(d.hd), 0.0f, p, int(d.S));
      if (mb) {
        for (int64_t i = 0; i < d.T * d.S; i++) p[i] += mb[i];
      }
      softmax_rows(p, p, d.T, d.S);
      gemm(false, false, int(d.T), int(d.hd), int(d.S), 1.0f, p, int(d.S), v + bkv * d.S * d.hd, int(d.hd), 0.0f,
           out + bh * d.T * d.hd, int(d.hd));
    }
  }
}

void attention_grad(const float* q, const float* k, const float* v, const float* probs, const float* dout, float* dq,
                    float* dk, float* dv, const AttentionDims& d) {
  const int64_t group = d.H / d.Hkv;
  std::memset(dk, 0, sizeof(float) * d.B * d.Hkv * d.S * d.hd);
  std::memset(dv, 0, sizeof(float) * d.B * d.Hkv * d.S * d.hd);
  std::vector<float> ds(d.T * d.S);
  for (int64_t b = 0; b < d.B; b++) {
    for (int64_t h = 0; h < d.H; h++) {
      const int64_t bh = b * d.H + h, bkv = b * d.Hkv + h / group;
      const float* p = probs + bh * d.T * d.S;
      const float* go = dout + bh * d.T * d.hd;
      const float* kk = k + bkv * d.S * d.hd;
      const float* vv = v + bkv * d.S * d.hd;
      // dV += Pᵀ·dO ; dP = dO·Vᵀ ; dS = P ⊙ (dP − rowsum(dP ⊙ P)) ; dQ = scale·dS·K ; dK += scale·dSᵀ·Q
      gemm(true, false, int(d.S), int(d.hd), int(d.T), 1.0f, p, int(d.S), go, int(d.hd), 1.0f, dv + bkv * d.S * d.hd,
           int(d.hd));
      gemm(false, true, int(d.T), int(d.S), int(d.hd), 1.0f, go, int(d.hd), vv, int(d.hd), 0.0f, ds.data(), int(d.S));
      for (int64_t t = 0; t < d.T; t++) {
        float* row = ds.data() + t * d.S;
        const float* prow = p + t * d.S;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int64_t s = 0; s < d.S; s++) dot += row[s] * prow[s];
        for (int64_t s = 0; s < d.S; s++) row[s] = prow[s] * (row[s] - dot);
      }
      gemm(false, false, int(d.T), int(d.hd), int(d.S), d.scale, ds.data(), int(d.S), kk, int(d.hd), 0.0f,
           dq + bh * d.T * d.hd, int(d.hd));
      gemm(true, false, int(d.S), int(d.hd), int(d.T), d.scale, ds.data(), int(d.S), q + bh * d.T * d.hd, int(d.hd), 1.0f,
           dk + bkv * d.S * d.hd, int(d.hd));
    }
  }
}

}  // namespace zs
