{
  "targets": [
    {
      "target_name": "losslens_native",
      "sources": ["native/addon.c", "native/conv.c", "native/conv_direct.c", "native/gemm.c", "native/pool.c", "native/elementwise.c", "native/optim.c", "native/basis.c"],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-math-errno"],
      "conditions": [
        ["OS=='linux'", {
          "cflags": ["-fopenmp"],
          "ldflags": ["-fopenmp"],
          "libraries": ["-lopenblas", "-lm"]
        }],
        ["OS=='mac'", {
          "include_dirs": ["/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
          "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib", "-lopenblas"]
        }]
      ]
    }
  ]
}
