// featurelab native addon: module entry point. Each translation unit registers its exports through
// featurelab::Registrar (see common.h), so new kernels only need a new .cc file in binding.gyp.
#include "common.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : featurelab::Registry()) fn(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(featurelab_native, Init)
