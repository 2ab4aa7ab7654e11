/**
 * PyTorch state dicts as name → tensor maps: zip checkpoints read through a restricted unpickler
 * (no code runs; stack, memo and sizes bounded by the file) and safetensors files read as floats.
 * Knows no model family.
 */
package dev.optin.format.torch;
