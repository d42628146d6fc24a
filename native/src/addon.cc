// N-API surface of the kernels. Every function takes JavaScript TypedArrays (read and written in
// place, zero-copy) plus plain numbers; output buffers are allocated by the caller in JavaScript.
// Sizes are checked here as well as in TypeScript, because a wrong size would corrupt memory.
#include <napi.h>
#include <cblas.h>
#include "kernels.h"

namespace {

struct Buf {
  void* data;
  size_t length;  // elements
};

Buf buf(const Napi::Value& v) {
  auto ta = v.As<Napi::TypedArray>();
  auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  return {base, ta.ElementLength()};
}
float* f32(const Napi::Value& v) { return static_cast<float*>(buf(v).data); }
int32_t* i32(const Napi::Value& v) { return static_cast<int32_t*>(buf(v).data); }
int64_t num(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
float flt(const Napi::Value& v) { return v.As<Napi::Number>().FloatValue(); }
size_t len(const Napi::Value& v) { return buf(v).length; }

std::vector<int64_t> shape(const Napi::Value& v) {
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> s(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) s[i] = arr.Get(i).As<Napi::Number>().Int64Value();
  return s;
}
int64_t product(const std::vector<int64_t>& s) {
  int64_t p = 1;
  for (auto d : s) p *= d;
  return p;
}

// Returns false (with a pending JS exception) when a buffer is smaller than the kernel will touch.
bool need(const Napi::CallbackInfo& info, bool ok, const char* what) {
  if (!ok) Napi::RangeError::New(info.Env(), std::string("zs_native: buffer too small for ") + what).ThrowAsJavaScriptException();
  return ok;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  zs::set_blas_threads(int(num(info[0])));
  return info.Env().Undefined();
}
Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), zs::get_blas_threads()); }
Napi::Value BlasConfig(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), openblas_get_config()); }

// matmul(a, b, out, batch, aBatch, bBatch, m, n, k, transA, transB)
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const int64_t batch = num(info[3]), aB = num(info[4]), bB = num(info[5]), m = num(info[6]), n = num(info[7]), k = num(info[8]);
  if (!need(info, int64_t(len(info[0])) >= aB * m * k && int64_t(len(info[1])) >= bB * k * n &&
                      int64_t(len(info[2])) >= batch * m * n, "matmul")) return info.Env().Undefined();
  zs::batch_matmul(f32(info[0]), f32(info[1]), f32(info[2]), int(batch), int(aB), int(bB), int(m), int(n), int(k),
                   info[9].As<Napi::Boolean>(), info[10].As<Napi::Boolean>());
  return info.Env().Undefined();
}

// binary(op, a, aShape, b, bShape, out, outSize)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto as = shape(info[2]), bs = shape(info[4]);
  if (!need(info, int64_t(len(info[1])) >= product(as) && int64_t(len(info[3])) >= product(bs) &&
                      int64_t(len(info[5])) >= num(info[6]), "binary")) return info.Env().Undefined();
  zs::binary_broadcast(zs::BinaryOp(num(info[0])), f32(info[1]), as, f32(info[3]), bs, f32(info[5]));
  return info.Env().Undefined();
}

// unary(op, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  if (!need(info, len(info[2]) >= len(info[1]), "unary")) return info.Env().Undefined();
  zs::unary(zs::UnaryOp(num(info[0])), f32(info[1]), f32(info[2]), int64_t(len(info[1])));
  return info.Env().Undefined();
}

// reduce(op, x, out, outer, r, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const int64_t outer = num(info[3]), r = num(info[4]), inner = num(info[5]);
  if (!need(info, int64_t(len(info[1])) >= outer * r * inner && int64_t(len(info[2])) >= outer * inner, "reduce"))
    return info.Env().Undefined();
  zs::reduce(zs::ReduceOp(num(info[0])), f32(info[1]), f32(info[2]), outer, r, inner);
  return info.Env().Undefined();
}

// softmax(x, out, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info[2]), cols = num(info[3]);
  if (!need(info, int64_t(len(info[0])) >= rows * cols && int64_t(len(info[1])) >= rows * cols, "softmax"))
    return info.Env().Undefined();
  zs::softmax_rows(f32(info[0]), f32(info[1]), rows, cols);
  return info.Env().Undefined();
}

