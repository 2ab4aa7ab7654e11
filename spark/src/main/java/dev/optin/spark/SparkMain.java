package dev.optin.spark;

import dev.optin.cli.Main;
import dev.optin.pruning.ScoringBackend;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code optin-spark}: the {@code optin} command line with exact OPTIN scoring on Spark. Takes every
 * {@code optin} command and option, plus {@code --master URL} and {@code --conf key=value} (as spark-submit
 * does; anywhere on the line); under spark-submit the master and configuration come from spark-submit. Starts
 * one Spark context, installs {@link SparkScoringBackend}, runs the command, stops the context.
 * {@code --seeds S1,S2,…} (with {@code --out DIR}) runs the command once per seed, one after another, into
 * {@code DIR/seed-S}: a sweep of methods × budgets (one command line) × seeds, each seed's OPTIN scoring
 * one Spark job over the whole cluster.
 */
public final class SparkMain {
    /** JVM flags optin needs on every executor, besides the module openings Spark adds itself. */
    public static final String EXECUTOR_FLAGS = "--add-modules jdk.incubator.vector -Xss8m";

    private SparkMain() {}

    public static void main(String[] args) { System.exit(run(args)); }

    /** Runs a command line on Spark and returns its exit code. */
    public static int run(String... args) {
        SparkConf conf = new SparkConf().setAppName("optin");
        List<String> rest = new ArrayList<>();
        List<String> seeds = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--seeds") || a.startsWith("--seeds=")) {
                String v = a.equals("--seeds") ? (i + 1 < args.length ? args[++i] : null) : a.substring("--seeds=".length());
                if (v == null || !v.matches("-?\\d+(,-?\\d+)*")) return usage("--seeds expects integers separated by commas, got '" + v + "'");
                seeds = List.of(v.split(","));
            } else if (a.equals("--master") || a.equals("--conf")) {
                if (i + 1 >= args.length) return usage(a + " needs a value");
                if (!set(conf, a, args[++i])) return usage("--conf expects key=value, got '" + args[i] + "'");
            } else if (a.startsWith("--master=") || a.startsWith("--conf=")) {
                int eq = a.indexOf('=');
                if (!set(conf, a.substring(0, eq), a.substring(eq + 1))) return usage("--conf expects key=value, got '" + a + "'");
            } else rest.add(a);
        }
        List<String[]> commands = new ArrayList<>();
        if (seeds == null) commands.add(rest.toArray(String[]::new));
        else {
            String out = value(rest, "--out");
            if (out == null) return usage("--seeds needs --out DIR (each seed writes DIR/seed-S)");
            if (value(rest, "--seed") != null) return usage("give --seeds or --seed, not both");
            for (String seed : seeds) {
                List<String> c = new ArrayList<>(rest);
                replaceValue(c, "--out", out + "/seed-" + seed);
                c.add("--seed");
                c.add(seed);
                commands.add(c.toArray(String[]::new));
            }
        }
        configure(conf);
        quietSpark();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            ScoringBackend previous = ScoringBackend.install(new SparkScoringBackend(sc, System.err));
            try {
                for (String[] c : commands) {
                    int code = Main.execute(c);
                    if (code != 0) return code;
                }
                return 0;
            } finally {
                ScoringBackend.install(previous);
            }
        }
    }

    /** The value of option name (as "name value" or "name=value"), or null. */
    private static String value(List<String> args, String name) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(name) && i + 1 < args.size()) return args.get(i + 1);
            if (args.get(i).startsWith(name + "=")) return args.get(i).substring(name.length() + 1);
        }
        return null;
    }

    private static void replaceValue(List<String> args, String name, String value) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(name) && i + 1 < args.size()) args.set(i + 1, value);
            else if (args.get(i).startsWith(name + "=")) args.set(i, name + "=" + value);
        }
    }

    private static boolean set(SparkConf conf, String option, String value) {
        if (option.equals("--master")) { conf.setMaster(value); return true; }
        int eq = value.indexOf('=');
        if (eq <= 0) return false;
        conf.set(value.substring(0, eq), value.substring(eq + 1));
        return true;
    }

    /**
     * Defaults of an optin run: local[*] when no master is given anywhere, optin's JVM flags on the executors
     * (appended to any the user set), no console progress bar (optin draws its own).
     */
    public static void configure(SparkConf conf) {
        conf.setIfMissing("spark.master", "local[*]");
        String key = "spark.executor.extraJavaOptions";
        String extra = conf.get(key, "");
        if (!extra.contains("jdk.incubator.vector")) conf.set(key, (extra + " " + EXECUTOR_FLAGS).trim());
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    }

    /** Spark logs through slf4j-simple here (optin's binding): its INFO lines would drown optin's output. */
    public static void quietSpark() {
        for (String p : new String[] {"org.apache.spark", "org.sparkproject", "org.apache.hadoop", "io.netty"})
            if (System.getProperty("org.slf4j.simpleLogger.log." + p) == null) System.setProperty("org.slf4j.simpleLogger.log." + p, "warn");
    }

    private static int usage(String problem) {
        System.err.println("optin-spark: error: " + problem);
        System.err.println("usage: optin-spark <optin command and options> [--master URL] [--conf key=value]... [--seeds S1,S2,... --out DIR]");
        return 2;
    }
}
