# Empty compiler generated dependencies file for onnxc_onnxpb.
# This may be replaced when dependencies are built.
