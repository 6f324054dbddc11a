// Fused element-wise kernels for training finite networks (src/nn/layers.ts): activations,
// BatchNorm1d forward/backward (training mode), inverted-dropout masks drawn from the Threefry-2x32
// stream of src/engine/random.ts, bias add, column sums and the element-wise product.
//
// Every kernel works on Float32Array or Float64Array arguments (all float arguments of one call
// share the dtype, except the per-feature statistics, which are always Float64Array) in place.
// Sizes are checked before anything is read or written. The semantics are those of the JS fallbacks
// in layers.ts; the dropout masks are bit-identical to them.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

// Element-wise selects (x >= 0 ? a : b) only vectorise when the compiler may evaluate both sides,
// which IEEE trapping semantics forbid; nothing here relies on floating-point traps.
#pragma GCC optimize("no-trapping-math")

// The compute cores are compiled twice (AVX2 and baseline x86-64) and the loader picks the clone the
// CPU supports (GCC function multi-versioning), so the addon stays portable.
#define FL_CLONES __attribute__((target_clones("avx2", "default")))

namespace featurelab {
namespace {

// ---------------------------------------------------------------------------------------------
// Argument helpers

bool IsF32(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsTypedArray() &&
         info[i].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

template <typename T>
ArrayArg<T> Arr(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t need) {
  auto a = ArgArray<T>(info, i, fn, name);
  CheckVector(info.Env(), fn, name, a, need);
  return a;
}

/** An optional array argument: null/undefined gives {nullptr, 0}. */
template <typename T>
ArrayArg<T> OptArr(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t need) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return ArrayArg<T>{nullptr, 0};
  return Arr<T>(info, i, fn, name, need);
}

int64_t Len(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return ArgDim(info, i, fn, name);
}

// ---------------------------------------------------------------------------------------------
// Activations: code 0 linear, 1 relu, 2 leaky-relu (slope), 3 tanh, 4 abs.

template <typename T>
FL_CLONES void ActForward(int code, T slope, const T* x, T* y, int64_t len) {
  switch (code) {
    case 0:
      for (int64_t i = 0; i < len; i++) y[i] = x[i];
      break;
    case 1:
      for (int64_t i = 0; i < len; i++) y[i] = std::max(x[i], T(0));
      break;
    case 2:
      for (int64_t i = 0; i < len; i++) y[i] = x[i] >= T(0) ? x[i] : slope * x[i];
      break;
    case 3:
      for (int64_t i = 0; i < len; i++) y[i] = std::tanh(x[i]);
      break;
    case 4:
      for (int64_t i = 0; i < len; i++) y[i] = std::fabs(x[i]);
      break;
  }
}

template <typename T>
FL_CLONES void ActBackward(int code, T slope, const T* x, const T* y, const T* dy, T* dx, int64_t len) {
  switch (code) {
    case 0:
      for (int64_t i = 0; i < len; i++) dx[i] = dy[i];
      break;
    case 1:
      for (int64_t i = 0; i < len; i++) dx[i] = x[i] >= T(0) ? dy[i] : T(0);
      break;
    case 2:
      for (int64_t i = 0; i < len; i++) dx[i] = x[i] >= T(0) ? dy[i] : slope * dy[i];
      break;
    case 3:
      for (int64_t i = 0; i < len; i++) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
      break;
    case 4:
      for (int64_t i = 0; i < len; i++) dx[i] = x[i] >= T(0) ? dy[i] : -dy[i];
      break;
  }
}

int ActCode(const Napi::CallbackInfo& info, const char* fn) {
  int code = ArgDim(info, 0, fn, "code");
  if (code > 4) ThrowRange(info.Env(), std::string(fn) + ": unknown activation code " + std::to_string(code));
  return code;
}

template <typename T>
void TrActForwardT(const Napi::CallbackInfo& info) {
  const char* fn = "trActForward";
  int code = ActCode(info, fn);
  double slope = ArgNum(info, 1, fn, "slope");
  int64_t len = Len(info, 4, fn, "len");
  auto x = Arr<T>(info, 2, fn, "x", len);
  auto y = Arr<T>(info, 3, fn, "y", len);
  ActForward<T>(code, static_cast<T>(slope), x.data, y.data, len);
}

template <typename T>
void TrActBackwardT(const Napi::CallbackInfo& info) {
  const char* fn = "trActBackward";
  int code = ActCode(info, fn);
  double slope = ArgNum(info, 1, fn, "slope");
  int64_t len = Len(info, 6, fn, "len");
  auto x = Arr<T>(info, 2, fn, "x", len);
  auto y = Arr<T>(info, 3, fn, "y", len);
  auto dy = Arr<T>(info, 4, fn, "dy", len);
  auto dx = Arr<T>(info, 5, fn, "dx", len);
  ActBackward<T>(code, static_cast<T>(slope), x.data, y.data, dy.data, dx.data, len);
}

Napi::Value TrActForward(const Napi::CallbackInfo& info) {
  if (IsF32(info, 2)) TrActForwardT<float>(info);
  else TrActForwardT<double>(info);
  return info.Env().Undefined();
}
Napi::Value TrActBackward(const Napi::CallbackInfo& info) {
  if (IsF32(info, 2)) TrActBackwardT<float>(info);
  else TrActBackwardT<double>(info);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// BatchNorm1d, training mode. Statistics are accumulated in double.

template <typename T>
FL_CLONES void BnForwardCore(const T* X, int64_t n, int64_t f, double eps, const T* gamma, const T* beta, double* mu, double* is,
                             T* XH, T* Y) {
  for (int64_t j = 0; j < f; j++) mu[j] = 0, is[j] = 0;
  for (int64_t i = 0; i < n; i++) {
    const T* r = X + i * f;
    for (int64_t j = 0; j < f; j++) mu[j] += r[j];
  }
  for (int64_t j = 0; j < f; j++) mu[j] /= static_cast<double>(n);
  for (int64_t i = 0; i < n; i++) {
    const T* r = X + i * f;
    for (int64_t j = 0; j < f; j++) {
      double d = r[j] - mu[j];
      is[j] += d * d;
    }
  }
  for (int64_t j = 0; j < f; j++) is[j] = 1.0 / std::sqrt(is[j] / static_cast<double>(n) + eps);
  // Per-feature affine map in T precision: xhat = (x − μ)·s, y = γ·xhat + β.
  std::vector<T> m(f), s(f), g(f), b(f);
  for (int64_t j = 0; j < f; j++) {
    m[j] = static_cast<T>(mu[j]);
    s[j] = static_cast<T>(is[j]);
    g[j] = gamma ? gamma[j] : T(1);
    b[j] = beta ? beta[j] : T(0);
  }
  const T* M = m.data();
  const T* S = s.data();
  const T* G = g.data();
  const T* B = b.data();
  for (int64_t i = 0; i < n; i++) {
    const T* r = X + i * f;
    T* h = XH + i * f;
    T* o = Y + i * f;
    for (int64_t j = 0; j < f; j++) {
      T v = (r[j] - M[j]) * S[j];
      h[j] = v;
      o[j] = G[j] * v + B[j];
    }
  }
}

// trBnForward(x, n, f, eps, gamma|null, beta|null, mean(f64), invstd(f64), xhat, y)
template <typename T>
void TrBnForwardT(const Napi::CallbackInfo& info) {
  const char* fn = "trBnForward";
  int64_t n = ArgDim(info, 1, fn, "n");
  int64_t f = ArgDim(info, 2, fn, "f");
  double eps = ArgNum(info, 3, fn, "eps");
  auto x = Arr<T>(info, 0, fn, "x", n * f);
  auto gamma = OptArr<T>(info, 4, fn, "gamma", f);
  auto beta = OptArr<T>(info, 5, fn, "beta", f);
  auto mean = Arr<double>(info, 6, fn, "mean", f);
  auto invstd = Arr<double>(info, 7, fn, "invstd", f);
  auto xhat = Arr<T>(info, 8, fn, "xhat", n * f);
  auto y = Arr<T>(info, 9, fn, "y", n * f);
  if (n == 0 || f == 0) return;
  BnForwardCore<T>(x.data, n, f, eps, gamma.data, beta.data, mean.data, invstd.data, xhat.data, y.data);
}

template <typename T>
FL_CLONES void BnBackwardCore(const T* DY, const T* XH, int64_t n, int64_t f, const T* gamma, const double* invstd, T* dgamma,
                              T* dbeta, T* DX) {
  std::vector<double> sdy(f, 0.0), sdyx(f, 0.0);
  double* A = sdy.data();
  double* C = sdyx.data();
  for (int64_t i = 0; i < n; i++) {
    const T* g = DY + i * f;
    const T* h = XH + i * f;
    for (int64_t j = 0; j < f; j++) {
      A[j] += g[j];
      C[j] += static_cast<double>(g[j]) * h[j];
    }
  }
  if (dgamma)
    for (int64_t j = 0; j < f; j++) dgamma[j] = static_cast<T>(C[j]);
  if (dbeta)
    for (int64_t j = 0; j < f; j++) dbeta[j] = static_cast<T>(A[j]);
  if (!DX) return;
  std::vector<T> a(f), b(f), c(f);
  for (int64_t j = 0; j < f; j++) {
    double aj = (gamma ? gamma[j] : 1.0) * invstd[j];
    a[j] = static_cast<T>(aj);
    b[j] = static_cast<T>(aj * A[j] / static_cast<double>(n));
    c[j] = static_cast<T>(aj * C[j] / static_cast<double>(n));
  }
  const T* pa = a.data();
  const T* pb = b.data();
  const T* pc = c.data();
  for (int64_t i = 0; i < n; i++) {
    const T* g = DY + i * f;
    const T* h = XH + i * f;
    T* o = DX + i * f;
    for (int64_t j = 0; j < f; j++) o[j] = pa[j] * g[j] - pb[j] - pc[j] * h[j];
  }
}

// trBnBackward(dy, xhat, n, f, gamma|null, invstd(f64), dgamma|null, dbeta|null, dx|null)
template <typename T>
void TrBnBackwardT(const Napi::CallbackInfo& info) {
  const char* fn = "trBnBackward";
  int64_t n = ArgDim(info, 2, fn, "n");
  int64_t f = ArgDim(info, 3, fn, "f");
  auto dy = Arr<T>(info, 0, fn, "dy", n * f);
  auto xhat = Arr<T>(info, 1, fn, "xhat", n * f);
  auto gamma = OptArr<T>(info, 4, fn, "gamma", f);
  auto invstd = Arr<double>(info, 5, fn, "invstd", f);
  auto dgamma = OptArr<T>(info, 6, fn, "dgamma", f);
  auto dbeta = OptArr<T>(info, 7, fn, "dbeta", f);
  auto dx = OptArr<T>(info, 8, fn, "dx", n * f);
  if (n == 0 || f == 0) return;
  BnBackwardCore<T>(dy.data, xhat.data, n, f, gamma.data, invstd.data, dgamma.data, dbeta.data, dx.data);
}

Napi::Value TrBnForward(const Napi::CallbackInfo& info) {
  if (IsF32(info, 0)) TrBnForwardT<float>(info);
  else TrBnForwardT<double>(info);
  return info.Env().Undefined();
}
Napi::Value TrBnBackward(const Napi::CallbackInfo& info) {
  if (IsF32(info, 0)) TrBnBackwardT<float>(info);
  else TrBnBackwardT<double>(info);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// Dropout mask: Threefry-2x32-20 (random.ts stream spec), word i of bits(key) → u_i = (w >> 8)·2⁻²⁴,
// mask_i = 1/(1 − p) if u_i ≥ p else 0.

inline uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

inline void Tf(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t& o0, uint32_t& o1) {
  static const int R[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  const uint32_t ks[3] = {k0, k1, 0x1BD11BDAu ^ k0 ^ k1};
  uint32_t x0 = c0 + ks[0];
  uint32_t x1 = c1 + ks[1];
  for (int r = 0; r < 20; r++) {
    x0 += x1;
    x1 = Rotl(x1, R[r % 8]);
    x1 ^= x0;
    if (r % 4 == 3) {
      uint32_t s = static_cast<uint32_t>((r + 1) / 4);
      x0 += ks[s % 3];
      x1 += ks[(s + 1) % 3] + s;
    }
  }
  o0 = x0;
  o1 = x1;
}

uint32_t KeyWord(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  double v = ArgNum(info, i, fn, name);
  if (!(v >= 0) || v > 4294967295.0 || std::floor(v) != v)
    ThrowRange(info.Env(), std::string(fn) + ": " + name + " must be a uint32 key word");
  return static_cast<uint32_t>(v);
}

// Threefry on kLanes consecutive counters (c0 … c0 + kLanes − 1, high word 0) at once, written in
// structure-of-arrays form so the compiler vectorises it (an AVX2 clone is selected at load time where
// the CPU has it). out[2l] = x0 and out[2l + 1] = x1 of counter c0 + l: the word order of bits(key).
constexpr int kLanes = 16;
#define FL_TF_ROUND(r)                 \
  for (int l = 0; l < kLanes; l++) {   \
    x0[l] += x1[l];                    \
    x1[l] = (x1[l] << r) | (x1[l] >> (32 - r)); \
    x1[l] ^= x0[l];                    \
  }
#define FL_TF_INJECT(a, b, s)          \
  for (int l = 0; l < kLanes; l++) {   \
    x0[l] += a;                        \
    x1[l] += b + s;                    \
  }

FL_CLONES void TfBlock(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t* out) {
  const uint32_t k2 = 0x1BD11BDAu ^ k0 ^ k1;
  uint32_t x0[kLanes], x1[kLanes];
  for (int l = 0; l < kLanes; l++) {
    x0[l] = c0 + static_cast<uint32_t>(l) + k0;
    x1[l] = k1;
  }
  FL_TF_ROUND(13) FL_TF_ROUND(15) FL_TF_ROUND(26) FL_TF_ROUND(6) FL_TF_INJECT(k1, k2, 1u)
  FL_TF_ROUND(17) FL_TF_ROUND(29) FL_TF_ROUND(16) FL_TF_ROUND(24) FL_TF_INJECT(k2, k0, 2u)
  FL_TF_ROUND(13) FL_TF_ROUND(15) FL_TF_ROUND(26) FL_TF_ROUND(6) FL_TF_INJECT(k0, k1, 3u)
  FL_TF_ROUND(17) FL_TF_ROUND(29) FL_TF_ROUND(16) FL_TF_ROUND(24) FL_TF_INJECT(k1, k2, 4u)
  FL_TF_ROUND(13) FL_TF_ROUND(15) FL_TF_ROUND(26) FL_TF_ROUND(6) FL_TF_INJECT(k2, k0, 5u)
  for (int l = 0; l < kLanes; l++) {
    out[2 * l] = x0[l];
    out[2 * l + 1] = x1[l];
  }
}
#undef FL_TF_ROUND
#undef FL_TF_INJECT

// Inverted dropout: mask_i = 1/(1 − p) if u_i ≥ p else 0 with u_i = (w_i >> 8)·2⁻²⁴ the 24-bit uniforms
// of bits(key); y = x ⊙ mask (when x and y are given). u_i ≥ p ⟺ (w_i >> 8) ≥ ⌈p·2²⁴⌉ (exact).
template <typename T>
FL_CLONES void DropoutCore(uint32_t k0, uint32_t k1, double p, const T* x, T* M, T* y, int64_t len) {
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  const uint32_t thr = static_cast<uint32_t>(std::ceil(p * 16777216.0));
  uint32_t words[2 * kLanes];
  int64_t i = 0;
  uint32_t j = 0;
  for (; i + 2 * kLanes <= len; i += 2 * kLanes, j += kLanes) {
    TfBlock(k0, k1, j, words);
    T* m = M + i;
    for (int w = 0; w < 2 * kLanes; w++) m[w] = (words[w] >> 8) >= thr ? keep : T(0);
    if (x)
      for (int w = 0; w < 2 * kLanes; w++) y[i + w] = x[i + w] * m[w];
  }
  uint32_t a, b;
  for (; i < len; j++, i += 2) {
    Tf(k0, k1, j, 0u, a, b);
    M[i] = (a >> 8) >= thr ? keep : T(0);
    if (x) y[i] = x[i] * M[i];
    if (i + 1 < len) {
      M[i + 1] = (b >> 8) >= thr ? keep : T(0);
      if (x) y[i + 1] = x[i + 1] * M[i + 1];
    }
  }
}

// trDropoutMask(k0, k1, p, mask, len)
template <typename T>
void TrDropoutMaskT(const Napi::CallbackInfo& info) {
  const char* fn = "trDropoutMask";
  uint32_t k0 = KeyWord(info, 0, fn, "k0");
  uint32_t k1 = KeyWord(info, 1, fn, "k1");
  double p = ArgNum(info, 2, fn, "p");
  if (!(p >= 0 && p < 1)) ThrowRange(info.Env(), std::string(fn) + ": p must be in [0, 1)");
  int64_t len = Len(info, 4, fn, "len");
  auto mask = Arr<T>(info, 3, fn, "mask", len);
  DropoutCore<T>(k0, k1, p, nullptr, mask.data, nullptr, len);
}

// trDropoutForward(k0, k1, p, x, mask, y, len): the mask and y = x ⊙ mask in one pass
template <typename T>
void TrDropoutForwardT(const Napi::CallbackInfo& info) {
  const char* fn = "trDropoutForward";
  uint32_t k0 = KeyWord(info, 0, fn, "k0");
  uint32_t k1 = KeyWord(info, 1, fn, "k1");
  double p = ArgNum(info, 2, fn, "p");
  if (!(p >= 0 && p < 1)) ThrowRange(info.Env(), std::string(fn) + ": p must be in [0, 1)");
  int64_t len = Len(info, 6, fn, "len");
  auto x = Arr<T>(info, 3, fn, "x", len);
  auto mask = Arr<T>(info, 4, fn, "mask", len);
  auto y = Arr<T>(info, 5, fn, "y", len);
  DropoutCore<T>(k0, k1, p, x.data, mask.data, y.data, len);
}

Napi::Value TrDropoutForward(const Napi::CallbackInfo& info) {
  if (IsF32(info, 3)) TrDropoutForwardT<float>(info);
  else TrDropoutForwardT<double>(info);
  return info.Env().Undefined();
}

Napi::Value TrDropoutMask(const Napi::CallbackInfo& info) {
  if (IsF32(info, 3)) TrDropoutMaskT<float>(info);
  else TrDropoutMaskT<double>(info);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// Small BLAS-1-like helpers.

template <typename T>
FL_CLONES void MulCore(const T* a, const T* b, T* o, int64_t len) {
  for (int64_t i = 0; i < len; i++) o[i] = a[i] * b[i];
}

// trMul(a, b, out, len): out = a ⊙ b
template <typename T>
void TrMulT(const Napi::CallbackInfo& info) {
  const char* fn = "trMul";
  int64_t len = Len(info, 3, fn, "len");
  auto a = Arr<T>(info, 0, fn, "a", len);
  auto b = Arr<T>(info, 1, fn, "b", len);
  auto o = Arr<T>(info, 2, fn, "out", len);
  MulCore<T>(a.data, b.data, o.data, len);
}

// trBiasAdd(y, n, f, b, scale): y[i, j] += scale·b[j]
template <typename T>
void TrBiasAddT(const Napi::CallbackInfo& info) {
  const char* fn = "trBiasAdd";
  int64_t n = ArgDim(info, 1, fn, "n");
  int64_t f = ArgDim(info, 2, fn, "f");
  double scale = ArgNum(info, 4, fn, "scale");
  auto y = Arr<T>(info, 0, fn, "y", n * f);
  auto b = Arr<T>(info, 3, fn, "b", f);
  std::vector<T> sb(f);
  for (int64_t j = 0; j < f; j++) sb[j] = static_cast<T>(scale * b.data[j]);
  for (int64_t i = 0; i < n; i++) {
    T* r = y.data + i * f;
    for (int64_t j = 0; j < f; j++) r[j] += sb[j];
  }
}

// trColSum(dy, n, f, out, scale): out[j] = scale·Σ_i dy[i, j] (accumulated in double)
template <typename T>
void TrColSumT(const Napi::CallbackInfo& info) {
  const char* fn = "trColSum";
  int64_t n = ArgDim(info, 1, fn, "n");
  int64_t f = ArgDim(info, 2, fn, "f");
  double scale = ArgNum(info, 4, fn, "scale");
  auto dy = Arr<T>(info, 0, fn, "dy", n * f);
  auto out = Arr<T>(info, 3, fn, "out", f);
  std::vector<double> s(f, 0.0);
  for (int64_t i = 0; i < n; i++) {
    const T* r = dy.data + i * f;
    for (int64_t j = 0; j < f; j++) s[j] += r[j];
  }
  for (int64_t j = 0; j < f; j++) out.data[j] = static_cast<T>(scale * s[j]);
}

Napi::Value TrMul(const Napi::CallbackInfo& info) {
  if (IsF32(info, 0)) TrMulT<float>(info);
  else TrMulT<double>(info);
  return info.Env().Undefined();
}
Napi::Value TrBiasAdd(const Napi::CallbackInfo& info) {
  if (IsF32(info, 0)) TrBiasAddT<float>(info);
  else TrBiasAddT<double>(info);
  return info.Env().Undefined();
}
Napi::Value TrColSum(const Napi::CallbackInfo& info) {
  if (IsF32(info, 0)) TrColSumT<float>(info);
  else TrColSumT<double>(info);
  return info.Env().Undefined();
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("trActForward", Napi::Function::New(env, TrActForward, "trActForward"));
  exports.Set("trActBackward", Napi::Function::New(env, TrActBackward, "trActBackward"));
  exports.Set("trBnForward", Napi::Function::New(env, TrBnForward, "trBnForward"));
  exports.Set("trBnBackward", Napi::Function::New(env, TrBnBackward, "trBnBackward"));
  exports.Set("trDropoutMask", Napi::Function::New(env, TrDropoutMask, "trDropoutMask"));
  exports.Set("trDropoutForward", Napi::Function::New(env, TrDropoutForward, "trDropoutForward"));
  exports.Set("trMul", Napi::Function::New(env, TrMul, "trMul"));
  exports.Set("trBiasAdd", Napi::Function::New(env, TrBiasAdd, "trBiasAdd"));
  exports.Set("trColSum", Napi::Function::New(env, TrColSum, "trColSum"));
}

static Registrar registrar(&Register);

}  // namespace
}  // namespace featurelab
