/**
 * Physically smaller models and their files: {@code PhysicalPruner} drops masked heads and
 * neurons, writers emit Hugging Face checkpoints and ONNX graphs, and {@code OutputDirectory}
 * writes a folder all-or-nothing without ever replacing an input or a folder optin did not write.
 */
package dev.optin.export;
