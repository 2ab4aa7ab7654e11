/**
 * Image data: IDX files and folders of class sub-folders (checked against the file size, the
 * heap and the model's classes before anything large is allocated), segmentation folders
 * (images/ and masks/ of class ids) and image batches.
 */
package dev.optin.data.image;
