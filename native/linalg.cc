// Dense linear algebra over OpenBLAS (BLAS through CBLAS, LAPACK through its Fortran symbols).
//
// All matrices are row-major with an explicit leading dimension (row stride). Row-major storage of a
// matrix M is column-major storage of Mᵀ, which the LAPACK wrappers below exploit to avoid copies:
//  - symmetric routines read the row-major LOWER triangle, i.e. the column-major UPPER triangle, so
//    they call LAPACK with uplo = 'U' on the same memory (dsyevd, which overwrites all of A anyway,
//    first mirrors the lower triangle up and calls uplo = 'L', its faster variant);
//  - dgesv factors the column-major view (Aᵀ) with dgetrf and then solves A·X = B directly on the
//    row-major right-hand side with two triangular solves and the row interchanges in reverse order.
// Only dsyevd (an O(n²) mirror of the input and an in-place transpose of the eigenvector matrix) and
// dsyevr (the n×m result is written through a column-major scratch) move data.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common.h"

extern "C" {
// LAPACK (Fortran ABI: everything by pointer; hidden string lengths appended as size_t by gfortran).
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t uplo_len);
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, size_t jobz_len, size_t uplo_len);
void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a, const int* lda,
             const double* vl, const double* vu, const int* il, const int* iu, const double* abstol, int* m,
             double* w, double* z, const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork,
             const int* liwork, int* info, size_t jobz_len, size_t range_len, size_t uplo_len);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
}

namespace featurelab {
namespace {

// ---------------------------------------------------------------------------------------------
// BLAS

template <typename T>
void Gemm(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  bool ta = ArgBool(info, 0, fn, "transA");
  bool tb = ArgBool(info, 1, fn, "transB");
  int m = ArgDim(info, 2, fn, "m");
  int n = ArgDim(info, 3, fn, "n");
  int k = ArgDim(info, 4, fn, "k");
  double alpha = ArgNum(info, 5, fn, "alpha");
  auto A = ArgArray<T>(info, 6, fn, "A");
  int lda = ArgDim(info, 7, fn, "lda");
  auto B = ArgArray<T>(info, 8, fn, "B");
  int ldb = ArgDim(info, 9, fn, "ldb");
  double beta = ArgNum(info, 10, fn, "beta");
  auto C = ArgArray<T>(info, 11, fn, "C");
  int ldc = ArgDim(info, 12, fn, "ldc");
  // op(A) is m×k: A is stored m×k (no transpose) or k×m (transpose).
  CheckMatrix(env, fn, "A", A, ta ? k : m, ta ? m : k, lda);
  CheckMatrix(env, fn, "B", B, tb ? n : k, tb ? k : n, ldb);
  CheckMatrix(env, fn, "C", C, m, n, ldc);
  if (m == 0 || n == 0) return;
  const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, double>) {
    cblas_dgemm(CblasRowMajor, TA, TB, m, n, k, alpha, A.data, lda, B.data, ldb, beta, C.data, ldc);
  } else {
    cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, static_cast<float>(alpha), A.data, lda, B.data, ldb,
                static_cast<float>(beta), C.data, ldc);
  }
}

template <typename T>
void Gemv(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  bool ta = ArgBool(info, 0, fn, "transA");
  int m = ArgDim(info, 1, fn, "m");
  int n = ArgDim(info, 2, fn, "n");
  double alpha = ArgNum(info, 3, fn, "alpha");
  auto A = ArgArray<T>(info, 4, fn, "A");
  int lda = ArgDim(info, 5, fn, "lda");
  auto x = ArgArray<T>(info, 6, fn, "x");
  double beta = ArgNum(info, 7, fn, "beta");
  auto y = ArgArray<T>(info, 8, fn, "y");
  CheckMatrix(env, fn, "A", A, m, n, lda);
  CheckVector(env, fn, "x", x, ta ? m : n);
  CheckVector(env, fn, "y", y, ta ? n : m);
  if ((ta ? n : m) == 0) return;
  if ((ta ? m : n) == 0) {  // empty sum: y ← β·y (some BLAS return early without scaling)
    const int len = ta ? n : m;
    for (int i = 0; i < len; i++) y.data[i] = beta == 0 ? T(0) : static_cast<T>(beta * y.data[i]);
    return;
  }
  const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, double>) {
    cblas_dgemv(CblasRowMajor, TA, m, n, alpha, A.data, lda, x.data, 1, beta, y.data, 1);
  } else {
    cblas_sgemv(CblasRowMajor, TA, m, n, static_cast<float>(alpha), A.data, lda, x.data, 1,
                static_cast<float>(beta), y.data, 1);
  }
}

