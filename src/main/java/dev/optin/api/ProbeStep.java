package dev.optin.api;

import dev.optin.load.LoadedModel;
import dev.optin.model.Masks;
import dev.optin.model.Network;
import dev.optin.report.PruneReport;
import dev.optin.report.RunReport;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * The prune session's optional probe step: the request's probe data is read once and the
 * original model probed once when the session starts; each run's masks are then probed on the
 * same examples and reported beside the original's.
 */
final class ProbeStep {
    private final ProbeRun run;
    private final ProbeData data;
    private final Network network;
    private final PruneRequest request;
    private final ProbeResult original;

    private ProbeStep(LoadedModel model, PruneRequest request) throws IOException {
        this.data = request.probe();
        this.network = model.network();
        this.request = request;
        this.run = new ProbeRun(model, data, request.batch());
        request.log().printf(Locale.ROOT, "optin: probing the original model (%d training, %d evaluation rows)%n", run.trainRows(), run.evalRows());
        this.original = run.probe(network, network.ones(), "probe original", request.progress());
        request.log().printf(Locale.ROOT, "optin: original probe accuracy %.4f (C %s)%n", original.accuracy(), original.c());
    }

    /** The step when the request asks for a probe (the original, any family, is probed now), else empty. */
    static Optional<ProbeStep> of(LoadedModel model, PruneRequest request) throws IOException {
        return request.probe() == null ? Optional.empty() : Optional.of(new ProbeStep(model, request));
    }

    /**
     * The pruned model probed beside the original: masks over these weights (the original's,
     * reconstructed ones) or, for a physically smaller network, its own weights under {@link Network#ones()}.
     */
    RunReport.Probe report(Network pruned, Masks masks) {
        ProbeResult p = run.probe(pruned, masks, "probe pruned", request.progress());
        return new RunReport.Probe(PruneReport.round(original.accuracy(), 6), PruneReport.round(p.accuracy(), 6),
                name(data.train().toString(), data.trainRange()), name(data.eval().toString(), data.evalRange()),
                p.train(), p.eval(), p.c(), original.c());
    }

    private static String name(String file, String range) { return range == null ? file : file + "[" + range + "]"; }
}
