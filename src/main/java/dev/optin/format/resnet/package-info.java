/**
 * torchvision ResNet state dicts (PyTorch zip {@code .pt/.pth} through the restricted unpickler,
 * or {@code .safetensors}) read into {@link dev.optin.model.resnet.ResNetWeights}: BasicBlock or
 * Bottleneck told from the keys, every block's widths from its tensors' shapes (so pruned
 * checkpoints read back), downsample shortcuts; and the inverse naming for the writer. ONNX
 * exports of the same networks ({@link dev.optin.format.resnet.OnnxResNet}) are matched node by
 * node to that structure and renamed to torchvision's keys, so one reader checks both.
 */
package dev.optin.format.resnet;
