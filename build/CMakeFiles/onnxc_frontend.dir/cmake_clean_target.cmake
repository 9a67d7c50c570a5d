file(REMOVE_RECURSE
  "libonnxc_frontend.a"
)