Napi::Value Dgemm(const Napi::CallbackInfo& info) {
  Gemm<double>(info, "dgemm");
  return info.Env().Undefined();
}
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Gemm<float>(info, "sgemm");
  return info.Env().Undefined();
}
Napi::Value Dgemv(const Napi::CallbackInfo& info) {
  Gemv<double>(info, "dgemv");
  return info.Env().Undefined();
}
Napi::Value Sgemv(const Napi::CallbackInfo& info) {
  Gemv<float>(info, "sgemv");
  return info.Env().Undefined();
}

// dsyrk(trans, n, k, alpha, A, lda, beta, C, ldc): lower triangle of C ← α·A·Aᵀ + β·C (A n×k) or
// α·Aᵀ·A + β·C (trans, A k×n).
Napi::Value Dsyrk(const Napi::CallbackInfo& info) {
  const char* fn = "dsyrk";
  Napi::Env env = info.Env();
  bool tr = ArgBool(info, 0, fn, "trans");
  int n = ArgDim(info, 1, fn, "n");
  int k = ArgDim(info, 2, fn, "k");
  double alpha = ArgNum(info, 3, fn, "alpha");
  auto A = ArgArray<double>(info, 4, fn, "A");
  int lda = ArgDim(info, 5, fn, "lda");
  double beta = ArgNum(info, 6, fn, "beta");
  auto C = ArgArray<double>(info, 7, fn, "C");
  int ldc = ArgDim(info, 8, fn, "ldc");
  CheckMatrix(env, fn, "A", A, tr ? k : n, tr ? n : k, lda);
  CheckMatrix(env, fn, "C", C, n, n, ldc);
  if (n == 0) return env.Undefined();
  cblas_dsyrk(CblasRowMajor, CblasLower, tr ? CblasTrans : CblasNoTrans, n, k, alpha, A.data, lda, beta, C.data,
              ldc);
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------
// LAPACK

// dpotrf(n, A, lda) → info. Row-major lower = column-major upper: A = UᵀU in the column-major view
// is A = L·Lᵀ with L = Uᵀ in the row-major lower triangle.
Napi::Value Dpotrf(const Napi::CallbackInfo& info) {
  const char* fn = "dpotrf";
  Napi::Env env = info.Env();
  int n = ArgDim(info, 0, fn, "n");
  auto A = ArgArray<double>(info, 1, fn, "A");
  int lda = ArgDim(info, 2, fn, "lda");
  CheckMatrix(env, fn, "A", A, n, n, lda);
  int res = 0;
  if (n > 0) dpotrf_("U", &n, A.data, &lda, &res, 1);
  return Napi::Number::New(env, res);
}

// dpotrs(n, nrhs, L, ldl, B, ldb) → 0. Solves L·Lᵀ·X = B with two row-major triangular solves on B
// in place (no transposes of the right-hand side).
Napi::Value Dpotrs(const Napi::CallbackInfo& info) {
  const char* fn = "dpotrs";
  Napi::Env env = info.Env();
  int n = ArgDim(info, 0, fn, "n");
  int nrhs = ArgDim(info, 1, fn, "nrhs");
  auto L = ArgArray<double>(info, 2, fn, "L");
  int ldl = ArgDim(info, 3, fn, "ldl");
  auto B = ArgArray<double>(info, 4, fn, "B");
  int ldb = ArgDim(info, 5, fn, "ldb");
  CheckMatrix(env, fn, "L", L, n, n, ldl);
  CheckMatrix(env, fn, "B", B, n, nrhs, ldb);
  if (n == 0 || nrhs == 0) return Napi::Number::New(env, 0);
  if (nrhs == 1 && ldb >= 1) {
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, L.data, ldl, B.data, ldb);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, L.data, ldl, B.data, ldb);
  } else {
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, nrhs, 1.0, L.data, ldl, B.data,
                ldb);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, nrhs, 1.0, L.data, ldl, B.data,
                ldb);
  }
  return Napi::Number::New(env, 0);
}

