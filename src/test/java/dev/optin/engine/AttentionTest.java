package dev.optin.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Attention#head} (strip by strip where the Vector API kernel covers the sizes) against the two products around
 * a full score matrix ({@link Attention#headByProducts}): the same bits, on the shapes a forward meets and on edges
 * (a partial strip of query rows, keys not a multiple of a panel, values longer than one k block, head sizes the
 * kernel does not take, heads too small for the packed products); and against a double-precision reference.
 */
class AttentionTest {
    /** {rows, len, dh}: MiniLM at 128 tokens, a ViT (50 tokens, 64 wide), a group's 13 query rows, 300 keys, dh 48, a short sentence. */
    private static final int[][] SHAPES = {{128, 128, 32}, {50, 50, 64}, {13, 200, 32}, {64, 300, 64}, {40, 77, 48}, {13, 13, 32}, {9, 128, 32}};

    @Test
    void headGivesTheBitsOfTheTwoProducts() {
        Random r = new Random(11);
        for (int[] sh : SHAPES) {
            int rows = sh[0], len = sh[1], dh = sh[2], heads = 3, A = heads * dh, ld = 3 * A;
            int tokens = len + 5, q0 = len - rows;   // queries are the last rows of the sequence, which starts at row 2
            float[] qkv = GemmTileProbe.random(r, tokens * ld);
            float scale = (float) (1 / Math.sqrt(dh));
            int ldc = A + 3;
            float[] byProducts = new float[tokens * ldc], fused = new float[tokens * ldc];
            Arrays.fill(byProducts, -7f);
            Arrays.fill(fused, -7f);
            float[] p = new float[rows * len], scratch = new float[rows * len];
            for (int h = 0; h < heads; h++) {
                int row0 = 2, q = (row0 + q0) * ld + h * dh, k = row0 * ld + A + h * dh, v = row0 * ld + 2 * A + h * dh;
                Attention.headByProducts(qkv, ld, q, k, v, rows, len, dh, scale, p, 0, byProducts, (row0 + q0) * ldc + h * dh, ldc);
                Attention.head(qkv, ld, q, k, v, rows, len, dh, scale, scratch, 0, fused, (row0 + q0) * ldc + h * dh, ldc);
                if (h == 0 && rows == 128) assertReference(qkv, ld, q, k, v, rows, len, dh, scale, byProducts, (row0 + q0) * ldc, ldc);
            }
            assertThat(fused).as("rows %d, len %d, dh %d", rows, len, dh).isEqualTo(byProducts);   // untouched elements too
        }
    }

    private static void assertReference(float[] qkv, int ld, int q, int k, int v, int rows, int len, int dh, float scale,
                                        float[] ctx, int cOff, int ldc) {
        for (int i = 0; i < rows; i += 17) {
            double[] s = new double[len];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < len; j++) {
                for (int d = 0; d < dh; d++) s[j] += (double) qkv[q + i * ld + d] * qkv[k + j * ld + d];
                s[j] *= scale;
                max = Math.max(max, s[j]);
            }
            for (int j = 0; j < len; j++) sum += s[j] = Math.exp(s[j] - max);
            for (int d = 0; d < dh; d++) {
                double c = 0;
                for (int j = 0; j < len; j++) c += s[j] / sum * qkv[v + j * ld + d];
                assertThat((double) ctx[cOff + i * ldc + d]).isCloseTo(c, org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }
}
