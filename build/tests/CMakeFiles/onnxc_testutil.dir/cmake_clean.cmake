file(REMOVE_RECURSE
  "CMakeFiles/onnxc_testutil.dir/util/testutil.c.o"
  "CMakeFiles/onnxc_testutil.dir/util/testutil.c.o.d"
  "libonnxc_testutil.a"
  "libonnxc_testutil.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/onnxc_testutil.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