// In-place transpose of the leading n×n block of a row-major matrix with row stride ld (blocked for
// cache friendliness).
void TransposeSquare(double* a, int n, int ld) {
  constexpr int BS = 64;
  for (int ib = 0; ib < n; ib += BS) {
    const int ie = std::min(ib + BS, n);
    for (int jb = ib; jb < n; jb += BS) {
      const int je = std::min(jb + BS, n);
      for (int i = ib; i < ie; i++) {
        const int j0 = (jb == ib) ? i + 1 : jb;
        double* ri = a + static_cast<size_t>(i) * ld;
        for (int j = j0; j < je; j++) std::swap(ri[j], a[static_cast<size_t>(j) * ld + i]);
      }
    }
  }
}

// An uninitialised scratch array (LAPACK writes before it reads; skipping the zero fill of a
// std::vector saves a pass over up to 2n² doubles for dsyevd).
template <typename T>
class Workspace {
 public:
  explicit Workspace(int n) : p_(new T[static_cast<size_t>(std::max(1, n))]) {}
  T* data() { return p_.get(); }

 private:
  std::unique_ptr<T[]> p_;
};

// The optimal workspace a LAPACK query (lwork = -1) returned, as a 32-bit LAPACK integer.
int WorkspaceSize(Napi::Env env, const char* fn, double query) {
  if (!(query < static_cast<double>(INT_MAX)))
    ThrowRange(env, std::string(fn) + ": workspace of " + std::to_string(query) +
                        " doubles exceeds the 32-bit LAPACK limit (matrix too large)");
  return std::max(1, static_cast<int>(query));
}

// Copies the strict lower triangle of a row-major n×n matrix onto its strict upper triangle
// (blocked), making the column-major LOWER triangle equal to the row-major lower one.
void MirrorLowerToUpper(double* a, int n, int ld) {
  constexpr int BS = 64;
  for (int ib = 0; ib < n; ib += BS) {
    const int ie = std::min(ib + BS, n);
    for (int jb = 0; jb <= ib; jb += BS) {
      const int je = std::min(jb + BS, n);
      for (int i = ib; i < ie; i++) {
        const double* ri = a + static_cast<size_t>(i) * ld;
        const int jend = std::min(je, i);
        for (int j = jb; j < jend; j++) a[static_cast<size_t>(j) * ld + i] = ri[j];
      }
    }
  }
}

// dsyevd(n, A, lda, w) → info. Eigenvalues ascending in w; eigenvectors as COLUMNS of row-major A.
Napi::Value Dsyevd(const Napi::CallbackInfo& info) {
  const char* fn = "dsyevd";
  Napi::Env env = info.Env();
  int n = ArgDim(info, 0, fn, "n");
  auto A = ArgArray<double>(info, 1, fn, "A");
  int lda = ArgDim(info, 2, fn, "lda");
  auto w = ArgArray<double>(info, 3, fn, "w");
  CheckMatrix(env, fn, "A", A, n, n, lda);
  CheckVector(env, fn, "w", w, n);
  if (n == 0) return Napi::Number::New(env, 0);
  // uplo = 'U' on the column-major view would read the row-major lower triangle directly, but
  // OpenBLAS 0.3.21's dsyevd is measurably faster with uplo = 'L' (≈5–20% at n = 2000–3000 on the
  // benchmark machine), the variant NumPy uses; A is overwritten anyway, so mirror the lower
  // triangle up (O(n²)) and use 'L'.
  MirrorLowerToUpper(A.data, n, lda);
  int res = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  dsyevd_("V", "L", &n, A.data, &lda, w.data, &wq, &lwork, &iwq, &liwork, &res, 1, 1);
  if (res != 0) return Napi::Number::New(env, res);
  lwork = WorkspaceSize(env, fn, wq);
  liwork = std::max(1, iwq);
  Workspace<double> work(lwork);
  Workspace<int> iwork(liwork);
  dsyevd_("V", "L", &n, A.data, &lda, w.data, work.data(), &lwork, iwork.data(), &liwork, &res, 1, 1);
  // LAPACK wrote v_j as column j of the column-major view = row j of the row-major storage.
  if (res == 0) TransposeSquare(A.data, n, lda);
  return Napi::Number::New(env, res);
}

