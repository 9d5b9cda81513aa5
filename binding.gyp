{
  "targets": [
    {
      "target_name": "nosigbus",
      "sources": [
        "native/addon.c",
        "native/guard.c",
        "native/mapping.c",
        "native/fdutil.c",
        "native/socket.c",
        "native/testing.c",
        "native/xkb.c",
        "native/pixels.c",
        "native/composite.c",
        "native/copy.c"
      ],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O2"],
      "cflags!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"],
      "include_dirs": ["<!@(pkg-config --cflags-only-I pixman-1 | sed s/-I//g)"],
      "libraries": ["-lxkbcommon", "<!@(pkg-config --libs pixman-1)"]
    }
  ]
}
