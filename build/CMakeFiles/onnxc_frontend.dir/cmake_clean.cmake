file(REMOVE_RECURSE
  "CMakeFiles/onnxc_frontend.dir/frontend/npy.c.o"
  "CMakeFiles/onnxc_frontend.dir/frontend/npy.c.o.d"
  "libonnxc_frontend.a"
  "libonnxc_frontend.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/onnxc_frontend.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
