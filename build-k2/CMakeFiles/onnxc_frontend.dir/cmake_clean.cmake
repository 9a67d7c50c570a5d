file(REMOVE_RECURSE
  "libonnxc_frontend.a"
  "libonnxc_frontend.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/onnxc_frontend.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
