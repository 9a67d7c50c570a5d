file(REMOVE_RECURSE
  "libonnxc_testutil.a"
)
