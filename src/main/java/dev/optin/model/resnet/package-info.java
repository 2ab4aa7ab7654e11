/**
 * Residual convolutional networks (torchvision's ResNet: BasicBlock and Bottleneck) as data and
 * as a computation: convolutions with their BatchNorm kept apart in the weights (so the statistics
 * can be re-estimated after pruning) and folded together in the forward pass, the prunable
 * channel groups (each block's inner convolutions), channel gates, feature capture, and BatchNorm
 * an exporter folded away ({@link dev.optin.model.resnet.FoldedBatchNorm}: identity until its
 * statistics are measured on calibration images). Depends on
 * {@code engine} and {@code model} (the shared {@link dev.optin.model.Masks}); knows no file format.
 */
package dev.optin.model.resnet;
