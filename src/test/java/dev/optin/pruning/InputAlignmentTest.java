package dev.optin.pruning;

import dev.optin.model.Linear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The input alignment's fit and its fold into a projection, on inputs with a known linear relation. */
class InputAlignmentTest {

    /**
     * Teacher inputs that are an exact affine map of the student's (x_t = x_s·M + c): the fitted alignment folded into a
     * projection gives from x_s what the projection gives from x_t, to the ridge's tiny damping.
     */
    @Test
    void foldedProjectionReadsTheStudentInputAsTheTeachers() {
        int d = 6, out = 5, n = 400;
        Random r = new Random(3);
        double[] m = new double[d * d], c = new double[d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) m[i * d + j] = (i == j ? 1 : 0) + 0.3 * r.nextGaussian();
        for (int j = 0; j < d; j++) c[j] = r.nextGaussian();
        float[] xs = new float[n * d], xt = new float[n * d];
        for (int row = 0; row < n; row++) {
            for (int i = 0; i < d; i++) xs[row * d + i] = (float) r.nextGaussian();
            for (int j = 0; j < d; j++) {
                double v = c[j];
                for (int i = 0; i < d; i++) v += xs[row * d + i] * m[i * d + j];
                xt[row * d + j] = (float) v;
            }
        }
        // two chunks, as the reconstruction hands them over per batch
        int half = n / 2 * d;
        InputAlignment a = InputAlignment.fit(List.of(java.util.Arrays.copyOf(xs, half), java.util.Arrays.copyOfRange(xs, half, n * d)),
                List.of(java.util.Arrays.copyOf(xt, half), java.util.Arrays.copyOfRange(xt, half, n * d)), new int[] {n / 2, n / 2}, d, 1e-9);
        float[] w = new float[out * d], b = new float[out];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < out; i++) b[i] = (float) r.nextGaussian();
        Linear p = new Linear(out, d, w, b), folded = a.foldInto(p);
        assertThat(folded.out).isEqualTo(out);
        assertThat(folded.in).isEqualTo(d);
        float[] fromTeacher = new float[n * out], fromStudent = new float[n * out];
        p.apply(xt, n, fromTeacher);
        folded.apply(xs, n, fromStudent);
        for (int i = 0; i < fromTeacher.length; i++) assertThat((double) fromStudent[i]).isCloseTo(fromTeacher[i], within(1e-3));
    }

    /** Fewer calibration tokens than ten per coefficient of an output's regression: no alignment is fitted. */
    @Test
    void tooFewTokensForTheMapAreNotAligned() {
        int d = 8, n = 10 * (d + 1) - 1;
        Random r = new Random(7);
        float[] x = new float[n * d], y = new float[n * d];
        for (int i = 0; i < x.length; i++) { x[i] = (float) r.nextGaussian(); y[i] = 2 * x[i]; }
        assertThat(InputAlignment.fit(List.of(x), List.of(y), new int[] {n}, d, 1e-3)).isNull();
        float[] x1 = java.util.Arrays.copyOf(x, (n + 1) * d), y1 = java.util.Arrays.copyOf(y, (n + 1) * d);
        assertThat(InputAlignment.fit(List.of(x1), List.of(y1), new int[] {n + 1}, d, 1e-3)).isNotNull();
    }

    /** Student and teacher inputs already equal: the alignment is the identity and the projection keeps its values. */
    @Test
    void equalInputsLeaveTheProjectionAsItWas() {
        int d = 4, n = 60;
        Random r = new Random(5);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        InputAlignment a = InputAlignment.fit(List.of(x), List.of(x.clone()), new int[] {n}, d, 1e-3);
        Linear p = new Linear(3, d, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, new float[] {1, -1, 0.5f});
        Linear f = a.foldInto(p);
        assertThat(f.weight).containsExactly(p.weight);
        assertThat(f.bias).containsExactly(p.bias);
    }
}
