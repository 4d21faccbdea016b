// OpenBLAS's CBLAS interface, found through pkg-config (openblas.pc adds its include folder).
#include <cblas.h>
