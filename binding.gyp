{
  "variables": { "ll_blas%": "openblas" },
  "targets": [
    {
      "target_name": "losslens_native",
      "sources": ["native/addon.c", "native/cpu.c", "native/conv.c", "native/conv_direct.c", "native/gemm.c", "native/gemm_avx512.c", "native/gemm_avx2.c",
                  "native/gemm_portable.c", "native/pool.c", "native/elementwise.c", "native/optim.c", "native/basis.c",
                  "native/depthwise.c", "native/recurrent.c", "native/recurrent_step.c", "native/conv_act.c"],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-math-errno"],
      "conditions": [
        ["OS=='linux'", { "cflags": ["-fopenmp"], "ldflags": ["-fopenmp"], "libraries": ["-lm"] }],
        ["ll_blas=='openblas'", {
          "defines": ["LL_HAVE_OPENBLAS"],
          "conditions": [
            ["OS=='linux'", { "libraries": ["-lopenblas"] }],
            ["OS=='mac'", {
              "include_dirs": ["/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
              "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib", "-lopenblas"]
            }]
          ]
        }]
      ]
    }
  ]
}