// transpose(x, out, shape, perm) — any 4-byte element type
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  auto s = shape(info[2]), p = shape(info[3]);
  if (!need(info, int64_t(len(info[0])) >= product(s) && int64_t(len(info[1])) >= product(s) && s.size() == p.size() && !s.empty(),
            "transpose")) return info.Env().Undefined();
  zs::transpose4(static_cast<uint32_t*>(buf(info[0]).data), static_cast<uint32_t*>(buf(info[1]).data), s, p);
  return info.Env().Undefined();
}

// gather(x, indices, out, outer, axisDim, inner) → index position of the first out-of-range index, or -1
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const int64_t outer = num(info[3]), axisDim = num(info[4]), inner = num(info[5]), nIdx = int64_t(len(info[1]));
  if (!need(info, int64_t(len(info[0])) >= outer * axisDim * inner && int64_t(len(info[2])) >= outer * nIdx * inner, "gather"))
    return info.Env().Undefined();
  auto bad = zs::gather4(static_cast<uint32_t*>(buf(info[0]).data), i32(info[1]), static_cast<uint32_t*>(buf(info[2]).data),
                         outer, axisDim, inner, nIdx);
  return Napi::Number::New(info.Env(), double(bad));
}

// segmentSum(x, ids, out, inner, numSegments)
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  const int64_t n = int64_t(len(info[1])), inner = num(info[3]), segs = num(info[4]);
  if (!need(info, int64_t(len(info[0])) >= n * inner && int64_t(len(info[2])) >= segs * inner, "segmentSum"))
    return info.Env().Undefined();
  zs::segment_sum(f32(info[0]), i32(info[1]), f32(info[2]), n, inner, segs);
  return info.Env().Undefined();
}

uint32_t* u32(const Napi::Value& v) { return static_cast<uint32_t*>(buf(v).data); }

// slice(x, out, shape, begin, size)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  auto s = shape(info[2]), b = shape(info[3]), z = shape(info[4]);
  bool ok = !s.empty() && s.size() == b.size() && s.size() == z.size() && int64_t(len(info[0])) >= product(s) &&
            int64_t(len(info[1])) >= product(z);
  for (size_t i = 0; ok && i < s.size(); i++) ok = b[i] >= 0 && z[i] >= 0 && b[i] + z[i] <= s[i];
  if (!need(info, ok, "slice") || product(z) == 0) return info.Env().Undefined();
  zs::slice4(u32(info[0]), u32(info[1]), s, b, z);
  return info.Env().Undefined();
}

// pad(x, out, shape, before, outShape, constantBits)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  auto s = shape(info[2]), b = shape(info[3]), o = shape(info[4]);
  bool ok = !s.empty() && s.size() == b.size() && s.size() == o.size() && int64_t(len(info[0])) >= product(s) &&
            int64_t(len(info[1])) >= product(o);
  for (size_t i = 0; ok && i < s.size(); i++) ok = b[i] >= 0 && b[i] + s[i] <= o[i];
  if (!need(info, ok, "pad")) return info.Env().Undefined();
  zs::pad4(u32(info[0]), u32(info[1]), s, b, o, uint32_t(info[5].As<Napi::Number>().Uint32Value()));
  return info.Env().Undefined();
}

// concat(xs[], chunks[], out, outer)
Napi::Value Concat(const Napi::CallbackInfo& info) {
  auto arr = info[0].As<Napi::Array>();
  auto chunks = shape(info[1]);
  const int64_t outer = num(info[3]);
  std::vector<const uint32_t*> xs(arr.Length());
  bool ok = chunks.size() == arr.Length();
  int64_t row = 0;
  for (uint32_t i = 0; ok && i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    ok = int64_t(len(v)) >= outer * chunks[i];
    xs[i] = u32(v);
    row += chunks[i];
  }
  if (!need(info, ok && int64_t(len(info[2])) >= outer * row, "concat")) return info.Env().Undefined();
  zs::concat4(xs, chunks, u32(info[2]), outer);
  return info.Env().Undefined();
}

