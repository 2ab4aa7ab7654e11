package dev.optin.fuzz;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replays fuzzing findings through their fuzz target, each one a test that passes once the parser
 * is fixed (normal return or a documented exception, see {@link FuzzExpectations}). Off in a plain
 * {@code mvn test}, because new findings fail on purpose until they are fixed:
 * <pre>
 * mvn test -Dtest=FindingsReplayTest -Doptin.fuzz.findings=target/fuzz   # what .ci/fuzz just found
 * mvn test -Dtest=FindingsReplayTest -Doptin.fuzz.findings=&lt;folder&gt;     # findings/&lt;Class&gt;/&lt;method&gt;/&lt;file&gt;
 * </pre>
 * A finding's target is named by its folders: {@code <Class>/<method>/<file>}, or
 * {@code target/fuzz/<Class>#<method>/crash-*} as .ci/fuzz leaves them. Once a finding passes, move it
 * into the regression corpus, {@code src/test/resources/dev/optin/fuzz/<Class>Inputs/<method>/finding-*}
 * (every finding so far is there, see docs/fuzzing.md), which every {@code mvn test} replays.
 */
@EnabledIfSystemProperty(named = "optin.fuzz.findings", matches = ".+")
class FindingsReplayTest {
    @TestFactory
    Stream<DynamicTest> findings() throws IOException {
        String where = System.getProperty("optin.fuzz.findings");
        Path root = where.equals("true") ? Path.of("target/fuzz") : Path.of(where);
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).filter(FindingsReplayTest::isInput).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(root.relativize(f).toString(), () -> {
            try {
                replay(f);
            } catch (Throwable t) {   // name the reproducer: surefire's summary shows only the factory's name
                throw new AssertionError(root.relativize(f) + ": " + t, t);
            }
        }));
    }

    private static boolean isInput(Path f) {
        String n = f.getFileName().toString(), parent = f.getParent().getFileName().toString();
        if (n.endsWith(".md") || n.endsWith(".txt")) return false;
        return parent.contains("#") ? n.matches("(crash|timeout|oom|slow-unit)-.*") : !f.toString().contains(".cifuzz-corpus");
    }

    static void replay(Path f) throws Throwable {
        String parent = f.getParent().getFileName().toString();
        String cls, method;
        if (parent.contains("#")) { cls = parent.substring(0, parent.indexOf('#')); method = parent.substring(parent.indexOf('#') + 1); }
        else { cls = f.getParent().getParent().getFileName().toString(); method = parent; }
        Class<?> c = Class.forName("dev.optin.fuzz." + cls);
        Method m = c.getDeclaredMethod(method, byte[].class);
        m.setAccessible(true);
        var ctor = c.getDeclaredConstructor();
        ctor.setAccessible(true);
        try {
            m.invoke(ctor.newInstance(), (Object) Files.readAllBytes(f));
        } catch (InvocationTargetException e) {
            // JUnit aborts the whole run on an OutOfMemoryError: report it as this finding's failure instead
            if (e.getCause() instanceof OutOfMemoryError oom) throw new AssertionError("parser ran out of memory: " + oom, oom);
            throw e.getCause();
        }
    }
}
