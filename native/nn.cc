// Finite-network kernels for the Bayesian samplers (src/nn): the fused passes that surround the
// BLAS matrix products of a multilayer perceptron's forward and backward pass, and the parameter
// updates with Gaussian noise drawn from the same Threefry-2x32 counter stream as
// src/engine/random.ts (see that module's normative stream specification).
//
// Exports (all arrays are used in place; f32 or f64 chosen by the type of the main array):
//   nnNormal(k0, k1, start, out)             out[j] = normal(key, ·)[start + j]  (Box–Muller, double)
//   nnBits(k0, k1, firstWord, out:Int32Array) out[j] = bits(key, ·)[firstWord + j]
//   nnAct(code, p, rows, cols, H, b|null, beta, X|null, D|null)
//                                            H += β·b (row broadcast); X = φ(H); D = φ'(H)
//   nnHead(code, p, P, N, K, H, b|null, beta, alpha, V, c|null, y|null, f, delta|null, gV|null,
//          gb|null, gc|null, F|null) → loss  the readout pass (see HeadRows in nn_kernels.inc)
//   nnMulInto(n, A, D)                       A ← A ⊙ D
//   nnColSum(rows, cols, A, scale, out)      out_j = scale · Σ_i A_ij
//   nnUpdate(n, out, a, x, b, g|null, d, z|null, c, k0, k1, start) → Σ out²
//                                            out = a·x + b·g + d·z + c·ξ, ξ_j = normal(key)[start + j]
//   nnDot(n, x, y) → Σ x·y;  nnNormSq(n, a, x, b, y|null, c, z|null) → Σ (a·x + b·y + c·z)²
//   nnThreads(n)                             threads of these kernels (n > 0 sets, 0 follows OpenBLAS; returns current)
//   nnInfo()                                 { simd, threads }
//
// Reductions are computed in double over fixed-size chunks combined in chunk order, so results are
// identical for any thread count. Hot loops exist in two instruction-set variants (baseline and
// AVX2+FMA, nn_kernels.inc compiled twice), chosen once at load time.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <type_traits>
#include <vector>

#include "common.h"

