// Elementwise kernels of the paper-b Monte-Carlo tilted backend (src/theory/critical/monteCarlo.ts).
//
//   critErf(n, s, H, F|null, D|null)   F[i] = erf(s·H[i]), D[i] = s·(2/√π)·exp(−(s·H[i])²)
//   critRows(n, P, g, k2, Phi, U, E, Dp|null, H|null, Q|null, X|null)
//                                      E[i] = g·Σ_a Phi[i,a]·U[i,a] (returns max E); with Dp:
//                                      Q = Dp∘U, X = k2·H∘Q (erf: φ″∘U with k2 = −2s²)
//   critGather(n, P, coef, Xs, Pos, Neg) → [np, nm]
//                                      rows with coef > 0 (×√coef) packed into Pos, coef < 0 (×√−coef) into Neg
//   critInfo()                         { vector: "libmvec-avx2" | "scalar" }
//
// critRows and critGather reproduce the TypeScript loops of monteCarlo.ts operation for operation
// (same order, no reassociation), so their results are bit-identical to the fallback; rows are split
// over OpenBLAS's thread count.
//
// The S×P feature arrays of the importance sampler are 10⁶–10⁷ entries, and glibc's scalar erf costs
// ~15 ns an entry. glibc ≥ 2.35 ships AVX2 variants of erf and exp in libmvec (_ZGVdN4v_erf,
// _ZGVdN4v_exp; ≤ 1 ulp apart from the scalar functions in our tests), ~10× faster. They are looked up
// at load time with dlsym, so the addon neither links libmvec nor requires it: without it (another
// libc, no AVX2) the scalar std::erf/std::exp loop runs, with the same results to an ulp.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__x86_64__) && defined(__linux__)
#include <dlfcn.h>
#include <immintrin.h>
#define FEATURELAB_MVEC 1
#endif

#include "common.h"

