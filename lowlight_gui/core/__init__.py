"""Qt-free core: image I/O, tiling, ONNX engine, batch runner."""
