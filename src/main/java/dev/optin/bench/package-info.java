/**
 * Speed: throughput of the engine and ONNX Runtime on the same shapes (token ids for text models,
 * pixel_values for image models), timed in alternating blocks in one process, pruned-versus-original
 * speedups and the GEMM micro-benchmark; {@code ResNetBench} the same in images/s for ResNets.
 */
package dev.optin.bench;