namespace featurelab {
namespace {

#ifdef FEATURELAB_MVEC
using VecFn = __m256d (*)(__m256d);
VecFn gErf4 = nullptr;
VecFn gExp4 = nullptr;

void LoadMvec() {
  static bool done = false;
  if (done) return;
  done = true;
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return;
  void* h = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return;
  auto e = reinterpret_cast<VecFn>(dlsym(h, "_ZGVdN4v_erf"));
  auto x = reinterpret_cast<VecFn>(dlsym(h, "_ZGVdN4v_exp"));
  if (e && x) {
    gErf4 = e;
    gExp4 = x;
  }
}

__attribute__((target("avx2,fma"))) void ErfRowsAvx2(int64_t n, double s, const double* H, double* F, double* D) {
  const double c1 = s * 1.12837916709551257390;
  const __m256d vs = _mm256_set1_pd(s);
  const __m256d vc = _mm256_set1_pd(c1);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256d z = _mm256_mul_pd(vs, _mm256_loadu_pd(H + i));
    if (F) _mm256_storeu_pd(F + i, gErf4(z));
    if (D) {
      __m256d mz2 = _mm256_sub_pd(_mm256_setzero_pd(), _mm256_mul_pd(z, z));
      _mm256_storeu_pd(D + i, _mm256_mul_pd(vc, gExp4(mz2)));
    }
  }
  for (; i < n; i++) {
    double z = s * H[i];
    if (F) F[i] = std::erf(z);
    if (D) D[i] = c1 * std::exp(-(z * z));
  }
}
#endif

void ErfRowsScalar(int64_t n, double s, const double* H, double* F, double* D) {
  const double c1 = s * 1.12837916709551257390;
  for (int64_t i = 0; i < n; i++) {
    double z = s * H[i];
    if (F) F[i] = std::erf(z);
    if (D) D[i] = c1 * std::exp(-(z * z));
  }
}

double* OptF64(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t n) {
  if (info.Length() > i && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
  auto a = ArgArray<double>(info, i, fn, name);
  CheckVector(info.Env(), fn, name, a, n);
  return a.data;
}

/** fn(r0, r1) over [0, n) split into up to OpenBLAS's thread count contiguous ranges. */
template <typename Fn>
void SplitRows(int64_t n, int64_t work, Fn fn) {
  int T = std::max(1, openblas_get_num_threads());
  if (work < (1 << 18) || n < 2) T = 1;
  T = static_cast<int>(std::min<int64_t>(T, n));
  if (T <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t step = (n + T - 1) / T;
  for (int t = 1; t < T; t++) {
    int64_t r0 = t * step, r1 = std::min(n, r0 + step);
    if (r0 < r1) pool.emplace_back([=, &fn]() { fn(r0, r1); });
  }
  fn(0, std::min(n, step));
  for (auto& th : pool) th.join();
}

int64_t ArgCount(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > 9.0e15 || std::floor(v) != v)
    ThrowRange(info.Env(), std::string(fn) + ": " + name + " must be a non-negative integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

Napi::Value CritRows(const Napi::CallbackInfo& info) {
  const char* fn = "critRows";
  int64_t n = ArgCount(info, 0, fn, "n");
  int64_t P = ArgCount(info, 1, fn, "P");
  double g = ArgNum(info, 2, fn, "g");
  double k2 = ArgNum(info, 3, fn, "k2");
  int64_t m = n * P;
  auto Phi = ArgArray<double>(info, 4, fn, "Phi");
  CheckVector(info.Env(), fn, "Phi", Phi, m);
  auto U = ArgArray<double>(info, 5, fn, "U");
  CheckVector(info.Env(), fn, "U", U, m);
  auto E = ArgArray<double>(info, 6, fn, "E");
  CheckVector(info.Env(), fn, "E", E, n);
  double* Dp = OptF64(info, 7, fn, "Dp", m);
  double* H = OptF64(info, 8, fn, "H", m);
  double* Q = OptF64(info, 9, fn, "Q", m);
  double* X = OptF64(info, 10, fn, "X", m);
  if (Dp && !(H && Q && X)) ThrowType(info.Env(), std::string(fn) + ": with Dp, H, Q and X must be Float64Arrays");
  const double* ph = Phi.data;
  const double* u = U.data;
  double* e = E.data;
  SplitRows(n, m, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      const int64_t o = i * P;
      double s = 0;
      if (Dp) {
        for (int64_t a = 0; a < P; a++) {
          const double ua = u[o + a];
          s += ph[o + a] * ua;
          const double q = Dp[o + a] * ua;
          Q[o + a] = q;
          X[o + a] = k2 * H[o + a] * q;
        }
      } else {
        for (int64_t a = 0; a < P; a++) s += ph[o + a] * u[o + a];
      }
      e[i] = s * g;
    }
  });
  double mx = -INFINITY;
  for (int64_t i = 0; i < n; i++)
    if (e[i] > mx || std::isnan(e[i])) mx = std::isnan(e[i]) ? NAN : e[i];
  return Napi::Number::New(info.Env(), mx);
}

Napi::Value CritGather(const Napi::CallbackInfo& info) {
  const char* fn = "critGather";
  int64_t n = ArgCount(info, 0, fn, "n");
  int64_t P = ArgCount(info, 1, fn, "P");
  int64_t m = n * P;
  auto c = ArgArray<double>(info, 2, fn, "coef");
  CheckVector(info.Env(), fn, "coef", c, n);
  auto Xs = ArgArray<double>(info, 3, fn, "Xs");
  CheckVector(info.Env(), fn, "Xs", Xs, m);
  auto Pos = ArgArray<double>(info, 4, fn, "Pos");
  CheckVector(info.Env(), fn, "Pos", Pos, m);
  auto Neg = ArgArray<double>(info, 5, fn, "Neg");
  CheckVector(info.Env(), fn, "Neg", Neg, m);
  // Destination row of each source row (sequential), then the copies in parallel.
  std::vector<int64_t> dst(n);
  int64_t np = 0, nm = 0;
  for (int64_t i = 0; i < n; i++) dst[i] = c.data[i] > 0 ? np++ : c.data[i] < 0 ? nm++ : -1;
  SplitRows(n, m, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; i++) {
      const double ci = c.data[i];
      if (dst[i] < 0) continue;
      const double sc = std::sqrt(std::fabs(ci));
      double* d = (ci > 0 ? Pos.data : Neg.data) + dst[i] * P;
      const double* x = Xs.data + i * P;
      for (int64_t a = 0; a < P; a++) d[a] = sc * x[a];
    }
  });
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(np)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(nm)));
  return out;
}

Napi::Value CritErf(const Napi::CallbackInfo& info) {
  const char* fn = "critErf";
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowType(info.Env(), std::string(fn) + ": n must be a number");
  double nv = info[0].As<Napi::Number>().DoubleValue();
  if (!(nv >= 0) || nv > 9.0e15 || std::floor(nv) != nv)
    ThrowRange(info.Env(), std::string(fn) + ": n must be a non-negative integer, got " + std::to_string(nv));
  int64_t n = static_cast<int64_t>(nv);
  double s = ArgNum(info, 1, fn, "s");
  auto H = ArgArray<double>(info, 2, fn, "H");
  CheckVector(info.Env(), fn, "H", H, n);
  double* F = OptF64(info, 3, fn, "F", n);
  double* D = OptF64(info, 4, fn, "D", n);
#ifdef FEATURELAB_MVEC
  LoadMvec();
  if (gErf4 && gExp4) {
    ErfRowsAvx2(n, s, H.data, F, D);
    return info.Env().Undefined();
  }
#endif
  ErfRowsScalar(n, s, H.data, F, D);
  return info.Env().Undefined();
}

Napi::Value CritInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  const char* v = "scalar";
#ifdef FEATURELAB_MVEC
  LoadMvec();
  if (gErf4 && gExp4) v = "libmvec-avx2";
#endif
  o.Set("vector", v);
  return o;
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("critErf", Napi::Function::New(env, CritErf, "critErf"));
  exports.Set("critRows", Napi::Function::New(env, CritRows, "critRows"));
  exports.Set("critGather", Napi::Function::New(env, CritGather, "critGather"));
  exports.Set("critInfo", Napi::Function::New(env, CritInfo, "critInfo"));
}

Registrar registrar(&Register);

}  // namespace
}  // namespace featurelab
