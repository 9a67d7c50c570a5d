
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/ir/arena.c" "CMakeFiles/onnxc_ir.dir/ir/arena.c.o" "gcc" "CMakeFiles/onnxc_ir.dir/ir/arena.c.o.d"
  "/work/main/ir/broadcast.c" "CMakeFiles/onnxc_ir.dir/ir/broadcast.c.o" "gcc" "CMakeFiles/onnxc_ir.dir/ir/broadcast.c.o.d"
  "/work/main/ir/diag.c" "CMakeFiles/onnxc_ir.dir/ir/diag.c.o" "gcc" "CMakeFiles/onnxc_ir.dir/ir/diag.c.o.d"
  "/work/main/ir/graph.c" "CMakeFiles/onnxc_ir.dir/ir/graph.c.o" "gcc" "CMakeFiles/onnxc_ir.dir/ir/graph.c.o.d"
  "/work/main/ir/hooks.c" "CMakeFiles/onnxc_ir.dir/ir/hooks.c.o" "gcc" "CMakeFiles/onnxc_ir.dir/ir/hooks.c.o.d"
  "/work/main/ir/tensor.c" "CMakeFiles/onnxc_ir.dir/ir/tensor.c.o" "gcc" "CMakeFiles/onnxc_ir.dir/ir/tensor.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
