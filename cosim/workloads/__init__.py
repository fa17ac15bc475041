"""Generative image models on the handwritten-digits set, and their image-quality metrics.

Three class-conditional generators (GAN, VAE, DDPM) and a digit classifier used only to
judge them, trained digitally in JAX/optax. Every matrix product of a forward pass goes
through :func:`cosim.workloads.layers.matmul` with a pluggable ``backend(W, X) -> Y``;
the default is the exact digital product, and the co-simulation passes an optical core
instead. Activations, biases and data movement stay in electronics.

Modules: :mod:`data` (the data set), :mod:`layers` (the seam), :mod:`gan`, :mod:`vae`,
:mod:`diffusion`, :mod:`classifier` (the models), :mod:`fit` (the training loop),
:mod:`train` (train, evaluate, save/load weights), :mod:`metrics` (PSNR, SSIM, FID,
accuracy) and :mod:`plots` (image grids).
"""
