# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[gen_models]=] "/usr/bin/cmake" "-E" "env" "ONNXC_FULL_DETR=1" "/usr/bin/python3" "/work/main/tests/gen_models.py" "/work/main/build/models")
set_tests_properties([=[gen_models]=] PROPERTIES  FIXTURES_SETUP "models" TIMEOUT "3000" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;26;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[test_conformance]=] "/work/main/build/tests/test_conformance")
set_tests_properties([=[test_conformance]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1800" WORKING_DIRECTORY "/work/main/build" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;39;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[test_ir]=] "/work/main/build/tests/test_ir")
set_tests_properties([=[test_ir]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1800" WORKING_DIRECTORY "/work/main/build" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;39;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_inspect]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "inspect" "/work/main/build/onnxc" "/work/main/build/models/detr")
set_tests_properties([=[detr_inspect]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;47;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_tiny-op12]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/tiny-op12.onnx" "ref")
set_tests_properties([=[detr_ref_tiny-op12]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_tiny-op17]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/tiny-op17.onnx" "ref")
set_tests_properties([=[detr_ref_tiny-op17]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_tiny-op11-prenorm]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/tiny-op11-prenorm.onnx" "ref")
set_tests_properties([=[detr_ref_tiny-op11-prenorm]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_tiny-op13-dynamic]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/tiny-op13-dynamic.onnx" "ref")
set_tests_properties([=[detr_ref_tiny-op13-dynamic]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_tiny-op12-noaux-b2]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/tiny-op12-noaux-b2.onnx" "ref")
set_tests_properties([=[detr_ref_tiny-op12-noaux-b2]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_r50-op12]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/r50-op12.onnx" "ref")
set_tests_properties([=[detr_ref_r50-op12]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_r50-op17]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/r50-op17.onnx" "ref")
set_tests_properties([=[detr_ref_r50-op17]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_r50-op13-dynamic]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/r50-op13-dynamic.onnx" "ref")
set_tests_properties([=[detr_ref_r50-op13-dynamic]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[detr_ref_r101-dc5]=] "/usr/bin/python3" "/work/main/tests/check_detr.py" "run" "/work/main/build/onnxc" "/work/main/build/models/detr/r101-dc5.onnx" "ref")
set_tests_properties([=[detr_ref_r101-dc5]=] PROPERTIES  FIXTURES_REQUIRED "models" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;53;add_test;/work/main/tests/CMakeLists.txt;0;")
