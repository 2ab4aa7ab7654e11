package dev.optin.format.torch;

import java.nio.ByteBuffer;

/** Conversion of little-endian stored numbers to fp32. */
final class Dtypes {
    private Dtypes() {}

    /** Bytes per element of a dtype named as in safetensors (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL). */
    static int width(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        };
    }

    /** numel elements starting at byte offset `at` of a little-endian buffer. */
    static float[] toFloats(ByteBuffer bb, int at, int numel, String dtype) {
        float[] v = new float[numel];
        for (int i = 0; i < numel; i++) v[i] = element(bb, at, i, dtype);
        return v;
    }

    /** IEEE binary16 to binary32 (Float.float16ToFloat exists only from Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff, sign = (bits >>> 15) << 31, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static float element(ByteBuffer bb, int at, long i, String dtype) {
        int p = (int) (at + i * width(dtype));
        return switch (dtype) {
            case "F32" -> bb.getFloat(p);
            case "F64" -> (float) bb.getDouble(p);
            case "F16" -> halfToFloat(bb.getShort(p));
            case "BF16" -> Float.intBitsToFloat((bb.getShort(p) & 0xffff) << 16);
            case "I64" -> bb.getLong(p);
            case "I32" -> bb.getInt(p);
            case "I16" -> bb.getShort(p);
            case "I8" -> bb.get(p);
            case "U8", "BOOL" -> bb.get(p) & 0xff;
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        };
    }
}
