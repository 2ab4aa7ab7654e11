/**
 * The encoder as data and as a computation: configuration, weights (a sealed {@code Stem}: token
 * or patch embeddings; the layers; a sealed {@code Head}: none, pooler classifier, ViT head or
 * Segmenter's per-patch decoder, each saying what its logits predict: a sealed {@code Prediction},
 * one class distribution per input or one per patch upsampled to pixels),
 * one {@code TransformerLayer} for post-LN (BERT family) and pre-LN (ViT/DeiT) placements, masks,
 * feature capture, mask gradients and losses. {@code Network} is what every family's weights
 * answer (the ResNet family lives in {@code model.resnet}); {@code ImageClassifier} what image evaluation and linear probes need (logits, the classifier's input features). Depends on {@code engine} only; knows no file format.
 */
package dev.optin.model;
