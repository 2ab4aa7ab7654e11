package dev.optin.model.resnet;

import dev.optin.engine.Conv2d;
import dev.optin.engine.ConvOps;
import dev.optin.engine.Gemm;
import dev.optin.model.Masks;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.ArrayList;
import java.util.List;

/**
 * Least-squares reconstruction of the convolution after each pruned channel group (ThiNet / He et
 * al. 2017 style, the channel analogue of Kwon's mask tuning): with the original network's
 * activations on calibration images, the convolution that reads a group is refitted on the kept
 * input channels only, so that its (pre-BatchNorm) output on the kept output channels is as close
 * as possible to the original's:
 * {@code min ‖X_kept·Wᵀ − Y‖² + λ‖W − W_kept‖²}, λ = damping · mean diagonal of X_keptᵀX_kept
 * (the damping keeps the weights near the original where the images say little). Solved by
 * Cholesky in double precision. Local: inputs and targets both come from the original network.
 */
public final class ChannelReconstruction {
    private ChannelReconstruction() {}

    public static ResNetWeights prune(ResNetWeights original, Masks masks, List<float[]> batches, int h, int w, double damping) {
        ResNet net = new ResNet(original);
        ResNetWeights pruned = original.pruned(masks);
        int B = original.blocks().length, per = original.channels() * h * w;
        List<List<Activation[]>> inner = new ArrayList<>();   // per batch, per block: post-ReLU inner activations
        for (float[] px : batches) {
            int n = px.length / per;
            List<Activation[]> perBlock = new ArrayList<>();
            Activation x = net.stem(px, n, h, w);
            for (int b = 0; b < B; b++) {
                ResidualBlock blk = original.blocks()[b];
                int idx = net.convIndex(b), k = blk.convs().size();
                Activation[] in = new Activation[k - 1];
                Activation t = x;
                for (int i = 0; i < k; i++) {
                    t = ResNet.apply(net.conv(idx + i), t);
                    if (i < k - 1) { ConvOps.relu(t.x()); in[i] = t; }
                }
                Activation sc = blk.downsample() == null ? x : ResNet.apply(net.conv(idx + k), x);
                ConvOps.addRelu(t.x(), sc.x());
                perBlock.add(in);
                x = t;
            }
            inner.add(perBlock);
        }
        ResidualBlock[] blocks = pruned.blocks().clone();
        int g0 = 0;
        for (int b = 0; b < B; b++) {
            ResidualBlock ob = original.blocks()[b];
            int k = ob.convs().size();
            List<ConvBn> convs = new ArrayList<>(blocks[b].convs());
            for (int j = 1; j < k; j++) {
                int[] keepIn = kept(masks.neuron[g0 + j - 1]);
                int[] keepOut = j < k - 1 ? kept(masks.neuron[g0 + j]) : all(ob.convs().get(j).out());
                float[] fitted = fit(ob.convs().get(j), keepIn, keepOut, inner, b, j - 1, damping);
                ConvBn c = convs.get(j);
                convs.set(j, new ConvBn(fitted, c.out(), c.in(), c.kernel(), c.stride(), c.pad(), c.bn()));
            }
            blocks[b] = new ResidualBlock(convs, blocks[b].downsample());
            g0 += k - 1;
        }
        return new ResNetWeights(pruned.stem(), pruned.stages(), blocks, pruned.fcWeight(), pruned.fcBias(), pruned.classes());
    }

    /** The refitted weight [keepOut][keepIn][k][k] of conv (torch layout). */
    private static float[] fit(ConvBn conv, int[] keepIn, int[] keepOut, List<List<Activation[]>> inner, int block, int slot, double damping) {
        int kk = conv.kernel() * conv.kernel(), in = conv.in(), K = kk * keepIn.length, O = keepOut.length, full = kk * in;
        Conv2d raw = conv.raw();
        float[] wPatch = new float[conv.out() * full];   // [out][ky][kx][in]
        for (int o = 0; o < conv.out(); o++)
            for (int c = 0; c < in; c++)
                for (int q = 0; q < kk; q++) wPatch[(o * kk + q) * in + c] = conv.weight()[(o * in + c) * kk + q];
        double[] a = new double[K * K], bt = new double[K * O];
        for (List<Activation[]> batch : inner) {
            Activation x = batch.get(block)[slot];
            float[] p = raw.patches(x.x(), x.n(), x.h(), x.w());
            int rows = p.length / full;
            float[] xk = new float[rows * K];
            for (int r = 0; r < rows; r++)
                for (int q = 0; q < kk; q++)
                    for (int c = 0; c < keepIn.length; c++) xk[r * K + q * keepIn.length + c] = p[r * full + q * in + keepIn[c]];
            float[] y = new float[rows * conv.out()];
            Gemm.gemm(false, true, rows, conv.out(), full, p, 0, full, wPatch, 0, full, y, 0, conv.out(), false);
            float[] yk = new float[rows * O];
            for (int r = 0; r < rows; r++) for (int o = 0; o < O; o++) yk[r * O + o] = y[r * conv.out() + keepOut[o]];
            float[] ata = new float[K * K], atb = new float[K * O];
            Gemm.symmetric(true, K, rows, xk, 0, K, ata);
            Gemm.gemm(true, false, K, O, rows, xk, 0, K, yk, 0, O, atb, 0, O, false);
            for (int i = 0; i < ata.length; i++) a[i] += ata[i];
            for (int i = 0; i < atb.length; i++) bt[i] += atb[i];
        }
        double trace = 0;
        for (int i = 0; i < K; i++) trace += a[i * K + i];
        double lambda = damping * Math.max(trace / K, 1e-12);
        DMatrixRMaj A = new DMatrixRMaj(K, K, true, a), Bm = new DMatrixRMaj(K, O, true, bt);
        for (int i = 0; i < K; i++) A.add(i, i, lambda);
        for (int o = 0; o < O; o++)   // + λ·W_keptᵀ, in the same [ky][kx][kept in] column order
            for (int q = 0; q < kk; q++)
                for (int c = 0; c < keepIn.length; c++)
                    Bm.add(q * keepIn.length + c, o, lambda * conv.weight()[(keepOut[o] * in + keepIn[c]) * kk + q]);
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.chol(K);
        DMatrixRMaj X = new DMatrixRMaj(K, O);
        if (!solver.setA(A)) throw new IllegalStateException("least-squares reconstruction: the normal equations are not positive definite");
        solver.solve(Bm, X);
        float[] out = new float[O * keepIn.length * kk];
        for (int o = 0; o < O; o++)
            for (int c = 0; c < keepIn.length; c++)
                for (int q = 0; q < kk; q++) out[(o * keepIn.length + c) * kk + q] = (float) X.get(q * keepIn.length + c, o);
        return out;
    }

    private static int[] kept(float[] gate) { return java.util.stream.IntStream.range(0, gate.length).filter(j -> gate[j] != 0f).toArray(); }
    private static int[] all(int n) { return java.util.stream.IntStream.range(0, n).toArray(); }
}
