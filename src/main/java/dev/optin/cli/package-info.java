/**
 * The {@code optin} command line (picocli): one class per subcommand, errors as one line on
 * stderr, and the prune jobs that chain scoring, selection, export, evaluation and reports for
 * text and image models.
 */
package dev.optin.cli;
