# Empty compiler generated dependencies file for onnxc.
# This may be replaced when dependencies are built.
