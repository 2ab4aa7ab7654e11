/**
 * Fuzz tests of optin's file parsers (issue 26), written with Jazzer's JUnit integration.
 *
 * <p>Each {@code *FuzzTest} class holds {@code @FuzzTest} methods that write the fuzzer's bytes to a
 * temporary file (or a folder around it) and call one parser through {@link dev.optin.fuzz.FuzzExpectations#run},
 * which accepts a normal return or one of the documented exceptions with a message, and lets
 * everything else (IndexOutOfBounds, ClassCast, NegativeArraySize, OutOfMemoryError, StackOverflowError,
 * a timeout, ...) fail the test as a finding.
 *
 * <p>Two modes:
 * <ul>
 *   <li>regression (plain {@code mvn test}): every method runs on its seed corpus,
 *       {@code src/test/resources/dev/optin/fuzz/<Class>Inputs/<method>/}, plus the empty input;
 *       the seeds are small files made by {@link dev.optin.fuzz.SeedCorpus} (rerun it to regenerate them).</li>
 *   <li>fuzzing ({@code JAZZER_FUZZ=1}): Jazzer mutates the seeds, one fuzz test per JVM;
 *       {@code .ci/fuzz} runs every target for a bounded time and reports inputs run and findings.</li>
 * </ul>
 *
 * <p>Reproducers of findings against parsers not yet fixed live in
 * {@code src/test/resources/dev/optin/fuzz/findings/} (outside the regression corpus, so {@code mvn test}
 * stays green); {@link dev.optin.fuzz.FindingsReplayTest} replays them on demand
 * ({@code mvn test -Dtest=FindingsReplayTest -Doptin.fuzz.findings=true}).
 */
package dev.optin.fuzz;