// dsyevr(n, A, lda, il, iu, w, Z, ldz) → info. Eigenpairs il..iu (0-based, inclusive, ascending);
// w gets m = iu-il+1 values, Z (n×m row-major, ldz ≥ m) the eigenvectors as columns. A is destroyed.
Napi::Value Dsyevr(const Napi::CallbackInfo& info) {
  const char* fn = "dsyevr";
  Napi::Env env = info.Env();
  int n = ArgDim(info, 0, fn, "n");
  auto A = ArgArray<double>(info, 1, fn, "A");
  int lda = ArgDim(info, 2, fn, "lda");
  int il = ArgDim(info, 3, fn, "il");
  int iu = ArgDim(info, 4, fn, "iu");
  auto w = ArgArray<double>(info, 5, fn, "w");
  auto Z = ArgArray<double>(info, 6, fn, "Z");
  int ldz = ArgDim(info, 7, fn, "ldz");
  if (!(il <= iu && iu < n))
    ThrowRange(env, std::string(fn) + ": need 0 <= il <= iu < n, got il=" + std::to_string(il) +
                        " iu=" + std::to_string(iu) + " n=" + std::to_string(n));
  const int m = iu - il + 1;
  CheckMatrix(env, fn, "A", A, n, n, lda);
  CheckVector(env, fn, "w", w, m);
  CheckMatrix(env, fn, "Z", Z, n, m, ldz);
  const char jobz = 'V', range = 'I', uplo = 'U';
  const double vl = 0, vu = 0, abstol = 0;
  const int il1 = il + 1, iu1 = iu + 1, ldzc = n;
  int found = 0, res = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  std::vector<double> wall(static_cast<size_t>(n));
  std::vector<double> zc(static_cast<size_t>(n) * m);
  std::vector<int> isuppz(2 * static_cast<size_t>(std::max(1, m)));
  dsyevr_(&jobz, &range, &uplo, &n, A.data, &lda, &vl, &vu, &il1, &iu1, &abstol, &found, wall.data(), zc.data(),
          &ldzc, isuppz.data(), &wq, &lwork, &iwq, &liwork, &res, 1, 1, 1);
  if (res != 0) return Napi::Number::New(env, res);
  lwork = WorkspaceSize(env, fn, wq);
  liwork = std::max(1, iwq);
  Workspace<double> work(lwork);
  Workspace<int> iwork(liwork);
  dsyevr_(&jobz, &range, &uplo, &n, A.data, &lda, &vl, &vu, &il1, &iu1, &abstol, &found, wall.data(), zc.data(),
          &ldzc, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &res, 1, 1, 1);
  if (res != 0) return Napi::Number::New(env, res);
  const int got = std::min(found, m);
  std::memcpy(w.data, wall.data(), sizeof(double) * static_cast<size_t>(got));
  for (int i = 0; i < n; i++) {
    double* zi = Z.data + static_cast<size_t>(i) * ldz;
    for (int j = 0; j < got; j++) zi[j] = zc[static_cast<size_t>(j) * n + i];
  }
  return Napi::Number::New(env, res);
}

