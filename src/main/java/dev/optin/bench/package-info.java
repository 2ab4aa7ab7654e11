/**
 * Speed: throughput of the engine and ONNX Runtime on the same shapes, timed in alternating
 * blocks in one process, pruned-versus-original speedups and the GEMM micro-benchmark.
 */
package dev.optin.bench;
