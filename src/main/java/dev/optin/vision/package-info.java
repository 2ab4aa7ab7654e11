/**
 * Image data: IDX files and folders of class sub-folders, preprocessing to the model's input
 * contract, image batches and evaluation of image classifiers.
 */
package dev.optin.vision;
