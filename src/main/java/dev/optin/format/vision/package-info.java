/**
 * Vision checkpoints: PyTorch zip state dicts through a restricted unpickler (no code runs), and
 * the Hugging Face, timm and lucidrains tensor layouts mapped onto the shared encoder weights.
 */
package dev.optin.format.vision;
