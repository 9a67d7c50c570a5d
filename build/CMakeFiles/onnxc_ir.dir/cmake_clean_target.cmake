file(REMOVE_RECURSE
  "libonnxc_ir.a"
)
