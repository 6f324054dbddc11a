{
  "targets": [
    {
      "target_name": "featurelab_native",
      "sources": [
        "native/addon.cc",
        "native/linalg.cc",
        "native/nn.cc",
        "native/train.cc",
        "native/critical.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except_all"
      ],
      "include_dirs": ["native"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": [
        "-O3",
        "<!@(pkg-config --cflags-only-I openblas 2>/dev/null || true)"
      ],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20", "-std=c++20"],
      "libraries": [
        "<!@(pkg-config --libs-only-L openblas 2>/dev/null || true)",
        "-lopenblas",
        "-ldl"
      ]
    }
  ]
}
