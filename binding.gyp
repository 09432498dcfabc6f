# node-gyp fallback for CMakeLists.txt: the same sources and defines.
# scripts/build-native.mjs runs it with --nodedir pointing at the local
# Node.js headers, so nothing is downloaded.
{
  "targets": [
    {
      "target_name": "descent_native",
      "sources": [
        "native/kernels/dense.cc",
        "native/kernels/dense_parallel.cc",
        "native/kernels/dropout.cc",
        "native/kernels/output_loss.cc",
        "native/kernels/optimizer.cc",
        "native/kernels/plan.cc",
        "native/kernels/thread_pool.cc",
        "native/kernels/trainer.cc",
        "native/binding/addon.cc",
        "native/binding/args.cc",
        "native/binding/kernels_binding.cc",
        "native/binding/plan_args.cc",
        "native/binding/predict_binding.cc",
        "native/binding/trainer_binding.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14", "-std=gnu++1y"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-fvisibility=hidden"],
      "conditions": [
        ["OS=='linux'", {
          "cflags_cc+": ["<!@(pkg-config --cflags-only-I openblas 2>/dev/null || true)"],
          "libraries": ["<!@(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)", "-lpthread"]
        }],
        ["OS=='mac'", {
          "include_dirs": ["/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
          "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib", "-lopenblas"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"],
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }]
      ]
    }
  ]
}
