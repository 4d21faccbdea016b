// The C prototypes Ember calls in the CUDA driver, NVRTC, cuBLAS, cuFFT, cuDNN and NCCL, as function-pointer types:
// Ember resolves them with dlsym at run time, so it builds without CUDA headers and runs without a GPU. Types and
// values follow cuda.h and nvrtc.h of CUDA 13, cufft.h of cuFFT 12, cudnn.h of cuDNN 9 and nccl.h of NCCL 2.
#ifndef CCUDA_H
#define CCUDA_H

#include <stddef.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

#define CUDA_SUCCESS 0
#define CUDA_ERROR_OUT_OF_MEMORY 2
#define CUDA_ERROR_NO_DEVICE 100
#define CUDA_ERROR_NOT_READY 600
#define CU_STREAM_NON_BLOCKING 1
#define CU_MEMHOSTALLOC_PORTABLE 1
#define CU_EVENT_DEFAULT 0
#define CU_EVENT_DISABLE_TIMING 2
#define CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT 16
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75
#define CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76
#define NVRTC_SUCCESS 0

// Driver API (libcuda.so.1).
typedef CUresult (*PFN_cuInit)(unsigned int flags);
typedef CUresult (*PFN_cuDriverGetVersion)(int *version);
typedef CUresult (*PFN_cuGetErrorString)(CUresult error, const char **text);
typedef CUresult (*PFN_cuGetErrorName)(CUresult error, const char **name);
typedef CUresult (*PFN_cuDeviceGetCount)(int *count);
typedef CUresult (*PFN_cuDeviceGet)(CUdevice *device, int ordinal);
typedef CUresult (*PFN_cuDeviceGetName)(char *name, int length, CUdevice device);
typedef CUresult (*PFN_cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
typedef CUresult (*PFN_cuDeviceTotalMem)(size_t *bytes, CUdevice device);
typedef CUresult (*PFN_cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
typedef CUresult (*PFN_cuCtxSetCurrent)(CUcontext context);
typedef CUresult (*PFN_cuCtxSynchronize)(void);
typedef CUresult (*PFN_cuMemAlloc)(CUdeviceptr *address, size_t bytes);
typedef CUresult (*PFN_cuMemFree)(CUdeviceptr address);
typedef CUresult (*PFN_cuMemGetInfo)(size_t *free, size_t *total);
typedef CUresult (*PFN_cuMemHostAlloc)(void **address, size_t bytes, unsigned int flags);
typedef CUresult (*PFN_cuMemFreeHost)(void *address);
typedef CUresult (*PFN_cuMemcpyHtoDAsync)(CUdeviceptr destination, const void *source, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuMemcpyDtoHAsync)(void *destination, CUdeviceptr source, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuModuleLoadData)(CUmodule *module, const void *image);
typedef CUresult (*PFN_cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
typedef CUresult (*PFN_cuLaunchKernel)(CUfunction function, unsigned int gridX, unsigned int gridY, unsigned int gridZ,
                                       unsigned int blockX, unsigned int blockY, unsigned int blockZ,
                                       unsigned int sharedBytes, CUstream stream, void **parameters, void **extra);
typedef CUresult (*PFN_cuCtxGetStreamPriorityRange)(int *leastPriority, int *greatestPriority);
typedef CUresult (*PFN_cuStreamCreateWithPriority)(CUstream *stream, unsigned int flags, int priority);
typedef CUresult (*PFN_cuStreamSynchronize)(CUstream stream);
typedef CUresult (*PFN_cuStreamQuery)(CUstream stream);
typedef CUresult (*PFN_cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned int flags);
typedef CUresult (*PFN_cuEventCreate)(CUevent *event, unsigned int flags);
typedef CUresult (*PFN_cuEventRecord)(CUevent event, CUstream stream);
typedef CUresult (*PFN_cuEventQuery)(CUevent event);
typedef CUresult (*PFN_cuEventDestroy)(CUevent event);
typedef CUresult (*PFN_cuEventSynchronize)(CUevent event);
typedef CUresult (*PFN_cuEventElapsedTime)(float *milliseconds, CUevent start, CUevent end);

// NVRTC (libnvrtc.so.13).
typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;
typedef nvrtcResult (*PFN_nvrtcVersion)(int *major, int *minor);
typedef const char *(*PFN_nvrtcGetErrorString)(nvrtcResult result);
typedef nvrtcResult (*PFN_nvrtcCreateProgram)(nvrtcProgram *program, const char *source, const char *name,
                                              int headerCount, const char *const *headers,
                                              const char *const *includeNames);
typedef nvrtcResult (*PFN_nvrtcDestroyProgram)(nvrtcProgram *program);
typedef nvrtcResult (*PFN_nvrtcCompileProgram)(nvrtcProgram program, int optionCount, const char *const *options);
typedef nvrtcResult (*PFN_nvrtcGetProgramLogSize)(nvrtcProgram program, size_t *size);
typedef nvrtcResult (*PFN_nvrtcGetProgramLog)(nvrtcProgram program, char *log);
typedef nvrtcResult (*PFN_nvrtcGetCUBINSize)(nvrtcProgram program, size_t *size);
typedef nvrtcResult (*PFN_nvrtcGetCUBIN)(nvrtcProgram program, char *cubin);
typedef nvrtcResult (*PFN_nvrtcGetPTXSize)(nvrtcProgram program, size_t *size);
typedef nvrtcResult (*PFN_nvrtcGetPTX)(nvrtcProgram program, char *ptx);

// cuBLAS (libcublas.so.13).
typedef int cublasStatus_t;
typedef struct cublasContext *cublasHandle_t;
#define CUBLAS_STATUS_SUCCESS 0
#define CUBLAS_OP_N 0
#define CUBLAS_OP_T 1
#define CUDA_R_32F 0
#define CUDA_R_64F 1
#define CUBLAS_COMPUTE_32F 68
#define CUBLAS_COMPUTE_32F_FAST_TF32 77
#define CUBLAS_COMPUTE_64F 70
#define CUBLAS_GEMM_DEFAULT -1
typedef cublasStatus_t (*PFN_cublasCreate)(cublasHandle_t *handle);
typedef const char *(*PFN_cublasGetStatusString)(cublasStatus_t status);
typedef cublasStatus_t (*PFN_cublasSetStream)(cublasHandle_t handle, CUstream stream);
typedef cublasStatus_t (*PFN_cublasGemmStridedBatchedEx)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                                        const void *alpha, const void *A, int Atype, int lda, long long strideA,
                                                        const void *B, int Btype, int ldb, long long strideB, const void *beta,
                                                        void *C, int Ctype, int ldc, long long strideC, int batchCount,
                                                        int computeType, int algo);

// cuFFT (libcufft.so.12). Types: complex to complex, real to complex, in float32 and float64.
typedef int cufftResult;
typedef int cufftHandle;
#define CUFFT_SUCCESS 0
#define CUFFT_R2C 0x2a
#define CUFFT_C2C 0x29
#define CUFFT_D2Z 0x6a
#define CUFFT_Z2Z 0x69
#define CUFFT_FORWARD -1
#define CUFFT_INVERSE 1
typedef cufftResult (*PFN_cufftGetVersion)(int *version);
typedef cufftResult (*PFN_cufftPlanMany)(cufftHandle *plan, int rank, int *n, int *inembed, int istride, int idist, int *onembed,
                                         int ostride, int odist, int type, int batch);
typedef cufftResult (*PFN_cufftDestroy)(cufftHandle plan);
typedef cufftResult (*PFN_cufftSetStream)(cufftHandle plan, CUstream stream);
/// cufftExecC2C and cufftExecZ2Z.
typedef cufftResult (*PFN_cufftExecComplex)(cufftHandle plan, void *input, void *output, int direction);
/// cufftExecR2C and cufftExecD2Z.
typedef cufftResult (*PFN_cufftExecReal)(cufftHandle plan, void *input, void *output);

// cuDNN (libcudnn.so.9): the convolution API of cudnn_cnn.h (still in cuDNN 9, marked deprecated there in favour of
// the graph API). The three algorithm-performance structs of cuDNN share one layout, declared once here.
typedef int cudnnStatus_t;
typedef struct cudnnContext *cudnnHandle_t;
typedef struct cudnnTensorStruct *cudnnTensorDescriptor_t;
typedef struct cudnnFilterStruct *cudnnFilterDescriptor_t;
typedef struct cudnnConvolutionStruct *cudnnConvolutionDescriptor_t;
typedef struct {
    int algo;
    cudnnStatus_t status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
} cudnnAlgorithmPerformance;
#define CUDNN_STATUS_SUCCESS 0
#define CUDNN_DATA_FLOAT 0
#define CUDNN_DATA_DOUBLE 1
#define CUDNN_TENSOR_NCHW 0
#define CUDNN_CROSS_CORRELATION 1
#define CUDNN_DEFAULT_MATH 0
#define CUDNN_FMA_MATH 3
#define CUDNN_DETERMINISTIC 1
typedef size_t (*PFN_cudnnGetVersion)(void);
typedef const char *(*PFN_cudnnGetErrorString)(cudnnStatus_t status);
typedef cudnnStatus_t (*PFN_cudnnCreate)(cudnnHandle_t *handle);
typedef cudnnStatus_t (*PFN_cudnnSetStream)(cudnnHandle_t handle, CUstream stream);
typedef cudnnStatus_t (*PFN_cudnnCreateTensorDescriptor)(cudnnTensorDescriptor_t *descriptor);
typedef cudnnStatus_t (*PFN_cudnnSetTensorNdDescriptor)(cudnnTensorDescriptor_t descriptor, int dataType, int dimensions,
                                                        const int *sizes, const int *strides);
typedef cudnnStatus_t (*PFN_cudnnDestroyTensorDescriptor)(cudnnTensorDescriptor_t descriptor);
typedef cudnnStatus_t (*PFN_cudnnCreateFilterDescriptor)(cudnnFilterDescriptor_t *descriptor);
typedef cudnnStatus_t (*PFN_cudnnSetFilterNdDescriptor)(cudnnFilterDescriptor_t descriptor, int dataType, int format, int dimensions,
                                                        const int *sizes);
typedef cudnnStatus_t (*PFN_cudnnDestroyFilterDescriptor)(cudnnFilterDescriptor_t descriptor);
typedef cudnnStatus_t (*PFN_cudnnCreateConvolutionDescriptor)(cudnnConvolutionDescriptor_t *descriptor);
typedef cudnnStatus_t (*PFN_cudnnSetConvolutionNdDescriptor)(cudnnConvolutionDescriptor_t descriptor, int spatialDimensions,
                                                             const int *padding, const int *stride, const int *dilation, int mode,
                                                             int computeType);
typedef cudnnStatus_t (*PFN_cudnnSetConvolutionGroupCount)(cudnnConvolutionDescriptor_t descriptor, int groups);
typedef cudnnStatus_t (*PFN_cudnnSetConvolutionMathType)(cudnnConvolutionDescriptor_t descriptor, int mathType);
typedef cudnnStatus_t (*PFN_cudnnDestroyConvolutionDescriptor)(cudnnConvolutionDescriptor_t descriptor);
/// cudnnGetConvolutionForwardAlgorithm_v7: (x, w, conv, y); BackwardData: (w, dy, conv, dx); BackwardFilter: (x, dy,
/// conv, dw) — the descriptors as `void *`, their kinds differing by direction.
typedef cudnnStatus_t (*PFN_cudnnGetConvolutionAlgorithm)(cudnnHandle_t handle, const void *a, const void *b,
                                                          cudnnConvolutionDescriptor_t convolution, const void *c, int requested,
                                                          int *returned, cudnnAlgorithmPerformance *results);
typedef cudnnStatus_t (*PFN_cudnnConvolutionForward)(cudnnHandle_t handle, const void *alpha, cudnnTensorDescriptor_t xDesc,
                                                     const void *x, cudnnFilterDescriptor_t wDesc, const void *w,
                                                     cudnnConvolutionDescriptor_t convolution, int algo, void *workspace,
                                                     size_t workspaceBytes, const void *beta, cudnnTensorDescriptor_t yDesc, void *y);
typedef cudnnStatus_t (*PFN_cudnnConvolutionBackwardData)(cudnnHandle_t handle, const void *alpha, cudnnFilterDescriptor_t wDesc,
                                                          const void *w, cudnnTensorDescriptor_t dyDesc, const void *dy,
                                                          cudnnConvolutionDescriptor_t convolution, int algo, void *workspace,
                                                          size_t workspaceBytes, const void *beta, cudnnTensorDescriptor_t dxDesc,
                                                          void *dx);
typedef cudnnStatus_t (*PFN_cudnnConvolutionBackwardFilter)(cudnnHandle_t handle, const void *alpha, cudnnTensorDescriptor_t xDesc,
                                                            const void *x, cudnnTensorDescriptor_t dyDesc, const void *dy,
                                                            cudnnConvolutionDescriptor_t convolution, int algo, void *workspace,
                                                            size_t workspaceBytes, const void *beta, cudnnFilterDescriptor_t dwDesc,
                                                            void *dw);

// NCCL (libnccl.so.2). The unique id goes to ncclCommInitRank by value, which is why it is declared here.
typedef int ncclResult_t;
typedef struct ncclComm *ncclComm_t;
typedef struct { char internal[128]; } ncclUniqueId;
#define NCCL_SUCCESS 0
#define NCCL_IN_PROGRESS 7
typedef ncclResult_t (*PFN_ncclGetVersion)(int *version);
typedef const char *(*PFN_ncclGetErrorString)(ncclResult_t result);
typedef const char *(*PFN_ncclGetLastError)(ncclComm_t comm);
typedef ncclResult_t (*PFN_ncclGetUniqueId)(ncclUniqueId *uniqueId);
typedef ncclResult_t (*PFN_ncclCommInitRank)(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank);
typedef ncclResult_t (*PFN_ncclCommDestroy)(ncclComm_t comm);
typedef ncclResult_t (*PFN_ncclCommAbort)(ncclComm_t comm);
typedef ncclResult_t (*PFN_ncclCommGetAsyncError)(ncclComm_t comm, ncclResult_t *asyncError);
typedef ncclResult_t (*PFN_ncclAllReduce)(const void *sendbuff, void *recvbuff, size_t count, int datatype, int op,
                                          ncclComm_t comm, CUstream stream);
typedef ncclResult_t (*PFN_ncclBroadcast)(const void *sendbuff, void *recvbuff, size_t count, int datatype, int root,
                                          ncclComm_t comm, CUstream stream);
typedef ncclResult_t (*PFN_ncclAllGather)(const void *sendbuff, void *recvbuff, size_t sendcount, int datatype,
                                          ncclComm_t comm, CUstream stream);
typedef ncclResult_t (*PFN_ncclReduceScatter)(const void *sendbuff, void *recvbuff, size_t recvcount, int datatype, int op,
                                              ncclComm_t comm, CUstream stream);
typedef ncclResult_t (*PFN_ncclSend)(const void *sendbuff, size_t count, int datatype, int peer, ncclComm_t comm, CUstream stream);
typedef ncclResult_t (*PFN_ncclRecv)(void *recvbuff, size_t count, int datatype, int peer, ncclComm_t comm, CUstream stream);
typedef ncclResult_t (*PFN_ncclGroupStart)(void);
typedef ncclResult_t (*PFN_ncclGroupEnd)(void);

#endif
