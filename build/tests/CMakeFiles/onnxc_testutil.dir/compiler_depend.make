# Empty compiler generated dependencies file for onnxc_testutil.
# This may be replaced when dependencies are built.
