/**
 * Vision transformer checkpoints: the Hugging Face ViT/DeiT, timm and lucidrains vit-pytorch
 * tensor layouts, each mapped onto the shared encoder weights, and the loader that tells them
 * apart by their key names.
 */
package dev.optin.format.vit;
