/**
 * Linear probes: frozen features of a (pruned or original) network — the sentence (mean or [CLS] pooled, as the model declares)
 * embedding of a text model, what an image classifier's last linear layer reads (a ViT's final CLS
 * token, a ResNet's pooled features; {@code model.ImageClassifier#features}) — and an L2-regularised
 * logistic-regression head fitted on them with Tribuo's LibLinear, to judge how well a backbone
 * transfers to a task it was not pruned for.
 */
package dev.optin.probe;
