/**
 * The report of a prune run: {@code report.json}, {@code masks.json} and the self-contained
 * {@code report.html} with inline SVG charts.
 */
package dev.optin.report;