namespace featurelab {

/** Activation codes shared with src/nn/native.ts (ACT_CODES). */
enum ActCode {
  kLinear = 0,
  kErf = 1,
  kRelu = 2,
  kLeaky = 3,
  kAbs = 4,
  kQuadratic = 5,
  kSign = 6,
  kTanh = 7,
  kGelu = 8,
  kSoftplus = 9,
  kSin = 10,
  kCos = 11,
  kNumActs = 12
};

/** Shape and scalars of one call of the head pass (rows [row0, row1)). */
struct HeadArgs {
  int code;
  double p;
  int P, N, K;
  double beta;   // bias multiplier
  double alpha;  // readout multiplier
  int row0, row1;
};

// The kernels are compiled without -ftrapping-math (it only forbids transformations, such as
// if-converting the clamps of FastExpF into blends, that matter when FP exceptions trap; results are
// unchanged), once for baseline x86-64 and once for AVX2+FMA.
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")
namespace nnk_base {
#include "nn_kernels.inc"
}  // namespace nnk_base

#pragma GCC target("avx2,fma")
namespace nnk_avx2 {
#include "nn_kernels.inc"
}  // namespace nnk_avx2
#pragma GCC pop_options

namespace {

bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
const bool kAvx2 = HasAvx2();

// ------------------------------------------------------------------------------------------------
// Threefry-2x32-20 and the normal stream (random.ts, "Stream specification").

/** out[j] = normal(key, ·)[start + j], j < n (double), through the dispatched variant. */
void NormalFill(uint32_t k0, uint32_t k1, uint64_t start, int64_t n, double* out) {
  if (kAvx2)
    nnk_avx2::NormalFillK(k0, k1, start, n, out);
  else
    nnk_base::NormalFillK(k0, k1, start, n, out);
}

/** Threefry-2x32-20 block (scalar; for nnBits). */
inline void Threefry(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t& o0, uint32_t& o1) {
  nnk_base::Tf2x32(k0, k1, c0, c1, &o0, &o1);
}

// ------------------------------------------------------------------------------------------------
// Threads: a static partition of tasks over short-lived std::threads (work per call is large).

int g_threads = 0;  // 0: follow OpenBLAS

int Threads() {
  if (g_threads > 0) return g_threads;
  int t = openblas_get_num_threads();
  return t > 0 ? t : 1;
}

/** Runs fn(task) for task < nTasks over up to Threads() threads (task t on thread t mod T). */
template <typename Fn>
void ParallelFor(int nTasks, int64_t work, Fn fn) {
  int T = std::min(Threads(), nTasks);
  if (work < (1 << 16)) T = 1;  // not worth a thread
  if (T <= 1) {
    for (int t = 0; t < nTasks; t++) fn(t, 0);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(T - 1);
  for (int w = 1; w < T; w++)
    pool.emplace_back([&, w]() {
      for (int t = w; t < nTasks; t += T) fn(t, w);
    });
  for (int t = 0; t < nTasks; t += T) fn(t, 0);
  for (auto& th : pool) th.join();
}

// ------------------------------------------------------------------------------------------------
// Argument helpers.

bool IsF32(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray()) ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
  auto t = info[i].As<Napi::TypedArray>().TypedArrayType();
  if (t == napi_float32_array) return true;
  if (t == napi_float64_array) return false;
  ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
}

bool IsNull(const Napi::CallbackInfo& info, size_t i) { return info.Length() <= i || info[i].IsNull() || info[i].IsUndefined(); }

/** Optional array argument (null/undefined → nullptr) with at least n elements. */
template <typename T>
T* OptArray(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t n) {
  if (IsNull(info, i)) return nullptr;
  auto a = ArgArray<T>(info, i, fn, name);
  CheckVector(info.Env(), fn, name, a, n);
  return a.data;
}

template <typename T>
T* ReqArray(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t n) {
  auto a = ArgArray<T>(info, i, fn, name);
  CheckVector(info.Env(), fn, name, a, n);
  return a.data;
}

int ArgCode(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  int c = ArgDim(info, i, fn, "code");
  if (c >= kNumActs) ThrowRange(info.Env(), std::string(fn) + ": unknown activation code " + std::to_string(c));
  return c;
}

uint32_t ArgWord(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  double v = ArgNum(info, i, fn, name);
  if (!(v >= 0) || v >= 4294967296.0 || std::floor(v) != v)
    ThrowRange(info.Env(), std::string(fn) + ": " + name + " must be an integer in [0, 2^32), got " + std::to_string(v));
  return static_cast<uint32_t>(v);
}

/** A stream position: an integer in [0, 2^32] (normals are indexed below 2^32). */
uint64_t ArgStart(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t n) {
  double v = ArgNum(info, i, fn, "start");
  if (!(v >= 0) || std::floor(v) != v || v + static_cast<double>(n) > 4294967296.0)
    ThrowRange(info.Env(), std::string(fn) + ": start + n must be ≤ 2^32 with start a non-negative integer, got start " +
                               std::to_string(v));
  return static_cast<uint64_t>(v);
}

int64_t ArgLen(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  double v = ArgNum(info, i, fn, name);
  if (!(v >= 0) || v > 9007199254740992.0 || std::floor(v) != v)
    ThrowRange(info.Env(), std::string(fn) + ": " + name + " must be a non-negative integer, got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

constexpr int64_t kChunk = 16384;  // elements per chunk of elementwise passes and reductions
constexpr int kHeadRows = 32;      // rows per chunk of the head pass
constexpr int kColRows = 64;       // rows per chunk of column sums

// ------------------------------------------------------------------------------------------------
// nnNormal / nnBits

Napi::Value NnNormal(const Napi::CallbackInfo& info) {
  const char* fn = "nnNormal";
  uint32_t k0 = ArgWord(info, 0, fn, "k0");
  uint32_t k1 = ArgWord(info, 1, fn, "k1");
  bool f32 = IsF32(info, 3, fn, "out");
  auto arr = info[3].As<Napi::TypedArray>();
  int64_t n = static_cast<int64_t>(arr.ElementLength());
  uint64_t start = ArgStart(info, 2, fn, n);
  int64_t nChunks = (n + kChunk - 1) / kChunk;
  auto run = [&](auto* out) {
    ParallelFor(static_cast<int>(nChunks), n * 16, [&](int t, int) {
      const int64_t j0 = t * kChunk, j1 = std::min(n, j0 + kChunk);
      constexpr int64_t kSub = 1024;
      double buf[kSub];
      for (int64_t s0 = j0; s0 < j1; s0 += kSub) {
        const int64_t m = std::min(kSub, j1 - s0);
        NormalFill(k0, k1, start + s0, m, buf);
        for (int64_t j = 0; j < m; j++) out[s0 + j] = static_cast<std::remove_pointer_t<decltype(out)>>(buf[j]);
      }
    });
  };
  if (f32)
    run(info[3].As<Napi::Float32Array>().Data());
  else
    run(info[3].As<Napi::Float64Array>().Data());
  return info.Env().Undefined();
}

Napi::Value NnBits(const Napi::CallbackInfo& info) {
  const char* fn = "nnBits";
  uint32_t k0 = ArgWord(info, 0, fn, "k0");
  uint32_t k1 = ArgWord(info, 1, fn, "k1");
  auto out = ArgArray<int32_t>(info, 3, fn, "out");
  double first = ArgNum(info, 2, fn, "firstWord");
  if (!(first >= 0) || std::floor(first) != first || first + static_cast<double>(out.length) > 8589934592.0)
    ThrowRange(info.Env(), "nnBits: firstWord + n must be ≤ 2^33");
  uint64_t w = static_cast<uint64_t>(first);
  for (size_t j = 0; j < out.length; j++, w++) {
    uint32_t a, b;
    Threefry(k0, k1, static_cast<uint32_t>(w >> 1), 0u, a, b);
    out.data[j] = static_cast<int32_t>((w & 1) ? b : a);
  }
  return info.Env().Undefined();
}

// ------------------------------------------------------------------------------------------------
// nnAct

template <typename T>
void ActImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnAct";
  int code = ArgCode(info, 0, fn);
  double p = ArgNum(info, 1, fn, "p");
  int rows = ArgDim(info, 2, fn, "rows");
  int cols = ArgDim(info, 3, fn, "cols");
  int64_t n = static_cast<int64_t>(rows) * cols;
  T* H = ReqArray<T>(info, 4, fn, "H", n);
  T* b = OptArray<T>(info, 5, fn, "b", cols);
  double beta = ArgNum(info, 6, fn, "beta");
  T* X = OptArray<T>(info, 7, fn, "X", n);
  T* D = OptArray<T>(info, 8, fn, "D", n);
  int rowsPerTask = std::max(1, static_cast<int>(kChunk / std::max(1, cols)));
  int tasks = (rows + rowsPerTask - 1) / rowsPerTask;
  ParallelFor(tasks, n * 4, [&](int t, int) {
    int r0 = t * rowsPerTask, r1 = std::min(rows, r0 + rowsPerTask);
    if (kAvx2)
      nnk_avx2::ActRows<T>(code, p, cols, H, b, beta, X, D, r0, r1);
    else
      nnk_base::ActRows<T>(code, p, cols, H, b, beta, X, D, r0, r1);
  });
}

Napi::Value NnAct(const Napi::CallbackInfo& info) {
  if (IsF32(info, 4, "nnAct", "H"))
    ActImpl<float>(info);
  else
    ActImpl<double>(info);
  return info.Env().Undefined();
}

// ------------------------------------------------------------------------------------------------
// nnHead

template <typename T>
double HeadImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnHead";
  Napi::Env env = info.Env();
  int code = ArgCode(info, 0, fn);
  double p = ArgNum(info, 1, fn, "p");
  int P = ArgDim(info, 2, fn, "P");
  int N = ArgDim(info, 3, fn, "N");
  int K = ArgDim(info, 4, fn, "K");
  if (K < 1 || K > 64) ThrowRange(env, "nnHead: K must be in [1, 64], got " + std::to_string(K));
  int64_t PN = static_cast<int64_t>(P) * N;
  T* H = ReqArray<T>(info, 5, fn, "H", PN);
  T* b = OptArray<T>(info, 6, fn, "b", N);
  double beta = ArgNum(info, 7, fn, "beta");
  double alpha = ArgNum(info, 8, fn, "alpha");
  T* V = ReqArray<T>(info, 9, fn, "V", static_cast<int64_t>(K) * N);
  T* c = OptArray<T>(info, 10, fn, "c", K);
  T* y = OptArray<T>(info, 11, fn, "y", static_cast<int64_t>(P) * K);
  T* f = ReqArray<T>(info, 12, fn, "f", static_cast<int64_t>(P) * K);
  T* delta = OptArray<T>(info, 13, fn, "delta", PN);
  T* gV = OptArray<T>(info, 14, fn, "gV", static_cast<int64_t>(K) * N);
  T* gb = OptArray<T>(info, 15, fn, "gb", N);
  T* gc = OptArray<T>(info, 16, fn, "gc", K);
  T* Fout = OptArray<T>(info, 17, fn, "F", PN);
  if (!y && (delta || gV || gb || gc)) ThrowType(env, "nnHead: gradients need targets y");
  if (!delta && (gV || gb || gc)) ThrowType(env, "nnHead: gradients need the delta buffer");
  const int tasks = (P + kHeadRows - 1) / kHeadRows;
  // Per-task partial results (fixed task boundaries → deterministic for any thread count).
  thread_local std::vector<T> gVparts;
  thread_local std::vector<double> gbParts, gcParts, losses;
  if (gV) gVparts.assign(static_cast<size_t>(tasks) * K * N, T(0));
  if (gb) gbParts.assign(static_cast<size_t>(tasks) * N, 0.0);
  if (gc) gcParts.assign(static_cast<size_t>(tasks) * K, 0.0);
  losses.assign(tasks, 0.0);
  T* gVp = gV ? gVparts.data() : nullptr;
  double* gbp = gb ? gbParts.data() : nullptr;
  double* gcp = gc ? gcParts.data() : nullptr;
  double* lp = losses.data();
  const int T_ = std::min(Threads(), tasks);
  // scratch rows per worker: z, F, D (+ a delta row when delta is not stored)
  std::vector<T> scratch(static_cast<size_t>(std::max(1, T_)) * 4 * std::max(1, N));
  ParallelFor(tasks, PN * 8, [&](int t, int w) {
    HeadArgs A{code, p, P, N, K, beta, alpha, t * kHeadRows, std::min(P, (t + 1) * kHeadRows)};
    T* s = scratch.data() + static_cast<size_t>(w) * 4 * std::max(1, N);
    T* deltaPtr = delta;
    if (kAvx2)
      lp[t] = nnk_avx2::HeadRows<T>(A, H, b, V, c, y, f, deltaPtr, Fout,
                                    gVp ? gVp + static_cast<size_t>(t) * K * N : nullptr,
                                    gbp ? gbp + static_cast<size_t>(t) * N : nullptr,
                                    gcp ? gcp + static_cast<size_t>(t) * K : nullptr, s, s + N, s + 2 * N);
    else
      lp[t] = nnk_base::HeadRows<T>(A, H, b, V, c, y, f, deltaPtr, Fout, gVp ? gVp + static_cast<size_t>(t) * K * N : nullptr,
                                    gbp ? gbp + static_cast<size_t>(t) * N : nullptr,
                                    gcp ? gcp + static_cast<size_t>(t) * K : nullptr, s, s + N, s + 2 * N);
  });
  double loss = 0;
  for (int t = 0; t < tasks; t++) loss += lp[t];
  if (gV) {
    const int64_t KN = static_cast<int64_t>(K) * N;
    for (int64_t i = 0; i < KN; i++) {
      double s = 0;
      for (int t = 0; t < tasks; t++) s += static_cast<double>(gVp[static_cast<size_t>(t) * KN + i]);
      gV[i] = static_cast<T>(s);
    }
  }
  if (gb) {
    for (int i = 0; i < N; i++) {
      double s = 0;
      for (int t = 0; t < tasks; t++) s += gbp[static_cast<size_t>(t) * N + i];
      gb[i] = static_cast<T>(beta * s);
    }
  }
  if (gc) {
    for (int k = 0; k < K; k++) {
      double s = 0;
      for (int t = 0; t < tasks; t++) s += gcp[static_cast<size_t>(t) * K + k];
      gc[k] = static_cast<T>(beta * s);
    }
  }
  return loss;
}

Napi::Value NnHead(const Napi::CallbackInfo& info) {
  double loss = IsF32(info, 5, "nnHead", "H") ? HeadImpl<float>(info) : HeadImpl<double>(info);
  return Napi::Number::New(info.Env(), loss);
}

// ------------------------------------------------------------------------------------------------
// nnMulInto, nnColSum

template <typename T>
void MulIntoImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnMulInto";
  int64_t n = ArgLen(info, 0, fn, "n");
  T* A = ReqArray<T>(info, 1, fn, "A", n);
  T* D = ReqArray<T>(info, 2, fn, "D", n);
  int tasks = static_cast<int>((n + kChunk - 1) / kChunk);
  ParallelFor(tasks, n, [&](int t, int) {
    int64_t j0 = t * kChunk, j1 = std::min(n, j0 + kChunk);
    for (int64_t j = j0; j < j1; j++) A[j] *= D[j];
  });
}

Napi::Value NnMulInto(const Napi::CallbackInfo& info) {
  if (IsF32(info, 1, "nnMulInto", "A"))
    MulIntoImpl<float>(info);
  else
    MulIntoImpl<double>(info);
  return info.Env().Undefined();
}

template <typename T>
void ColSumImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnColSum";
  int rows = ArgDim(info, 0, fn, "rows");
  int cols = ArgDim(info, 1, fn, "cols");
  T* A = ReqArray<T>(info, 2, fn, "A", static_cast<int64_t>(rows) * cols);
  double scale = ArgNum(info, 3, fn, "scale");
  T* out = ReqArray<T>(info, 4, fn, "out", cols);
  int tasks = (rows + kColRows - 1) / kColRows;
  std::vector<double> parts(static_cast<size_t>(tasks) * cols, 0.0);
  ParallelFor(tasks, static_cast<int64_t>(rows) * cols, [&](int t, int) {
    double* p = parts.data() + static_cast<size_t>(t) * cols;
    int r1 = std::min(rows, (t + 1) * kColRows);
    for (int r = t * kColRows; r < r1; r++) {
      const T* a = A + static_cast<int64_t>(r) * cols;
      for (int j = 0; j < cols; j++) p[j] += static_cast<double>(a[j]);
    }
  });
  for (int j = 0; j < cols; j++) {
    double s = 0;
    for (int t = 0; t < tasks; t++) s += parts[static_cast<size_t>(t) * cols + j];
    out[j] = static_cast<T>(scale * s);
  }
}

