// Matrix products through OpenBLAS. Transposes are passed as CBLAS flags, never materialised.
#include <cblas.h>
#include "kernels.h"

namespace zs {

void set_blas_threads(int n) { openblas_set_num_threads(n); }
int get_blas_threads() { return openblas_get_num_threads(); }

void batch_matmul(const float* a, const float* b, float* out, int batch, int aBatch, int bBatch,
                  int m, int n, int k, bool transA, bool transB) {
  const int64_t aStride = aBatch == 1 ? 0 : int64_t(m) * k;
  const int64_t bStride = bBatch == 1 ? 0 : int64_t(k) * n;
  const int64_t oStride = int64_t(m) * n;
  const int lda = transA ? m : k;  // row-major: A is [m,k], or [k,m] when transposed
  const int ldb = transB ? k : n;
  // A batch that shares B with a single A row block is one big product: [batch*m, k] · [k, n].
  if (bStride == 0 && !transA && aBatch == batch) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans, batch * m, n, k, 1.0f,
                a, lda, b, ldb, 0.0f, out, n);
    return;
  }
  for (int i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a + i * aStride, lda, b + i * bStride, ldb, 0.0f, out + i * oStride, n);
  }
}

}  // namespace zs
