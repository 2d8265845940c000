"""Training code for the Lowlight U-Net (PyTorch). The app never imports this package."""
