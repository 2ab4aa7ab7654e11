/**
 * Text data sets (GLUE TSV, CSV, JSONL, plain lines), task detection, label parsing, calibration
 * sampling and batching into token ids. Bad rows fail with a {@code DataException} naming the
 * file and line.
 */
package dev.optin.data;
