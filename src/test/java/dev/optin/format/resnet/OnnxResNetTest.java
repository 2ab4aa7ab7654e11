package dev.optin.format.resnet;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.optin.data.image.IdxFiles;
import dev.optin.data.image.ImageSet;
import dev.optin.export.ResNetExport;
import dev.optin.format.CheckpointOptions;
import dev.optin.format.FormatException;
import dev.optin.format.torch.TorchCheckpoint;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.resnet.FoldedBatchNorm;
import dev.optin.model.resnet.ResNet;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.testing.Fixtures;
import dev.optin.testing.RandomResNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ResNets from ONNX exports: the fixture's torch.onnx graph (BatchNorm folded), a Bottleneck network, and graphs that are not ResNets. */
class OnnxResNetTest {
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");

    @TempDir Path dir;

    /** Test images 0..15 as the fixture's preprocessing gives them, then 8 random images. */
    static float[] inputs(int n) throws Exception {
        ImageSet test = IdxFiles.read(Fixtures.require(FASHION.toString()));
        float[] p = new float[n * 3 * 784];
        for (int i = 0; i < Math.min(n, 16); i++)
            for (int c = 0; c < 3; c++)
                for (int j = 0; j < 784; j++)
                    p[(i * 3 + c) * 784 + j] = ((test.pixels()[i * 784 + j] & 0xff) / 255f - 0.286f) / 0.353f;
        Random r = new Random(5);
        for (int i = 16 * 3 * 784; i < p.length; i++) p[i] = (float) r.nextGaussian();
        return p;
    }