// dgesv(n, nrhs, A, lda, B, ldb) → info. The column-major view of row-major A is M = Aᵀ; dgetrf gives
// M = P·L·U, hence A = Uᵀ·Lᵀ·Pᵀ. In row-major terms Uᵀ is the lower triangle (non-unit diagonal) and
// Lᵀ the strict upper triangle (unit diagonal) of the factored storage, so
//   X = P · (Lᵀ)⁻¹ · (Uᵀ)⁻¹ · B,
// two row-major triangular solves on B in place followed by the interchanges in reverse order.
// On return A holds these factors (|det A| = |Π diag|, as for the textbook row-pivoted LU).
Napi::Value Dgesv(const Napi::CallbackInfo& info) {
  const char* fn = "dgesv";
  Napi::Env env = info.Env();
  int n = ArgDim(info, 0, fn, "n");
  int nrhs = ArgDim(info, 1, fn, "nrhs");
  auto A = ArgArray<double>(info, 2, fn, "A");
  int lda = ArgDim(info, 3, fn, "lda");
  auto B = ArgArray<double>(info, 4, fn, "B");
  int ldb = ArgDim(info, 5, fn, "ldb");
  CheckMatrix(env, fn, "A", A, n, n, lda);
  CheckMatrix(env, fn, "B", B, n, nrhs, ldb);
  if (n == 0) return Napi::Number::New(env, 0);
  std::vector<int> ipiv(static_cast<size_t>(n));
  int res = 0;
  dgetrf_(&n, &n, A.data, &lda, ipiv.data(), &res);
  if (res != 0 || nrhs == 0) return Napi::Number::New(env, res);
  if (nrhs == 1) {
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, A.data, lda, B.data, ldb);
    cblas_dtrsv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasUnit, n, A.data, lda, B.data, ldb);
    for (int i = n - 1; i >= 0; i--) {
      const int p = ipiv[static_cast<size_t>(i)] - 1;
      if (p != i) std::swap(B.data[static_cast<size_t>(i) * ldb], B.data[static_cast<size_t>(p) * ldb]);
    }
  } else {
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, nrhs, 1.0, A.data, lda, B.data,
                ldb);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasUnit, n, nrhs, 1.0, A.data, lda, B.data,
                ldb);
    for (int i = n - 1; i >= 0; i--) {
      const int p = ipiv[static_cast<size_t>(i)] - 1;
      if (p != i)
        std::swap_ranges(B.data + static_cast<size_t>(i) * ldb, B.data + static_cast<size_t>(i) * ldb + nrhs,
                         B.data + static_cast<size_t>(p) * ldb);
    }
  }
  return Napi::Number::New(env, 0);
}

// ---------------------------------------------------------------------------------------------
// Threads and configuration

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = ArgDim(info, 0, "setThreads", "n");
  if (n < 1) ThrowRange(info.Env(), "setThreads: n must be >= 1");
  openblas_set_num_threads(n);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

// config() → { config, corename, threads, procs, parallel } straight from OpenBLAS.
Napi::Value Config(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const char* cfg = openblas_get_config();
  const char* core = openblas_get_corename();
  o.Set("config", Napi::String::New(env, cfg ? cfg : ""));
  o.Set("corename", Napi::String::New(env, core ? core : ""));
  o.Set("threads", Napi::Number::New(env, openblas_get_num_threads()));
  o.Set("procs", Napi::Number::New(env, openblas_get_num_procs()));
  // 0 = sequential, 1 = pthreads, 2 = OpenMP
  o.Set("parallel", Napi::Number::New(env, openblas_get_parallel()));
  return o;
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("dgemm", Napi::Function::New(env, Dgemm, "dgemm"));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("dgemv", Napi::Function::New(env, Dgemv, "dgemv"));
  exports.Set("sgemv", Napi::Function::New(env, Sgemv, "sgemv"));
  exports.Set("dsyrk", Napi::Function::New(env, Dsyrk, "dsyrk"));
  exports.Set("dpotrf", Napi::Function::New(env, Dpotrf, "dpotrf"));
  exports.Set("dpotrs", Napi::Function::New(env, Dpotrs, "dpotrs"));
  exports.Set("dsyevd", Napi::Function::New(env, Dsyevd, "dsyevd"));
  exports.Set("dsyevr", Napi::Function::New(env, Dsyevr, "dsyevr"));
  exports.Set("dgesv", Napi::Function::New(env, Dgesv, "dgesv"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
}

Registrar registrar(&Register);

}  // namespace
}  // namespace featurelab
