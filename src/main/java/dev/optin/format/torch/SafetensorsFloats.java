package dev.optin.format.torch;

import dev.optin.format.FormatException;
import dev.optin.format.Safetensors;
import dev.optin.format.TensorSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A safetensors file (or any {@link TensorSource}) as a {@link StateDict}, read with the shared (validating) reader. */
public final class SafetensorsFloats {
    private SafetensorsFloats() {}

    public static StateDict read(Path file) {
        try (Safetensors s = Safetensors.open(file)) {
            return of(file, s);
        }
    }

    /** Every tensor of a source (e.g. the initializers of an ONNX export) as a state dict; file names it in messages. */
    public static StateDict of(Path file, TensorSource s) {
        Map<String, StateTensor> out = new LinkedHashMap<>();
        for (String n : s.names()) {
            long[] shape = s.shape(n);
            int[] dims = new int[shape.length];
            for (int i = 0; i < dims.length; i++) {
                if (shape[i] > Integer.MAX_VALUE)
                    throw new FormatException(file.getFileName() + ": tensor " + n + " has shape " + java.util.Arrays.toString(shape)
                            + "; dimensions beyond 2^31-1 are not supported");
                dims[i] = (int) shape[i];
            }
            out.put(n, new StateTensor(dims, s.floats(n)));
        }
        return new StateDict(file, out);
    }
}
