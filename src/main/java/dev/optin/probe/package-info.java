/**
 * Linear probes: frozen features of a (pruned or original) encoder — the mean-pooled sentence
 * embedding of a text model, the final CLS token of an image model — and an L2-regularised
 * logistic-regression head fitted on them with Tribuo's LibLinear, to judge how well a backbone
 * transfers to a task it was not pruned for.
 */
package dev.optin.probe;