Napi::Value NnColSum(const Napi::CallbackInfo& info) {
  if (IsF32(info, 2, "nnColSum", "A"))
    ColSumImpl<float>(info);
  else
    ColSumImpl<double>(info);
  return info.Env().Undefined();
}

// ------------------------------------------------------------------------------------------------
// nnUpdate, nnDot, nnNormSq

template <typename T>
double UpdateImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnUpdate";
  int64_t n = ArgLen(info, 0, fn, "n");
  T* out = ReqArray<T>(info, 1, fn, "out", n);
  double a = ArgNum(info, 2, fn, "a");
  T* x = ReqArray<T>(info, 3, fn, "x", n);
  double b = ArgNum(info, 4, fn, "b");
  T* g = OptArray<T>(info, 5, fn, "g", n);
  double d = ArgNum(info, 6, fn, "d");
  T* z = OptArray<T>(info, 7, fn, "z", n);
  double c = ArgNum(info, 8, fn, "c");
  uint32_t k0 = ArgWord(info, 9, fn, "k0");
  uint32_t k1 = ArgWord(info, 10, fn, "k1");
  uint64_t start = c != 0 ? ArgStart(info, 11, fn, n) : 0;
  int tasks = static_cast<int>((n + kChunk - 1) / kChunk);
  std::vector<double> parts(tasks, 0.0);
  ParallelFor(tasks, c != 0 ? n * 16 : n, [&](int t, int) {
    const int64_t j0 = t * kChunk, j1 = std::min(n, j0 + kChunk);
    constexpr int64_t kSub = 1024;  // noise is generated in stack blocks: no allocation
    double xi[kSub];
    double ss = 0;
    for (int64_t s0 = j0; s0 < j1; s0 += kSub) {
      const int64_t m = std::min(kSub, j1 - s0);
      if (c != 0) NormalFill(k0, k1, start + s0, m, xi);
      const double* xp = c != 0 ? xi : nullptr;
      if (kAvx2)
        ss += nnk_avx2::UpdateChunk<T>(m, out + s0, a, x + s0, b, g ? g + s0 : nullptr, d, z ? z + s0 : nullptr, c, xp);
      else
        ss += nnk_base::UpdateChunk<T>(m, out + s0, a, x + s0, b, g ? g + s0 : nullptr, d, z ? z + s0 : nullptr, c, xp);
    }
    parts[t] = ss;
  });
  double s = 0;
  for (int t = 0; t < tasks; t++) s += parts[t];
  return s;
}

