/**
 * The encoder as data and as a computation: configuration, weights, one {@code TransformerLayer}
 * for post-LN (BERT family) and pre-LN (ViT/DeiT) placements, masks, feature capture, mask
 * gradients and losses. Depends on {@code engine} only; knows no file format.
 */
package dev.optin.model;
