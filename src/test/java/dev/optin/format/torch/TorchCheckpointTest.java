package dev.optin.format.torch;

import dev.optin.format.torch.StateDict;
import dev.optin.format.torch.TorchCheckpoint;

import dev.optin.format.FormatException;
import dev.optin.load.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PyTorch zip checkpoints written byte by byte: a real tensor state dict, and hostile or broken pickles. */
class TorchCheckpointTest {
    @TempDir Path dir;

    /** A pickle program assembled from opcodes. */
    static final class Pickle {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        Pickle op(int c) { b.write(c); return this; }
        Pickle global(String module, String name) { op('c'); raw(module + "\n" + name + "\n"); return this; }
        Pickle str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op('X'); b.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(u.length).array()); b.writeBytes(u); return this;
        }
        Pickle small(int v) { op('K'); op(v); return this; }
        Pickle raw(String s) { b.writeBytes(s.getBytes(StandardCharsets.US_ASCII)); return this; }
        /** LONG1 with 8 bytes: any long. */
        Pickle lng(long v) { op(0x8a); op(8); b.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); return this; }
        Pickle tuple(long... v) { op('('); for (long x : v) lng(x); return op('t'); }
        byte[] bytes() { return b.toByteArray(); }
    }

    /** OrderedDict{"w": FloatTensor of size (2, 3), stride (1, 2) over storage "0"} — a transposed view. */
    static Pickle stateDict() {
        Pickle p = new Pickle().op(0x80).op(2);
        p.global("collections", "OrderedDict").op(')').op('R');
        p.str("w");
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").small(6).op('t').op('Q');
        p.small(0).small(2).small(3).op(0x86).small(1).small(2).op(0x86).op(0x89);
        p.global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R').op('s').op('.');
        return p;
    }

    Path zip(String name, byte[] pkl, float[] storage) throws IOException {
        Path f = dir.resolve(name);
        try (OutputStream o = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl")); z.write(pkl); z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/byteorder")); z.write("little".getBytes()); z.closeEntry();
            if (storage != null) {
                ByteBuffer bb = ByteBuffer.allocate(storage.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : storage) bb.putFloat(v);
                z.putNextEntry(new ZipEntry("archive/data/0")); z.write(bb.array()); z.closeEntry();
            }
        }
        return f;
    }

    @Test
    void readsAStridedTensorStateDict() throws IOException {
        StateDict sd = TorchCheckpoint.read(zip("ok.pt", stateDict().bytes(), new float[]{0, 1, 2, 3, 4, 5}));
        assertThat(sd.keys()).containsExactly("w");
        assertThat(sd.get("w").shape()).containsExactly(2, 3);
        assertThat(sd.get("w").values()).containsExactly(0, 2, 4, 1, 3, 5);   // element [i][j] = storage[i + 2j]
    }

    @Test
    void refusesOsSystem() throws IOException {
        byte[] evil = new Pickle().op(0x80).op(2).global("os", "system").str("touch /tmp/pwned").op(0x85).op('R').op('.').bytes();
        Path f = zip("evil.pt", evil, null);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("refusing to load Python global 'os.system'");
        assertThat(Path.of("/tmp/pwned")).doesNotExist();
    }

    @Test
    void refusesClassesInsideAStateDict() throws IOException {
        // a valid-looking dict whose value is built by an arbitrary class (STACK_GLOBAL form)
        byte[] evil = new Pickle().op(0x80).op(4).op('}').str("w").str("builtins").str("eval").op(0x93)
                .str("__import__('os')").op(0x85).op('R').op('s').op('.').bytes();
        Path f = zip("evil2.pt", evil, null);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).hasMessageContaining("refusing to load Python global 'builtins.eval'");
        // ModelLoader turns it into a one-line FormatException naming the file
        assertThatThrownBy(() -> ModelLoader.load(f.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("evil2.pt").hasMessageContaining("builtins.eval");
    }

    @Test
    void refusesObjectStateOnNonDicts() throws IOException {
        byte[] evil = new Pickle().op(0x80).op(2).op(']').op('}').op('b').op('.').bytes();
        assertThatThrownBy(() -> TorchCheckpoint.read(zip("build.pt", evil, null))).hasMessageContaining("BUILD");
    }

    @Test
    void truncatedPickleAndMissingStorageAndNonZip() throws IOException {
        byte[] full = stateDict().bytes();
        byte[] cut = java.util.Arrays.copyOf(full, full.length / 2);
        assertThatThrownBy(() -> TorchCheckpoint.read(zip("cut.pt", cut, new float[6]))).hasMessageContaining("ends unexpectedly");
        assertThatThrownBy(() -> TorchCheckpoint.read(zip("nostorage.pt", full, null))).hasMessageContaining("storage entry archive/data/0 is missing");
        assertThatThrownBy(() -> TorchCheckpoint.read(zip("short.pt", full, new float[4])))
                .hasMessageContaining("short.pt: storage entry archive/data/0 holds 16 bytes, its record declares 6 F32 elements (24 bytes)");
        Path legacy = dir.resolve("legacy.pt");
        Files.write(legacy, new byte[]{(byte) 0x80, 2, 'K', 1, '.'});
        assertThatThrownBy(() -> TorchCheckpoint.read(legacy)).hasMessageContaining("not a PyTorch zip checkpoint");
    }
}
