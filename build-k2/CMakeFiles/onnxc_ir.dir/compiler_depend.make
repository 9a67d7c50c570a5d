# Empty compiler generated dependencies file for onnxc_ir.
# This may be replaced when dependencies are built.
