/**
 * Residual convolutional networks (torchvision's ResNet: BasicBlock and Bottleneck) as data and
 * as a computation: convolutions with their BatchNorm kept apart in the weights (so the statistics
 * can be re-estimated after pruning) and folded together in the forward pass, the prunable
 * channel groups (each block's inner convolutions), channel gates, feature capture. Depends on
 * {@code engine} and {@code model} (the shared {@link dev.optin.model.Masks}); knows no file format.
 */
package dev.optin.model.resnet;