// rmsNorm(x, w, y, rstd, eps)
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  const int64_t d = int64_t(len(info[1])), rows = int64_t(len(info[3]));
  if (!need(info, int64_t(len(info[0])) == rows * d && int64_t(len(info[2])) == rows * d, "rmsNorm")) return info.Env().Undefined();
  zs::rms_norm(f32(info[0]), f32(info[1]), f32(info[2]), f32(info[3]), rows, d, flt(info[4]));
  return info.Env().Undefined();
}

// rmsNormGrad(x, w, rstd, dy, dx, dw)
Napi::Value RmsNormGrad(const Napi::CallbackInfo& info) {
  const int64_t d = int64_t(len(info[1])), rows = int64_t(len(info[2]));
  if (!need(info, int64_t(len(info[0])) == rows * d && int64_t(len(info[3])) == rows * d && int64_t(len(info[4])) == rows * d &&
                      int64_t(len(info[5])) == d, "rmsNormGrad")) return info.Env().Undefined();
  zs::rms_norm_grad(f32(info[0]), f32(info[1]), f32(info[2]), f32(info[3]), f32(info[4]), f32(info[5]), rows, d);
  return info.Env().Undefined();
}

// swiglu(gate, up, y)
Napi::Value Swiglu(const Napi::CallbackInfo& info) {
  const size_t n = len(info[0]);
  if (!need(info, len(info[1]) == n && len(info[2]) == n, "swiglu")) return info.Env().Undefined();
  zs::swiglu(f32(info[0]), f32(info[1]), f32(info[2]), int64_t(n));
  return info.Env().Undefined();
}

// swigluGrad(gate, up, dy, dgate, dup)
Napi::Value SwigluGrad(const Napi::CallbackInfo& info) {
  const size_t n = len(info[0]);
  if (!need(info, len(info[1]) == n && len(info[2]) == n && len(info[3]) == n && len(info[4]) == n, "swigluGrad"))
    return info.Env().Undefined();
  zs::swiglu_grad(f32(info[0]), f32(info[1]), f32(info[2]), f32(info[3]), f32(info[4]), int64_t(n));
  return info.Env().Undefined();
}

// softmaxXent(logits, labels, loss, probs) → first row with an out-of-range label, or -1
Napi::Value SoftmaxXent(const Napi::CallbackInfo& info) {
  const int64_t rows = int64_t(len(info[1])), total = int64_t(len(info[0]));
  if (!need(info, rows > 0 && total % rows == 0 && int64_t(len(info[2])) == rows && int64_t(len(info[3])) == total, "softmaxXent"))
    return info.Env().Undefined();
  auto bad = zs::softmax_xent(f32(info[0]), i32(info[1]), f32(info[2]), f32(info[3]), rows, total / rows);
  return Napi::Number::New(info.Env(), double(bad));
}

// softmaxXentGrad(probs, labels, dloss, dlogits)
Napi::Value SoftmaxXentGrad(const Napi::CallbackInfo& info) {
  const int64_t rows = int64_t(len(info[1])), total = int64_t(len(info[0]));
  if (!need(info, rows > 0 && total % rows == 0 && int64_t(len(info[2])) == rows && int64_t(len(info[3])) == total, "softmaxXentGrad"))
    return info.Env().Undefined();
  zs::softmax_xent_grad(f32(info[0]), i32(info[1]), f32(info[2]), f32(info[3]), rows, total / rows);
  return info.Env().Undefined();
}

// adam(p, m, v, g, lr, beta1, beta2, eps, biasCorr1, biasCorr2) — updates p, m, v in place
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const size_t n = len(info[0]);
  if (!need(info, len(info[1]) == n && len(info[2]) == n && len(info[3]) == n, "adam")) return info.Env().Undefined();
  zs::adam_update(f32(info[0]), f32(info[1]), f32(info[2]), f32(info[3]), int64_t(n), flt(info[4]), flt(info[5]), flt(info[6]),
                  flt(info[7]), flt(info[8]), flt(info[9]));
  return info.Env().Undefined();
}

