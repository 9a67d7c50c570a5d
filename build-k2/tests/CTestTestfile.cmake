# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build-k2/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[gen_models]=] "/usr/bin/python3" "/work/main/tests/gen_models.py" "/work/main/build-k2/models")
set_tests_properties([=[gen_models]=] PROPERTIES  FIXTURES_SETUP "models" TIMEOUT "3000" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;20;add_test;/work/main/tests/CMakeLists.txt;0;")
