# Built by scripts/build-native.js (npm postinstall). Links Debian's OpenBLAS (libopenblas-dev).
# -fno-trapping-math lets GCC vectorise loops with float selects (exp, max). -mavx2 -mfma rather than -march=native: the binary must also run on CPUs without AVX-512, and
# OpenBLAS already picks its own AVX-512 kernels at run time for the matmuls that dominate.
{
  "targets": [
    {
      "target_name": "zs_native",
      "sources": [
        "src/addon.cc",
        "src/matmul.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/layout.cc",
        "src/fused.cc",
        "src/attention.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-mavx2", "-mfma", "-fno-trapping-math", "-fopenmp-simd", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lopenblas"]
    }
  ]
}