// rope(x, cos, sin, out, rows, heads, hd, transpose)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info[4]), heads = num(info[5]), hd = num(info[6]);
  if (!need(info, hd % 2 == 0 && int64_t(len(info[0])) == rows * heads * hd && int64_t(len(info[3])) == rows * heads * hd &&
                      int64_t(len(info[1])) == rows * hd && int64_t(len(info[2])) == rows * hd, "rope"))
    return info.Env().Undefined();
  zs::rope(f32(info[0]), f32(info[1]), f32(info[2]), f32(info[3]), rows, heads, hd, info[7].As<Napi::Boolean>());
  return info.Env().Undefined();
}

zs::AttentionDims attentionDims(const Napi::Value& v) {
  auto o = v.As<Napi::Object>();
  auto n = [&](const char* key) { return o.Get(key).As<Napi::Number>().Int64Value(); };
  return {n("B"), n("H"), n("Hkv"), n("T"), n("S"), n("hd"), n("maskBatch"), o.Get("scale").As<Napi::Number>().FloatValue()};
}

bool attentionSizesOk(const zs::AttentionDims& d, size_t q, size_t k, size_t v) {
  return d.Hkv > 0 && d.H % d.Hkv == 0 && int64_t(q) == d.B * d.H * d.T * d.hd && int64_t(k) == d.B * d.Hkv * d.S * d.hd &&
         int64_t(v) == int64_t(k);
}

// attention(q, k, v, mask|null, out, probs, dims)
Napi::Value Attention(const Napi::CallbackInfo& info) {
  auto d = attentionDims(info[6]);
  const bool hasMask = !info[3].IsNull();
  bool ok = attentionSizesOk(d, len(info[0]), len(info[1]), len(info[2])) && int64_t(len(info[4])) == d.B * d.H * d.T * d.hd &&
            int64_t(len(info[5])) == d.B * d.H * d.T * d.S;
  if (hasMask) ok = ok && (d.maskBatch == 1 || d.maskBatch == d.B) && int64_t(len(info[3])) == d.maskBatch * d.T * d.S;
  if (!need(info, ok, "attention")) return info.Env().Undefined();
  zs::attention(f32(info[0]), f32(info[1]), f32(info[2]), hasMask ? f32(info[3]) : nullptr, f32(info[4]), f32(info[5]), d);
  return info.Env().Undefined();
}

// attentionGrad(q, k, v, probs, dout, dq, dk, dv, dims)
Napi::Value AttentionGrad(const Napi::CallbackInfo& info) {
  auto d = attentionDims(info[8]);
  const bool ok = attentionSizesOk(d, len(info[0]), len(info[1]), len(info[2])) && int64_t(len(info[3])) == d.B * d.H * d.T * d.S &&
                  len(info[4]) == len(info[0]) && len(info[5]) == len(info[0]) && len(info[6]) == len(info[1]) &&
                  len(info[7]) == len(info[1]);
  if (!need(info, ok, "attentionGrad")) return info.Env().Undefined();
  zs::attention_grad(f32(info[0]), f32(info[1]), f32(info[2]), f32(info[3]), f32(info[4]), f32(info[5]), f32(info[6]),
                     f32(info[7]), d);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Function::Callback> fns[] = {
      {"setThreads", SetThreads}, {"getThreads", GetThreads}, {"blasConfig", BlasConfig}, {"matmul", MatMul},
      {"binary", Binary}, {"unary", Unary}, {"reduce", Reduce}, {"softmax", Softmax}, {"transpose", Transpose},
      {"gather", Gather}, {"segmentSum", SegmentSum}, {"rmsNorm", RmsNorm}, {"rmsNormGrad", RmsNormGrad},
      {"swiglu", Swiglu}, {"swigluGrad", SwigluGrad}, {"softmaxXent", SoftmaxXent}, {"softmaxXentGrad", SoftmaxXentGrad},
      {"adam", Adam}, {"slice", Slice}, {"pad", Pad}, {"concat", Concat},
      {"rope", Rope}, {"attention", Attention}, {"attentionGrad", AttentionGrad},
  };
  for (const auto& [name, fn] : fns) exports.Set(name, Napi::Function::New(env, fn, name));
  return exports;
}

}  // namespace

NODE_API_MODULE(zs_native, Init)
