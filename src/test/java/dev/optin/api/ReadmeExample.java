package dev.optin.api;

import dev.optin.data.DataOptions;
import dev.optin.pruning.Pruner.Method;
import dev.optin.report.RunReport;

import java.nio.file.Path;

/** The README's "Use from Java" program, kept compilable here; {@code ReadmeExampleTest} checks the two agree and runs it. */
final class ReadmeExample {
    private ReadmeExample() {}

    static RunReport run(Path model, Path train, Path dev, Path out) throws Exception {
        // README:start
        try (OptinModel m = Optin.load(model)) {
            Workload sst2 = TextWorkload.files(train, dev, DataOptions.detect(), 64);   // evaluate on 64 dev rows
            PruneRequest request = PruneRequest.builder()
                    .method(Method.MAGNITUDE).flops(0.5)                              // a budget is required; no method: the recipe
                    .samples(64).measureSpeed(false)                                  // optional, CLI defaults otherwise
                    .build();
            PruneResult r = m.prune(sst2, request);
            RunReport report = r.report();                                            // what report.json holds
            System.out.printf("MACs %.3f, accuracy %s%n", report.macs().ratio(), report.accuracy().pruned());
            r.writeTo(out);                                                           // HF folder, model.onnx, masks.json, reports
            return report;
        }
        // README:end
    }
}
