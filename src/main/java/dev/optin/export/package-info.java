/**
 * Physically smaller models and their files: {@code PhysicalPruner} drops masked heads and
 * neurons; one checkpoint writer ({@code HfCheckpointWriter}) and one ONNX emitter
 * ({@code OnnxExporter}: stem, layer, head) serve every family, which differ only in their
 * naming class ({@code HfTensorNames} for BERT/RoBERTa/DistilBERT, {@code HfVitNames} for
 * ViT/DeiT and Segmenter). ResNets have their own writer ({@code ResNetExport}: torchvision-named safetensors,
 * a config with every block's widths, model.onnx with BatchNorm folded into Conv); {@code OutputDirectory} writes a folder all-or-nothing without ever replacing an
 * input or a folder optin did not write.
 */
package dev.optin.export;
