file(REMOVE_RECURSE
  "CMakeFiles/onnxc.dir/cli/inspect.c.o"
  "CMakeFiles/onnxc.dir/cli/inspect.c.o.d"
  "CMakeFiles/onnxc.dir/cli/main.c.o"
  "CMakeFiles/onnxc.dir/cli/main.c.o.d"
  "CMakeFiles/onnxc.dir/cli/run.c.o"
  "CMakeFiles/onnxc.dir/cli/run.c.o.d"
  "onnxc"
  "onnxc.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/onnxc.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
