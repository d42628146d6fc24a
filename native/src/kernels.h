// Plain C++ kernels on raw float32 buffers; addon.cc wraps them for JavaScript.
// Shapes arrive already validated by the TypeScript side (src/tensor/native-backend.ts).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace zs {

// ---- matmul.cc ----
void set_blas_threads(int n);
int get_blas_threads();
// out[b] = op(A[b]) · op(B[b]) for b < batch; a batch of 1 broadcasts (aBatch/bBatch ∈ {1, batch}).
void batch_matmul(const float* a, const float* b, float* out, int batch, int aBatch, int bBatch,
                  int m, int n, int k, bool transA, bool transB);

// ---- elementwise.cc ----
enum BinaryOp { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff };
enum UnaryOp { kExp = 0, kLog, kNeg, kSqrt, kRsqrt, kSigmoid, kSquare, kReciprocal, kTanh, kRelu, kAbs };
// NumPy broadcasting of a (shape aShape) with b (shape bShape) into out (the broadcast shape).
void binary_broadcast(BinaryOp op, const float* a, const std::vector<int64_t>& aShape,
                      const float* b, const std::vector<int64_t>& bShape, float* out);
void unary(UnaryOp op, const float* x, float* out, int64_t n);

// ---- reduce.cc ----
enum ReduceOp { kSum = 0, kMaxR, kMinR, kMean };
// x viewed as [outer, r, inner]; out is [outer, inner].
void reduce(ReduceOp op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner);
void softmax_rows(const float* x, float* out, int64_t rows, int64_t cols);
// Copies 4-byte elements of x (shape) into out with out.shape[i] = shape[perm[i]].
void transpose4(const uint32_t* x, uint32_t* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& perm);
// x viewed as [outer, axisDim, inner]; out is [outer, nIdx, inner]. Returns the first bad index or -1.
int64_t gather4(const uint32_t* x, const int32_t* idx, uint32_t* out, int64_t outer, int64_t axisDim,
                int64_t inner, int64_t nIdx);
// out[numSegments, inner] = Σ rows of x[n, inner] by segment id; out-of-range ids are dropped.
void segment_sum(const float* x, const int32_t* ids, float* out, int64_t n, int64_t inner, int64_t numSegments);

// ---- layout.cc ----
void slice4(const uint32_t* x, uint32_t* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
            const std::vector<int64_t>& size);
void pad4(const uint32_t* x, uint32_t* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& before,
          const std::vector<int64_t>& outShape, uint32_t constant);
void concat4(const std::vector<const uint32_t*>& xs, const std::vector<int64_t>& chunks, uint32_t* out, int64_t outer);

// ---- fused.cc ----
// x [rows, d] · w [d]: y = x·rsqrt(mean(x²)+eps)·w; rstd [rows] is kept for the gradient.
void rms_norm(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t d, float eps);
void rms_norm_grad(const float* x, const float* w, const float* rstd, const float* dy, float* dx, float* dw,
                   int64_t rows, int64_t d);
// y = silu(gate)·up elementwise.
void swiglu(const float* gate, const float* up, float* y, int64_t n);
void swiglu_grad(const float* gate, const float* up, const float* dy, float* dgate, float* dup, int64_t n);
// loss[i] = logsumexp(logits[i]) − logits[i, labels[i]]; probs = softmax(logits). Returns first bad label or -1.
int64_t softmax_xent(const float* logits, const int32_t* labels, float* loss, float* probs, int64_t rows, int64_t v);
void softmax_xent_grad(const float* probs, const int32_t* labels, const float* dloss, float* dlogits, int64_t rows,
                       int64_t v);
// In-place Adam on one parameter; biasCorr1 = 1−β₁ᵗ, biasCorr2 = 1−β₂ᵗ.
void adam_update(float* p, float* m, float* v, const float* g, int64_t n, float lr, float b1, float b2, float eps,
                 float biasCorr1, float biasCorr2);
// x [rows, heads, hd] rotated by RoPE's rotate-half rule with cos/sin [rows, hd]:
// out = x·cos + rotate_half(x)·sin; `transpose` applies the adjoint map (the gradient).
void rope(const float* x, const float* cos, const float* sin, float* out, int64_t rows, int64_t heads, int64_t hd,
          bool transpose);

// ---- attention.cc ----
struct AttentionDims {
  int64_t B, H, Hkv, T, S, hd, maskBatch;  // mask is [maskBatch, T, S] (maskBatch 1 or B), or absent
  float scale;
};
// q [B,H,T,hd], k/v [B,Hkv,S,hd] → out [B,H,T,hd]; probs [B,H,T,S] kept for the gradient.
void attention(const float* q, const float* k, const float* v, const float* mask, float* out, float* probs,
               const AttentionDims& d);
void attention_grad(const float* q, const float* k, const float* v, const float* probs, const float* dout, float* dq,
                    float* dk, float* dv, const AttentionDims& d);
}  // namespace zs
