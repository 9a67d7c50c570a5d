file(REMOVE_RECURSE
  "CMakeFiles/onnxc_onnxpb.dir/gen/onnx.pb-c.c.o"
  "CMakeFiles/onnxc_onnxpb.dir/gen/onnx.pb-c.c.o.d"
  "gen/onnx.pb-c.c"
  "gen/onnx.pb-c.h"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/onnxc_onnxpb.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
