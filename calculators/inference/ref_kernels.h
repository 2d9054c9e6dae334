/* ref_kernels.h — plain C float32 kernels for every plan op (internal).
 *
 * NHWC layout, TFLite semantics (SAME padding resolved by the plan, average
 * pooling divides by the cells inside the input, bilinear resize with
 * TFLite's align_corners / half_pixel_centers rules). They are written for
 * clarity, not speed: the tests use them as the oracle for the XNNPACK
 * backend, and they run the model when XNNPACK is not built in. lo/hi is
 * the fused activation's clamp (-INFINITY/INFINITY for none). Buffers must
 * not overlap. */
#ifndef EDGEPIPE_INFERENCE_REF_KERNELS_H
#define EDGEPIPE_INFERENCE_REF_KERNELS_H

#include "model.h"

/* in [N,H,W,C], filter [O,KH,KW,C], bias [O] or NULL, out [N,OH,OW,O]. */
void ep__ref_conv2d(const float *in, const int in_dims[4], const float *filter,
                    const float *bias, const ep__conv_params *p, float lo,
                    float hi, float *out, const int out_dims[4]);

/* in [N,H,W,C], filter [1,KH,KW,C*M], bias [C*M] or NULL; output channel
 * c*M+m reads input channel c. */
void ep__ref_depthwise_conv2d(const float *in, const int in_dims[4],
                              const float *filter, const float *bias,
                              const ep__conv_params *p, float lo, float hi,
                              float *out, const int out_dims[4]);

void ep__ref_max_pool2d(const float *in, const int in_dims[4],
                        const ep__pool_params *p, float lo, float hi,
                        float *out, const int out_dims[4]);
void ep__ref_average_pool2d(const float *in, const int in_dims[4],
                            const ep__pool_params *p, float lo, float hi,
                            float *out, const int out_dims[4]);

/* out = a + b or a * b with NumPy broadcasting (shapes aligned at the last
 * dim; out has the larger rank). */
void ep__ref_add(const float *a, int a_nd, const int *a_dims, const float *b,
                 int b_nd, const int *b_dims, float lo, float hi, float *out,
                 int out_nd, const int *out_dims);
void ep__ref_mul(const float *a, int a_nd, const int *a_dims, const float *b,
                 int b_nd, const int *b_dims, float lo, float hi, float *out,
                 int out_nd, const int *out_dims);

/* Element-wise: clamp to [lo, hi] (RELU, RELU6), and 1 / (1 + e^-x). */
void ep__ref_clamp(const float *in, size_t n, float lo, float hi, float *out);
void ep__ref_logistic(const float *in, size_t n, float *out);

/* Softmax over the last dim of rows x cols values. */
void ep__ref_softmax(const float *in, size_t rows, size_t cols, float beta,
                     float *out);

/* Zero padding of an nd tensor; out_dims = in_dims + before + after. */
void ep__ref_pad(const float *in, int nd, const int *in_dims,
                 const ep__pad_params *p, float *out);

/* Joins n inputs (each nd dims, in_dims[i]) along axis. */
void ep__ref_concat(const float *const *in, const int *const *in_dims, int n,
                    int nd, int axis, float lo, float hi, float *out);

/* in [N,H,W,C] -> out [N,OH,OW,C]. */
void ep__ref_resize_bilinear(const float *in, const int in_dims[4],
                             const ep__resize_params *p, float *out,
                             const int out_dims[4]);

/* out[r][o] = bias[o] + sum_i in[r][i] * w[o][i]. */
void ep__ref_fully_connected(const float *in, size_t rows, size_t inputs,
                             const float *w, const float *bias, size_t outputs,
                             float lo, float hi, float *out);

/* Runs plan op `op` of m; buf[t] is tensor t's data (constants: their
 * values). For backends that run single ops in C between engine parts. */
void ep__ref_run_op(const ep__model *m, const ep__op *op, float *const *buf);

#endif
