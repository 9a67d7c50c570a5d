
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/cli/inspect.c" "CMakeFiles/onnxc.dir/cli/inspect.c.o" "gcc" "CMakeFiles/onnxc.dir/cli/inspect.c.o.d"
  "/work/main/cli/main.c" "CMakeFiles/onnxc.dir/cli/main.c.o" "gcc" "CMakeFiles/onnxc.dir/cli/main.c.o.d"
  "/work/main/cli/run.c" "CMakeFiles/onnxc.dir/cli/run.c.o" "gcc" "CMakeFiles/onnxc.dir/cli/run.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/onnxc_frontend.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/onnxc_ir.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
