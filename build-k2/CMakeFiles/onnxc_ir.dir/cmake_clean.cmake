file(REMOVE_RECURSE
  "CMakeFiles/onnxc_ir.dir/ir/arena.c.o"
  "CMakeFiles/onnxc_ir.dir/ir/arena.c.o.d"
  "CMakeFiles/onnxc_ir.dir/ir/broadcast.c.o"
  "CMakeFiles/onnxc_ir.dir/ir/broadcast.c.o.d"
  "CMakeFiles/onnxc_ir.dir/ir/diag.c.o"
  "CMakeFiles/onnxc_ir.dir/ir/diag.c.o.d"
  "CMakeFiles/onnxc_ir.dir/ir/graph.c.o"
  "CMakeFiles/onnxc_ir.dir/ir/graph.c.o.d"
  "CMakeFiles/onnxc_ir.dir/ir/hooks.c.o"
  "CMakeFiles/onnxc_ir.dir/ir/hooks.c.o.d"
  "CMakeFiles/onnxc_ir.dir/ir/tensor.c.o"
  "CMakeFiles/onnxc_ir.dir/ir/tensor.c.o.d"
  "libonnxc_ir.a"
  "libonnxc_ir.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/onnxc_ir.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
