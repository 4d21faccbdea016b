// OpenBLAS's CBLAS interface, found through pkg-config (openblas.pc adds its include folder).
#include <cblas.h>
#include <stddef.h>

// The LAPACK routines Ember calls (OpenBLAS exports them); column-major, Fortran calling convention.
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work, const int *lwork, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);
// Routines taking characters are declared with gfortran's hidden string lengths at the end; OpenBLAS's own C
// versions of some of them take none, and the extra arguments are then ignored.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uploLength);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, double *work,
             const int *lwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
             const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork, int *info,
             size_t jobzLength);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, size_t jobzLength, size_t uploLength);
