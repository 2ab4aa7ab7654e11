package dev.optin.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.optin.format.torch.TorchCheckpoint;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** PyTorch zip checkpoints (torch.save since 1.6) and their pickle, read by the restricted unpickler. */
class TorchCheckpointFuzzTest {
    /** The whole file is the fuzzer's: zip structure, entries and pickle. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void zip(byte[] data) {
        Path f = Scratch.write(Scratch.dir("torch-zip"), "model.pt", data);
        FuzzExpectations.run(() -> TorchCheckpoint.read(f));
    }

    /** Only archive/data.pkl is the fuzzer's; the zip around it is valid, with storages "0" (6 floats) and "1" (2 floats). */
    @FuzzTest(maxDuration = "60s")
    @Timeout(10)
    void pickle(byte[] pkl) {
        Path f = Scratch.write(Scratch.dir("torch-pickle"), "model.pt", checkpoint(pkl));
        FuzzExpectations.run(() -> TorchCheckpoint.read(f));
    }

    /** A torch.save-style zip holding pkl as archive/data.pkl and two small float storages. */
    static byte[] checkpoint(byte[] pkl) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl")); z.write(pkl); z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/byteorder")); z.write("little".getBytes()); z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/data/0")); z.write(floats(1, 2, 3, 4, 5, 6)); z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/data/1")); z.write(floats(-1, 0.5f)); z.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }
}