Napi::Value NnUpdate(const Napi::CallbackInfo& info) {
  double s = IsF32(info, 1, "nnUpdate", "out") ? UpdateImpl<float>(info) : UpdateImpl<double>(info);
  return Napi::Number::New(info.Env(), s);
}

template <typename T>
double DotImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnDot";
  int64_t n = ArgLen(info, 0, fn, "n");
  T* x = ReqArray<T>(info, 1, fn, "x", n);
  T* y = ReqArray<T>(info, 2, fn, "y", n);
  int tasks = static_cast<int>((n + kChunk - 1) / kChunk);
  std::vector<double> parts(tasks, 0.0);
  ParallelFor(tasks, n, [&](int t, int) {
    int64_t j0 = t * kChunk, j1 = std::min(n, j0 + kChunk);
    double s = 0;
    for (int64_t j = j0; j < j1; j++) s += static_cast<double>(x[j]) * static_cast<double>(y[j]);
    parts[t] = s;
  });
  double s = 0;
  for (int t = 0; t < tasks; t++) s += parts[t];
  return s;
}

Napi::Value NnDot(const Napi::CallbackInfo& info) {
  double s = IsF32(info, 1, "nnDot", "x") ? DotImpl<float>(info) : DotImpl<double>(info);
  return Napi::Number::New(info.Env(), s);
}

