package dev.optin.format;

import java.util.Set;

/** Named tensors converted to fp32 on demand (one safetensors file, a sharded checkpoint, or an ONNX graph). */
public interface TensorSource {
    Set<String> names();

    /** Shape of a tensor, or null when it does not exist. */
    long[] shape(String name);

    float[] floats(String name);

    /** The file holding a tensor, for error messages (e.g. "model.safetensors"). */
    String fileOf(String name);
}
