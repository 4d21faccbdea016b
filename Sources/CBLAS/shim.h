// OpenBLAS's CBLAS interface, found through pkg-config (openblas.pc adds its include folder).
#include <cblas.h>

// The LAPACK routines Ember calls (OpenBLAS exports them); column-major, Fortran calling convention.
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work, const int *lwork, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);