template <typename T>
double NormSqImpl(const Napi::CallbackInfo& info) {
  const char* fn = "nnNormSq";
  int64_t n = ArgLen(info, 0, fn, "n");
  double a = ArgNum(info, 1, fn, "a");
  T* x = ReqArray<T>(info, 2, fn, "x", n);
  double b = ArgNum(info, 3, fn, "b");
  T* y = OptArray<T>(info, 4, fn, "y", n);
  double c = ArgNum(info, 5, fn, "c");
  T* z = OptArray<T>(info, 6, fn, "z", n);
  int tasks = static_cast<int>((n + kChunk - 1) / kChunk);
  std::vector<double> parts(tasks, 0.0);
  ParallelFor(tasks, n, [&](int t, int) {
    int64_t j0 = t * kChunk, j1 = std::min(n, j0 + kChunk);
    double s = 0;
    for (int64_t j = j0; j < j1; j++) {
      double v = a * static_cast<double>(x[j]);
      if (y) v += b * static_cast<double>(y[j]);
      if (z) v += c * static_cast<double>(z[j]);
      s += v * v;
    }
    parts[t] = s;
  });
  double s = 0;
  for (int t = 0; t < tasks; t++) s += parts[t];
  return s;
}

Napi::Value NnNormSq(const Napi::CallbackInfo& info) {
  double s = IsF32(info, 2, "nnNormSq", "x") ? NormSqImpl<float>(info) : NormSqImpl<double>(info);
  return Napi::Number::New(info.Env(), s);
}

