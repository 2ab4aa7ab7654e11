/**
 * Compute kernels on plain {@code float[]} tensors with explicit row-major layouts: GEMM (the
 * Vector API kernel when {@code jdk.incubator.vector} is present, a plain-Java fallback
 * otherwise), one head's scaled dot-product attention ({@link dev.optin.engine.Attention}), layer norm, softmax, GELU, 2-D convolution as im2col on the packed GEMM (forward and
 * input gradient, channels-last), pooling, and the deterministic parallel loop. Imports nothing
 * else of optin; results are bit-identical across thread counts.
 */
package dev.optin.engine;