    @Test
    void theFixtureOnnxGivesTheStateDictsNetworkAndLogits() throws Exception {
        Path onnx = Fixtures.require("resnet18-fmnist/model.onnx");
        ResNetWeights fromOnnx;
        try (LoadedModel m = ModelLoader.load(onnx.toString(), CheckpointOptions.defaults())) {
            fromOnnx = m.resnet();
            assertThat(m.source()).startsWith("ResNet (ONNX)");
        }
        ResNetWeights fromPth = TorchvisionResNet.read(TorchCheckpoint.read(Fixtures.require("resnet18-fmnist/model.pth")));
        assertThat(fromOnnx.stages()).containsExactly(fromPth.stages());
        assertThat(fromOnnx.groupSizes()).containsExactly(fromPth.groupSizes());
        assertThat(fromOnnx.parameters()).isEqualTo(fromPth.parameters());
        assertThat(FoldedBatchNorm.any(fromOnnx)).isTrue();   // torch.onnx folded every BatchNorm into its Conv
        int n = 24;
        float[] x = inputs(n), a = new ResNet(fromOnnx).logits(x, n, 28, 28), b = new ResNet(fromPth).logits(x, n, 28, 28);
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        System.out.println("resnet18-fmnist: max |logit(onnx) - logit(pth)| = " + max);
        assertThat(max).isLessThanOrEqualTo(1e-5);
        // and against ONNX Runtime on the same file, and PyTorch's expected.json
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, 3, 28, 28});
             OrtSession.Result res = s.run(Map.of("pixel_values", in))) {
            float[][] ort = (float[][]) res.get(0).getValue();
            double d = 0;
            for (int i = 0; i < n; i++) for (int c = 0; c < 10; c++) d = Math.max(d, Math.abs(ort[i][c] - a[i * 10 + c]));
            assertThat(d).isLessThan(1e-4);
        }
        JsonNode exp = new ObjectMapper().readTree(onnx.resolveSibling("expected.json").toFile()).get("logits");
        for (int i = 0; i < 4; i++) for (int c = 0; c < 10; c++) assertThat((double) a[i * 10 + c]).isCloseTo(exp.get(i).get(c).asDouble(), org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void restoredStatisticsKeepTheFunctionAndGiveRealVariances() throws Exception {
        ResNetWeights w = OnnxResNet.read(Fixtures.require("resnet18-fmnist/model.onnx"), CheckpointOptions.defaults()).weights();
        float[] x = inputs(24);
        ResNetWeights r = FoldedBatchNorm.restore(w, List.of(java.util.Arrays.copyOf(x, 16 * 3 * 784)), 28, 28);
        assertThat(FoldedBatchNorm.any(r)).isFalse();
        float[] a = new ResNet(w).logits(x, 24, 28, 28), b = new ResNet(r).logits(x, 24, 28, 28);
        double max = 0, scale = 0;
        for (int i = 0; i < a.length; i++) { max = Math.max(max, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(a[i])); }
        assertThat(max).isLessThan(1e-5 * Math.max(1, scale));
        assertThat(r.stem().bn().var()[0]).isNotEqualTo(w.stem().bn().var()[0]);
    }

    @Test
    void aBottleneckNetworkReadsBackFromItsOwnOnnxExport() throws Exception {
        ResNetWeights net = RandomResNets.bottleneck(11, 3, 8, new int[] {2, 1, 2}, 5);
        Path onnx = dir.resolve("bottleneck.onnx");
        Files.write(onnx, ResNetExport.onnx(net, ResNetLoader.preprocessing(3, CheckpointOptions.defaults())).toByteArray());
        ResNetWeights back = OnnxResNet.read(onnx, CheckpointOptions.defaults()).weights();
        assertThat(back.bottleneck()).isTrue();
        assertThat(back.stages()).containsExactly(2, 1, 2);
        assertThat(back.groupSizes()).containsExactly(net.groupSizes());
        Random r = new Random(2);
        float[] x = new float[3 * 3 * 20 * 20];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] a = new ResNet(net).logits(x, 3, 20, 20), b = new ResNet(back).logits(x, 3, 20, 20);
        for (int i = 0; i < a.length; i++) assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-4f * Math.max(1, Math.abs(a[i]))));
    }

    /** The fixture's graph, changed by f, written to a file. */
    private Path edited(UnaryOperator<GraphProto.Builder> f) throws Exception {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(Fixtures.require("resnet18-fmnist/model.onnx")));
        ModelProto.Builder b = m.toBuilder();
        b.setGraph(f.apply(m.getGraph().toBuilder()));
        Path p = dir.resolve("edited.onnx");
        Files.write(p, b.build().toByteArray());
        return p;
    }

    private static int node(GraphProto.Builder g, String name) {
        for (int i = 0; i < g.getNodeCount(); i++) if (g.getNode(i).getName().equals(name)) return i;
        throw new AssertionError(name);
    }

    @Test
    void aWrongStrideIsRefusedNamingTheNode() throws Exception {
        Path p = edited(g -> {
            int i = node(g, "/layer2/layer2.0/conv1/Conv");
            NodeProto.Builder n = g.getNode(i).toBuilder();
            for (int k = 0; k < n.getAttributeCount(); k++)
                if (n.getAttribute(k).getName().equals("strides")) n.setAttribute(k, AttributeProto.newBuilder(n.getAttribute(k)).clearInts().addInts(1).addInts(1));
            return g.setNode(i, n);
        });
        assertThatThrownBy(() -> ModelLoader.load(p.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("/layer2/layer2.0/conv1/Conv").hasMessageContaining("strides [1, 1], expected [2, 2]");
    }

    @Test
    void aGraphWithoutTheStemMaxPoolIsNotAResNet() throws Exception {
        Path p = edited(g -> {
            int i = node(g, "/maxpool/MaxPool");
            NodeProto pool = g.getNode(i);
            NodeProto.Builder avg = pool.toBuilder().setOpType("AveragePool").clearAttribute();
            for (AttributeProto a : pool.getAttributeList()) if (!a.getName().equals("dilations")) avg.addAttribute(a);
            return g.setNode(i, avg);
        });
        assertThatThrownBy(() -> ModelLoader.load(p.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("the stem's MaxPool").hasMessageContaining("AveragePool /maxpool/MaxPool").hasMessageContaining("not a torchvision ResNet graph");
    }

    @Test
    void aBlockWithoutItsAddIsRefused() throws Exception {
        Path p = edited(g -> {
            int i = node(g, "/layer1/layer1.1/Add");
            return g.setNode(i, g.getNode(i).toBuilder().setOpType("Mul"));
        });
        assertThatThrownBy(() -> ModelLoader.load(p.toString())).isInstanceOf(FormatException.class)
                .hasMessageContaining("Mul /layer1/layer1.1/Add").hasMessageContaining("residual block");
    }
}
