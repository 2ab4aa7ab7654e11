package dev.optin.api;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The sub-folder of each run of a request, in order, all different:
 * {@code <method>-<flops|latency><percent>}, the percent rounded to an integer
 * ({@code magnitude-flops60}) unless runs of the same method would share the name, which then
 * carry the budget's own digits ({@code magnitude-flops60.1}, {@code magnitude-flops60.4}).
 * Refuses a run that repeats another's method and budget.
 */
public final class RunFolders {
    private RunFolders() {}

    public static List<String> of(PruneRequest request) {
        if (request.budget() == PruneRequest.Budget.MASKS) return List.of(".");
        List<PruneRequest.Run> runs = request.runs();
        String kind = request.latency() ? "latency" : "flops";
        Set<String> seen = new HashSet<>();
        for (PruneRequest.Run r : runs)
            if (!seen.add(prefix(r, kind) + "/" + r.fraction()))
                throw new IllegalArgumentException("the run " + r.method().name().toLowerCase(Locale.ROOT) + " " + kind
                        + " " + budget(r.fraction()) + " is given twice; list each method and budget once");
        List<String> rounded = runs.stream().map(r -> prefix(r, kind) + Math.round(r.fraction() * 100)).toList();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            String name = rounded.get(i);
            boolean shared = rounded.stream().filter(name::equals).count() > 1;
            PruneRequest.Run r = runs.get(i);
            names.add(shared ? prefix(r, kind) + new BigDecimal(Double.toString(r.fraction())).movePointRight(2).stripTrailingZeros().toPlainString() : name);
        }
        return names;
    }

    private static String prefix(PruneRequest.Run r, String kind) { return r.method().name().toLowerCase(Locale.ROOT) + "-" + kind; }

    /** A budget fraction as typed: two decimals (0.60), or four significant digits when finer (0.005000). */
    public static String budget(double f) {
        return String.format(Locale.ROOT, Math.abs(f * 100 - Math.round(f * 100)) < 1e-9 ? "%.2f" : "%.4g", f);
    }
}
