/**
 * torchvision ResNet state dicts (PyTorch zip {@code .pt/.pth} through the restricted unpickler,
 * or {@code .safetensors}) read into {@link dev.optin.model.resnet.ResNetWeights}: BasicBlock or
 * Bottleneck told from the keys, every block's widths from its tensors' shapes (so pruned
 * checkpoints read back), downsample shortcuts; and the inverse naming for the writer.
 */
package dev.optin.format.resnet;
