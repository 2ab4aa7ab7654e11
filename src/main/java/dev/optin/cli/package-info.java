/**
 * The {@code optin} command line (picocli): one class per subcommand, errors as one line on
 * stderr. Commands only parse options, choose the workload from the model and data, and call
 * {@link dev.optin.api}; the pipeline itself lives there.
 */
package dev.optin.cli;
