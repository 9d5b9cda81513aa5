/* socket.c: Unix sockets for Wayland (listen + flock, accept, SCM_RIGHTS, uv_poll). */
#include "common.h"

napi_value nsb_socket_init(napi_env env, napi_value exports) {
  (void)env;
  return exports;
}
