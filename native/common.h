// Shared helpers for the featurelab native addon: argument checking for typed-array kernels and a
// tiny self-registration mechanism so each translation unit (linear algebra, fused NN kernels, ...)
// adds its exports without editing the module's Init.
//
// Conventions for every exported function:
//  - Arrays are TypedArrays used IN PLACE (pointer = buffer + byteOffset, zero copies).
//  - Every size is checked before any pointer is dereferenced: a too-short array, a negative or
//    non-integer dimension, or a leading dimension smaller than the row length throws a JS
//    RangeError/TypeError naming the function and the argument. Nothing is ever written out of bounds.
#pragma once

#include <napi.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace featurelab {

using RegisterFn = void (*)(Napi::Env, Napi::Object);

/** All registration functions collected from the translation units linked into the addon. */
inline std::vector<RegisterFn>& Registry() {
  static std::vector<RegisterFn> fns;
  return fns;
}

/** `static Registrar r(&MyRegister);` in a .cc file adds MyRegister to the module's Init. */
struct Registrar {
  explicit Registrar(RegisterFn fn) { Registry().push_back(fn); }
};

[[noreturn]] inline void ThrowRange(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}
[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

/** Argument i as a non-negative integer that fits a 32-bit BLAS int. */
inline int ArgDim(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > static_cast<double>(INT_MAX) || std::floor(v) != v)
    ThrowRange(info.Env(), std::string(fn) + ": " + name + " must be an integer in [0, 2^31-1], got " +
                               std::to_string(v));
  return static_cast<int>(v);
}

/** Argument i as a finite or non-finite double (BLAS scalars). */
inline double ArgNum(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info.Length() <= i || !info[i].IsBoolean())
    ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

template <typename T>
struct ArrayTraits;
template <>
struct ArrayTraits<double> {
  static constexpr napi_typedarray_type kind = napi_float64_array;
  static constexpr const char* label = "Float64Array";
};
template <>
struct ArrayTraits<float> {
  static constexpr napi_typedarray_type kind = napi_float32_array;
  static constexpr const char* label = "Float32Array";
};
template <>
struct ArrayTraits<int32_t> {
  static constexpr napi_typedarray_type kind = napi_int32_array;
  static constexpr const char* label = "Int32Array";
};

/** A view of a TypedArray argument: data pointer (byteOffset applied) and element count. */
template <typename T>
struct ArrayArg {
  T* data;
  size_t length;
};

template <typename T>
inline ArrayArg<T> ArgArray(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != ArrayTraits<T>::kind)
    ThrowType(info.Env(), std::string(fn) + ": " + name + " must be a " + ArrayTraits<T>::label);
  auto arr = info[i].As<Napi::TypedArrayOf<T>>();
  return ArrayArg<T>{arr.Data(), arr.ElementLength()};
}

/** Elements a row-major rows×cols matrix with row stride ld spans: (rows-1)·ld + cols (0 if empty). */
inline int64_t MatSpan(int64_t rows, int64_t cols, int64_t ld) {
  return (rows == 0 || cols == 0) ? 0 : (rows - 1) * ld + cols;
}

/** Checks ld ≥ max(1, cols) and that the array holds the rows×cols matrix. */
template <typename T>
inline void CheckMatrix(Napi::Env env, const char* fn, const char* name, const ArrayArg<T>& a, int64_t rows,
                        int64_t cols, int64_t ld) {
  int64_t minLd = cols > 1 ? cols : 1;
  if (ld < minLd)
    ThrowRange(env, std::string(fn) + ": leading dimension of " + name + " is " + std::to_string(ld) +
                        ", must be >= " + std::to_string(minLd));
  int64_t need = MatSpan(rows, cols, ld);
  if (static_cast<int64_t>(a.length) < need)
    ThrowRange(env, std::string(fn) + ": " + name + " has " + std::to_string(a.length) + " elements, needs " +
                        std::to_string(need) + " for a " + std::to_string(rows) + "x" + std::to_string(cols) +
                        " matrix with ld " + std::to_string(ld));
}

template <typename T>
inline void CheckVector(Napi::Env env, const char* fn, const char* name, const ArrayArg<T>& a, int64_t n) {
  if (static_cast<int64_t>(a.length) < n)
    ThrowRange(env, std::string(fn) + ": " + name + " has " + std::to_string(a.length) + " elements, needs " +
                        std::to_string(n));
}

}  // namespace featurelab
