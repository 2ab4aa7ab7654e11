/**
 * Progress of long passes: a neutral {@code Progress} callback the library reports to, and a
 * console progress bar with ETA for the command line.
 */
package dev.optin.progress;