// ------------------------------------------------------------------------------------------------

Napi::Value NnThreads(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    g_threads = ArgDim(info, 0, "nnThreads", "n");  // 0: follow OpenBLAS again
  }
  return Napi::Number::New(info.Env(), Threads());
}

Napi::Value NnInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("simd", Napi::String::New(env, kAvx2 ? "avx2+fma" : "baseline"));
  o.Set("threads", Napi::Number::New(env, Threads()));
  return o;
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("nnNormal", Napi::Function::New(env, NnNormal, "nnNormal"));
  exports.Set("nnBits", Napi::Function::New(env, NnBits, "nnBits"));
  exports.Set("nnAct", Napi::Function::New(env, NnAct, "nnAct"));
  exports.Set("nnHead", Napi::Function::New(env, NnHead, "nnHead"));
  exports.Set("nnMulInto", Napi::Function::New(env, NnMulInto, "nnMulInto"));
  exports.Set("nnColSum", Napi::Function::New(env, NnColSum, "nnColSum"));
  exports.Set("nnUpdate", Napi::Function::New(env, NnUpdate, "nnUpdate"));
  exports.Set("nnDot", Napi::Function::New(env, NnDot, "nnDot"));
  exports.Set("nnNormSq", Napi::Function::New(env, NnNormSq, "nnNormSq"));
  exports.Set("nnThreads", Napi::Function::New(env, NnThreads, "nnThreads"));
  exports.Set("nnInfo", Napi::Function::New(env, NnInfo, "nnInfo"));
}

Registrar registrar(&Register);

}  // namespace
}  // namespace featurelab
