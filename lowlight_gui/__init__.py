"""Lowlight: enhance dark, noisy photos with a U-Net run through ONNX Runtime."""

__version__ = "0.1.0"
