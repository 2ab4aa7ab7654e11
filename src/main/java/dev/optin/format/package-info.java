/**
 * Checkpoint formats in and out of memory: safetensors (read, write, shards), Hugging Face
 * folders and configs (with sentence-transformers' pooling), ONNX import, tokenizers and image
 * preprocessing configs. Every reader
 * bounds what a header or config may make it allocate and fails with a {@code FormatException}
 * naming the file.
 */
package dev.optin.format;
