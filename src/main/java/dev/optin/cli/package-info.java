/**
 * The {@code optin} command line (picocli): one class per subcommand, errors as one line on
 * stderr. Commands parse options and call the library; they hold no pruning logic.
 */
package dev.optin.cli;
