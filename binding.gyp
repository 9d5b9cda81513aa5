{
  "variables": {
    "addon_sources": [
      "native/guard/guard.c",
      "native/guard/admit.c",
      "native/addon/addon.c",
      "native/addon/mapping.c",
      "native/addon/fdutil.c",
      "native/addon/socket.c",
      "native/addon/unguarded.c",
      "native/addon/xkb.c",
      "native/addon/pixels.c",
      "native/addon/composite.c",
      "native/addon/copy.c"
    ]
  },
  "target_defaults": {
    "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O2"],
    "cflags!": ["-fno-exceptions"],
    "defines": ["NAPI_VERSION=8"],
    "include_dirs": ["<!@(pkg-config --cflags-only-I pixman-1 | sed s/-I//g)"],
    "libraries": ["-lxkbcommon", "<!@(pkg-config --libs pixman-1)"]
  },
  "targets": [
    {
      "target_name": "nosigbus",
      "sources": ["<@(addon_sources)"]
    },
    {
      "target_name": "nosigbus_testing",
      "sources": ["<@(addon_sources)", "native/addon/testing.c"],
      "defines": ["NOSIGBUS_TESTING"]
    }
  ]
}
