// The CUDA prototypes are types only (include/CCUDA.h); this file gives the target a source.
