package dev.optin.format.torch;

import dev.optin.format.torch.TorchCheckpointTest.Pickle;
import dev.optin.testing.ForkedCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PyTorch zip checkpoints built to cost memory or crash the reader: a zip bomb storage, stride-0
 * and overlapping views, a storage shared by many tensors, self-referencing pickles, oversized
 * stacks and memos, malformed records and broken zips. Each fails with an IOException naming the
 * file; the memory-bound ones also run the CLI in a small-heap child JVM.
 */
class HostileCheckpointTest {
    @TempDir Path dir;

    /** OrderedDict of `count` tensors "w0".. over storage "0" (FloatStorage of `numel` elements), each with this offset, size and stride. */
    static Pickle tensors(int count, long numel, long offset, long[] size, long[] stride) {
        Pickle p = new Pickle().op(0x80).op(2);
        p.global("collections", "OrderedDict").op(')').op('R');
        for (int i = 0; i < count; i++) {
            p.str("w" + i);
            p.global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").lng(numel).op('t').op('Q');
            p.lng(offset).tuple(size).tuple(stride).op(0x89);
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R').op('s');
        }
        return p.op('.');
    }

    /** A checkpoint zip: data.pkl, byteorder, and storage "0" of `zeros` zero bytes (deflated) when zeros >= 0. */
    Path zip(String name, byte[] pkl, long zeros) throws IOException {
        Path f = dir.resolve(name);
        try (OutputStream o = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl")); z.write(pkl); z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/byteorder")); z.write("little".getBytes()); z.closeEntry();
            if (zeros >= 0) {
                z.putNextEntry(new ZipEntry("archive/data/0"));
                byte[] chunk = new byte[1 << 20];
                for (long left = zeros; left > 0; left -= chunk.length) z.write(chunk, 0, (int) Math.min(chunk.length, left));
                z.closeEntry();
            }
        }
        return f;
    }

    static void assertOneErrorLine(ForkedCli.Result r, String... parts) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).as(r.toString()).contains(parts).doesNotContain("out of memory");
    }

    ForkedCli.Result fork(String... args) throws IOException, InterruptedException { return ForkedCli.run(dir, args); }

    @Test
    void zipBombStorageIsRefusedBeforeInflating() throws Exception {
        long n = 75_000_000;   // 300 MB of zeros, a few hundred KB deflated
        Path f = zip("bomb.pt", tensors(1, n, 0, new long[]{n}, new long[]{1}).bytes(), 4 * n);
        assertThat(Files.size(f)).isLessThan(1 << 20);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f + ": zip entry archive/data/0 inflates to more than ")
                .hasMessageContaining("the file claims far more data than it holds");
        assertOneErrorLine(fork("inspect", f.toString(), "--heads", "4"), "bomb.pt: zip entry archive/data/0 inflates to more than");
    }

    @Test
    void storageInflatingPastWhatItsRecordDeclaresIsCut() throws IOException {
        // the record says 6 floats; the entry (whose zip header is patched to agree) inflates to 64 MB
        Path f = zip("liar.pt", tensors(1, 6, 0, new long[]{6}, new long[]{1}).bytes(), 64L << 20);
        byte[] b = Files.readAllBytes(f);
        byte[] name = "archive/data/0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        boolean patched = false;
        for (int i = 0; i + 46 + name.length <= b.length; i++)   // central directory header: signature, uncompressed size at +24, name at +46
            if (bb.getInt(i) == 0x02014b50 && Arrays.equals(Arrays.copyOfRange(b, i + 46, i + 46 + name.length), name)) {
                bb.putInt(i + 24, 24);
                patched = true;
            }
        assertThat(patched).isTrue();
        Files.write(f, b);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(IOException.class)
                .hasMessage(f + ": zip entry archive/data/0 inflates to more than 24 bytes, the 24 bytes its record declares (6 F32 elements)");
    }

    @Test
    void strideZeroViewIsRefused() throws Exception {
        // one stored float viewed as 2e8 elements: 800 MB as fp32 from a file of a few hundred bytes
        Path f = zip("stride0.pt", tensors(1, 1, 0, new long[]{200_000_000}, new long[]{0}).bytes(), 4);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f + ": tensor of shape [200000000] and stride [0] over storage 0 overlaps itself");
        assertOneErrorLine(fork("inspect", f.toString(), "--heads", "4"), "stride0.pt: tensor of shape [200000000] and stride [0]", "overlaps itself");
    }

    @Test
    void overlappingAndOutOfStorageViewsAreRefused() throws IOException {
        Path overlap = zip("overlap.pt", tensors(1, 16, 0, new long[]{4, 4}, new long[]{1, 1}).bytes(), 64);
        assertThatThrownBy(() -> TorchCheckpoint.read(overlap)).hasMessageContaining("overlap.pt: tensor of shape [4, 4] and stride [1, 1]")
                .hasMessageContaining("overlaps itself");
        Path beyond = zip("beyond.pt", tensors(1, 6, 4, new long[]{2, 3}, new long[]{1, 2}).bytes(), 24);
        assertThatThrownBy(() -> TorchCheckpoint.read(beyond))
                .hasMessage(beyond + ": tensor of shape [2, 3] and stride [1, 2] over storage 0 at offset 4 reaches beyond its 6 stored elements (truncated checkpoint?)");
        Path negative = zip("negative.pt", tensors(1, 6, -1, new long[]{2}, new long[]{1}).bytes(), 24);
        assertThatThrownBy(() -> TorchCheckpoint.read(negative)).hasMessageContaining("negative.pt").hasMessageContaining("reaches beyond its 6 stored elements");
        Path huge = zip("huge.pt", tensors(1, 6, 0, new long[]{1L << 40}, new long[]{1}).bytes(), 24);
        assertThatThrownBy(() -> TorchCheckpoint.read(huge)).hasMessageContaining("huge.pt: tensor over storage 0 has size [1099511627776]")
                .hasMessageContaining("sizes must be integers in [0, 2^31)");
        Path backwards = zip("backwards.pt", tensors(1, 6, 5, new long[]{6}, new long[]{-1}).bytes(), 24);
        assertThatThrownBy(() -> TorchCheckpoint.read(backwards)).hasMessageContaining("strides non-negative");
        // a legal view: the transposed [3, 2] of a [2, 3] storage, sliced from offset 0
        assertThat(TorchCheckpoint.read(zip("ok.pt", tensors(1, 6, 0, new long[]{3, 2}, new long[]{1, 3}).bytes(), 24)).get("w0").shape())
                .containsExactly(3, 2);
    }

    @Test
    void aStorageSharedByManyTensorsIsBoundedByTheBudget() throws IOException {
        long n = 4 << 20;   // 16 MB of zeros viewed whole by 8 tensors: 128 MB as fp32 from a file of about 16 KB
        Path f = zip("shared.pt", tensors(8, n, 0, new long[]{n}, new long[]{1}).bytes(), 4 * n);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(f + ": tensor of shape [4194304] and stride [1] over storage 0 needs 16777216 bytes, beyond what a ")
                .hasMessageContaining("the file claims far more data than it holds");
    }

    @Test
    void selfReferencingPicklesDoNotOverflowTheStack() throws IOException {
        // {"model": <itself>}: the wrapper unwrapping once recursed forever (StackOverflowError)
        byte[] selfDict = new Pickle().op('}').op('q').op(0).str("model").op('h').op(0).op('s').op('.').bytes();
        Path f = zip("self.pt", selfDict, -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(IOException.class).hasMessage(f + ": checkpoint contains no tensors");
        // a list holding itself used as a dict key would be hashed recursively
        byte[] selfKey = new Pickle().op('}').op(']').op('q').op(1).op('h').op(1).op('a').op('N').op('s').op('.').bytes();
        Path k = zip("selfkey.pt", selfKey, -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(k)).isInstanceOf(IOException.class)
                .hasMessageContaining("selfkey.pt: pickle offset 8: dict key of type ArrayList");
        // ... or printed in an error message
        byte[] selfPid = new Pickle().op(']').op('q').op(0).op('h').op(0).op('a').op('Q').op('.').bytes();
        Path p = zip("selfpid.pt", selfPid, -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(p)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(p + ": unsupported persistent id");
    }

    @Test
    void stackAndMemoAreBounded() throws IOException {
        Pickle deep = new Pickle();
        for (int i = 0; i <= RestrictedUnpickler.MAX_STACK; i++) deep.op('N');
        Path s = zip("stack.pt", deep.op('.').bytes(), -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(s)).hasMessage(s + ": pickle stack exceeds " + RestrictedUnpickler.MAX_STACK + " entries");
        Pickle memo = new Pickle().op('N');
        ByteBuffer key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i <= RestrictedUnpickler.MAX_MEMO; i++) { memo.op('r'); memo.b.writeBytes(key.putInt(0, i).array()); }
        Path m = zip("memo.pt", memo.op('.').bytes(), -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(m)).hasMessageContaining("memo.pt: pickle offset")
                .hasMessageContaining("more than " + RestrictedUnpickler.MAX_MEMO + " memo entries");
        Pickle many = new Pickle().op(']');
        for (int i = 0; i <= RestrictedUnpickler.MAX_VALUES; i++) many.op(')').op('a');
        Path v = zip("values.pt", many.op('.').bytes(), -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(v)).hasMessageContaining("values.pt: pickle pushes more than");
    }

    @Test
    void malformedRecordsAreNamedNotClassCast() throws IOException {
        // offset given as a string
        Pickle badOffset = new Pickle().op(0x80).op(2).op('}').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").small(6).op('t').op('Q')
                .str("zero").tuple(6).tuple(1).op(0x89).op('N').op('t').op('R').op('s').op('.');
        Path o = zip("offset.pt", badOffset.bytes(), 24);
        assertThatThrownBy(() -> TorchCheckpoint.read(o)).hasMessage(o + ": malformed tensor record (expected storage, offset, size tuple, stride tuple)");
        // storage size given as a string
        Pickle badPid = new Pickle().op('}').str("w").op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").str("six")
                .op('t').op('Q').op('s').op('.');
        Path p = zip("pid.pt", badPid.bytes(), 24);
        assertThatThrownBy(() -> TorchCheckpoint.read(p)).hasMessageStartingWith(p + ": unsupported persistent id");
        // a parameter wrapping None
        Pickle badParam = new Pickle().op('}').str("w").global("torch._utils", "_rebuild_parameter").op('N').op(0x85).op('R').op('s').op('.');
        Path q = zip("param.pt", badParam.bytes(), -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(q)).hasMessage(q + ": malformed parameter record (no tensor)");
        // a string whose 8-byte length is beyond any array
        Pickle longStr = new Pickle().op(0x8d);
        longStr.b.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        Path l = zip("longstr.pt", longStr.op('.').bytes(), -1);
        assertThatThrownBy(() -> TorchCheckpoint.read(l)).hasMessageContaining("longstr.pt: pickle offset 0: string length").hasMessageContaining("beyond the end");
    }

    @Test
    void brokenZipsNameTheFile() throws IOException {
        Path garbage = dir.resolve("garbage.pt");
        Files.write(garbage, "PK this is not a zip archive at all".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> TorchCheckpoint.read(garbage)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(garbage + ": not a readable zip archive (").hasMessageContaining("truncated or not a PyTorch checkpoint");
        byte[] whole = Files.readAllBytes(zip("whole.pt", tensors(1, 6, 0, new long[]{6}, new long[]{1}).bytes(), 24));
        Path cut = dir.resolve("cut.pt");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 30));   // the zip END header is gone
        assertThatThrownBy(() -> TorchCheckpoint.read(cut)).isInstanceOf(IOException.class).hasMessageStartingWith(cut + ": not a readable zip archive");
    }
}
