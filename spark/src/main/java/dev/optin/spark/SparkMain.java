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
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--master") || a.equals("--conf")) {
                if (i + 1 >= args.length) return usage(a + " needs a value");
                if (!set(conf, a, args[++i])) return usage("--conf expects key=value, got '" + args[i] + "'");
            } else if (a.startsWith("--master=") || a.startsWith("--conf=")) {
                int eq = a.indexOf('=');
                if (!set(conf, a.substring(0, eq), a.substring(eq + 1))) return usage("--conf expects key=value, got '" + a + "'");
            } else rest.add(a);
        }
        configure(conf);
        quietSpark();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            ScoringBackend previous = ScoringBackend.install(new SparkScoringBackend(sc, System.err));
            try {
                return Main.execute(rest.toArray(String[]::new));
            } finally {
                ScoringBackend.install(previous);
            }
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
        System.err.println("usage: optin-spark <optin command and options> [--master URL] [--conf key=value]...");
        return 2;
    }
}
