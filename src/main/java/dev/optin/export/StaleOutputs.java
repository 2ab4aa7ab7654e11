package dev.optin.export;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of the hidden folders an {@link OutputDirectory} keeps beside its target, and the removal
 * of those an earlier writer left behind. The names carry the writer's process id:
 * {@code .<name>.tmp-<pid>-<uuid>} (being written) and {@code .<name>.old-<pid>-<uuid>} (the
 * replaced output, between the two moves of a commit). A folder whose writer is no longer alive
 * was abandoned (killed, power cut): a temporary one is deleted; an old one is moved back when the
 * target is missing (the kill fell between the two moves), else deleted. Folders of live writers,
 * and names without a process id, are never touched. A reused process id only delays the removal.
 */
final class StaleOutputs {
    private StaleOutputs() {}

    static Path tempFolder(Path target) { return sibling(target, "tmp"); }

    static Path oldFolder(Path target) { return sibling(target, "old"); }

    private static Path sibling(Path target, String kind) {
        return target.resolveSibling("." + target.getFileName() + "." + kind + "-" + ProcessHandle.current().pid() + "-" + OutputDirectory.uuid());
    }

    private static Pattern pattern(Path target) {
        return Pattern.compile(Pattern.quote("." + target.getFileName() + ".") + "(tmp|old)-(\\d{1,19})-[0-9a-f-]{36}");
    }

    /** Removes the abandoned folders of target (see the class comment), as far as it can; returns how many. */
    static int clean(Path target) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) return 0;
        Pattern p = pattern(target);
        int removed = 0;
        String prefix = "." + target.getFileName() + ".";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, f -> f.getFileName().toString().startsWith(prefix))) {
            for (Path f : ds) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(f) || alive(Long.parseLong(m.group(2)))) continue;
                try {
                    if (m.group(1).equals("old") && !Files.exists(target)) Files.move(f, target, StandardCopyOption.ATOMIC_MOVE);
                    else OutputDirectory.deleteTree(f);
                    removed++;
                } catch (IOException e) {
                    // debris that cannot be removed (permissions, a concurrent cleaner) does not stop the export
                }
            }
        }
        return removed;
    }

    static boolean alive(long pid) {
        if (pid == ProcessHandle.current().pid()) return true;
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
