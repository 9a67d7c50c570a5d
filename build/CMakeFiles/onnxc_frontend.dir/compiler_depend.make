# Empty compiler generated dependencies file for onnxc_frontend.
# This may be replaced when dependencies are built.
