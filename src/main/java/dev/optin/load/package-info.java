/**
 * From a path (a Hugging Face folder, an ONNX file, a PyTorch state dict, or a built-in name such
 * as {@code minilm}) to a {@code LoadedModel}: weights, tokenizer or image preprocessing, and where
 * they came from. The one place that knows every format and family (transformer encoders and
 * torchvision ResNets, whose weights the {@code Network} seam carries).
 */
package dev.optin.load;
