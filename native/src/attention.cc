// Fused scaled-dot-product attention with grouped-query heads and an additive mask, forward and
// backward, as sgemms per head and row block around a row softmax. The probabilities P are returned by the
// forward pass and reused by the backward pass (B·H·T·S floats: 8 MB for M2, cheap next to
// recomputing them).
#include <cblas.h>
#include <algorithm>
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

// Rows are processed in blocks; a block only computes the key columns up to the last one any of
// its rows may attend to. Past it every probability is exactly 0 (the additive mask is ≤ −1e4, so
// exp underflows), so skipping those columns is exact — and halves the work of a causal mask.
constexpr int64_t kRowBlock = 32;
constexpr float kMaskedBelow = -1e4f;

// Columns block rows [t0, t1) need under this mask; all S if some row has no allowed column
// (such a row is a uniform distribution over every column).
static int64_t mask_columns(const float* mask, int64_t t0, int64_t t1, int64_t S) {
  if (!mask) return S;
  int64_t need = 0;
  for (int64_t t = t0; t < t1; t++) {
    int64_t last = S - 1;
    while (last >= 0 && mask[t * S + last] <= kMaskedBelow) last--;
    if (last < 0) return S;
    need = std::max(need, last + 1);
  }
  return need;
}

// Columns block rows [t0, t1) of P use: one past the last nonzero probability.
static int64_t prob_columns(const float* p, int64_t t0, int64_t t1, int64_t S) {
  int64_t need = 0;
  for (int64_t t = t0; t < t1; t++) {
    int64_t last = S - 1;
    while (last >= need && p[t * S + last] == 0.0f) last--;
    need = std::max(need, last + 1);
  }
  return need;
}

void attention(const float* q, const float* k, const float* v, const float* mask, float* out, float* probs,
               const AttentionDims& d) {
  const int64_t group = d.H / d.Hkv, S = d.S, hd = d.hd;
  std::vector<int64_t> cols((d.T + kRowBlock - 1) / kRowBlock);
  for (int64_t b = 0; b < d.B; b++) {
    const float* mb = mask ? mask + (d.maskBatch == 1 ? 0 : b) * d.T * S : nullptr;
    for (size_t blk = 0; blk < cols.size(); blk++) {
      cols[blk] = mask_columns(mb, blk * kRowBlock, std::min(d.T, int64_t(blk + 1) * kRowBlock), S);
    }
    for (int64_t h = 0; h < d.H; h++) {
      const int64_t bh = b * d.H + h, bkv = b * d.Hkv + h / group;
      const float* kk = k + bkv * S * hd;
      const float* vv = v + bkv * S * hd;
      for (size_t blk = 0; blk < cols.size(); blk++) {
        const int64_t t0 = blk * kRowBlock, t1 = std::min(d.T, t0 + kRowBlock), rows = t1 - t0, n = cols[blk];
        float* p = probs + (bh * d.T + t0) * S;
        gemm(false, true, int(rows), int(n), int(hd), d.scale, q + (bh * d.T + t0) * hd, int(hd), kk, int(hd), 0.0f, p, int(S));
        for (int64_t t = 0; t < rows; t++) {
          float* row = p + t * S;
          if (mb) {
            const float* mrow = mb + (t0 + t) * S;
            for (int64_t s = 0; s < n; s++) row[s] += mrow[s];
          }
          softmax_rows(row, row, 1, n);
          std::memset(row + n, 0, sizeof(float) * (S - n));
        }
        gemm(false, false, int(rows), int(hd), int(n), 1.0f, p, int(S), vv, int(hd), 0.0f, out + (bh * d.T + t0) * hd, int(hd));
      }
    }
  }
}

void attention_grad(const float* q, const float* k, const float* v, const float* probs, const float* dout, float* dq,
                    float* dk, float* dv, const AttentionDims& d) {
  const int64_t group = d.H / d.Hkv, S = d.S, hd = d.hd;
  std::memset(dk, 0, sizeof(float) * d.B * d.Hkv * S * hd);
  std::memset(dv, 0, sizeof(float) * d.B * d.Hkv * S * hd);
  std::vector<float> ds(kRowBlock * S);
  for (int64_t b = 0; b < d.B; b++) {
    for (int64_t h = 0; h < d.H; h++) {
      const int64_t bh = b * d.H + h, bkv = b * d.Hkv + h / group;
      const float* kk = k + bkv * S * hd;
      const float* vv = v + bkv * S * hd;
      for (int64_t t0 = 0; t0 < d.T; t0 += kRowBlock) {
        const int64_t rows = std::min(kRowBlock, d.T - t0);
        const float* p = probs + (bh * d.T + t0) * S;
        const float* go = dout + (bh * d.T + t0) * hd;
        const float* qq = q + (bh * d.T + t0) * hd;
        const int64_t n = prob_columns(p, 0, rows, S);
        if (n == 0) {
          std::memset(dq + (bh * d.T + t0) * hd, 0, sizeof(float) * rows * hd);
          continue;
        }
        // dV += Pᵀ·dO ; dP = dO·Vᵀ ; dS = P ⊙ (dP − rowsum(dP ⊙ P)) ; dQ = scale·dS·K ; dK += scale·dSᵀ·Q
        gemm(true, false, int(n), int(hd), int(rows), 1.0f, p, int(S), go, int(hd), 1.0f, dv + bkv * S * hd, int(hd));
        gemm(false, true, int(rows), int(n), int(hd), 1.0f, go, int(hd), vv, int(hd), 0.0f, ds.data(), int(n));
        for (int64_t t = 0; t < rows; t++) {
          float* row = ds.data() + t * n;
          const float* prow = p + t * S;
          float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
          for (int64_t s = 0; s < n; s++) dot += row[s] * prow[s];
          for (int64_t s = 0; s < n; s++) row[s] = prow[s] * (row[s] - dot);
        }
        gemm(false, false, int(rows), int(hd), int(n), d.scale, ds.data(), int(n), kk, int(hd), 0.0f, dq + (bh * d.T + t0) * hd, int(hd));
        gemm(true, false, int(n), int(hd), int(rows), d.scale, ds.data(), int(n), qq, int(hd), 1.0f, dk + bkv * S * hd, int(hd));
      }
    }
  }
}

}  // namespace zs
