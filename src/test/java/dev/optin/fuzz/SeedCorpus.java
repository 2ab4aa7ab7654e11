package dev.optin.fuzz;

import dev.optin.export.HfCheckpointWriter;
import dev.optin.export.OnnxExporter;
import dev.optin.format.SafetensorsWriter;
import dev.optin.testing.RandomModels;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the seed corpus of the fuzz tests: small valid inputs made here (no fixture is copied),
 * under {@code <resources>/dev/optin/fuzz/<Class>Inputs/<method>/}. Rerun after changing a seed:
 * <pre>java -cp target/test-classes:target/classes:$(cat cp.txt) dev.optin.fuzz.SeedCorpus src/test/resources</pre>
 * ({@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt} gives the classpath).
 */
public final class SeedCorpus {
    private SeedCorpus() {}

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources").resolve("dev/optin/fuzz");
        safetensors(root.resolve("SafetensorsFuzzTestInputs/readAll"));
        torch(root.resolve("TorchCheckpointFuzzTestInputs"));
        onnx(root.resolve("OnnxFuzzTestInputs/load"));
        idx(root.resolve("IdxFuzzTestInputs"));
        images(root.resolve("ImageFolderFuzzTestInputs"));
        configs(root.resolve("HfConfigFuzzTestInputs/read"), root.resolve("ModelLoaderFuzzTestInputs"));
        masks(root.resolve("MasksFileFuzzTestInputs/read"));
    }

    // ------------------------------------------------------------------ masks.json

    /** Masks of {@link MasksFileFuzzTest#CONFIG}: all kept; some pruned with tuned values and a recorded calibration. */
    static void masks(Path dir) throws IOException {
        Files.createDirectories(dir);
        var c = MasksFileFuzzTest.CONFIG;
        dev.optin.model.Masks ones = dev.optin.model.Masks.ones(c), some = dev.optin.model.Masks.ones(c);
        some.head[0][1] = 0f;
        some.neuron[1][3] = 0f;
        some.neuron[1][7] = 0.625f;
        dev.optin.report.MasksFile.write(c, ones, dir.resolve("ones.json"));
        dev.optin.report.MasksFile.write(c, some, new dev.optin.report.MasksFile.Calibration(2048, 3), dir.resolve("refitted.json"));
        dev.optin.report.MasksFile.write(c, some, new dev.optin.report.MasksFile.Calibration(2048, 3, 256, true, 16, 64, "0:4096"), dir.resolve("recorded.json"));
    }

    // ------------------------------------------------------------------ safetensors

    static void safetensors(Path dir) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter().add("a", new float[]{1, -2, 3.5f, 0, 1e-3f, -7}, 2, 3)
                .add("b", new float[]{0.25f, 8}, 2).metadata("format", "pt");
        w.write(dir.resolve("f32.safetensors"), SafetensorsWriter.DType.F32);
        w.write(dir.resolve("f16.safetensors"), SafetensorsWriter.DType.F16);
        w.write(dir.resolve("bf16.safetensors"), SafetensorsWriter.DType.BF16);
        // the integer and double dtypes, an empty tensor, hand-written header
        ByteBuffer data = ByteBuffer.allocate(8 * 2 + 4 * 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(-3).putLong(1L << 40).putInt(7).putInt(-1).putDouble(2.5);
        raw(dir.resolve("ints.safetensors"), "{\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1,2],\"data_offsets\":[16,24]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[24,32]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[32,32]}}", data.array());
        raw(dir.resolve("empty.safetensors"), "{\"__metadata__\":{\"k\":\"v\"}}  ", new byte[0]);
    }

    static void raw(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
    }

    // ------------------------------------------------------------------ PyTorch zip + pickle

    /** A pickle program assembled from opcodes. */
    static final class Pickle {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        Pickle op(int c) { b.write(c); return this; }
        Pickle raw(String s) { b.writeBytes(s.getBytes(StandardCharsets.US_ASCII)); return this; }
        Pickle global(String module, String name) { return op('c').raw(module + "\n" + name + "\n"); }
        Pickle stackGlobal(String module, String name) { return shortStr(module).shortStr(name).op(0x93); }
        Pickle str(String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); op('X'); b.writeBytes(le(u.length)); b.writeBytes(u); return this; }
        Pickle shortStr(String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); op(0x8c); op(u.length); b.writeBytes(u); return this; }
        Pickle small(int v) { return op('K').op(v); }
        Pickle int32(int v) { op('J'); b.writeBytes(le(v)); return this; }
        byte[] bytes() { return b.toByteArray(); }
        static byte[] le(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }
    }

    /** Protocol 2: OrderedDict{"w": FloatTensor (2, 3), stride (1, 2) over storage "0"} (a transposed view), as torch writes it. */
    static byte[] protocol2() {
        Pickle p = new Pickle().op(0x80).op(2);
        p.global("collections", "OrderedDict").op(')').op('R').op('q').op(0);
        p.str("w").op('q').op(1);
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").small(6).op('t').op('Q');
        p.small(0).small(2).small(3).op(0x86).small(1).small(2).op(0x86).op(0x89);
        p.global("collections", "OrderedDict").op(')').op('R');
        p.op('t').op('R').op('s');
        p.op('}').op('b');     // BUILD with an empty state (OrderedDict _metadata)
        return p.op('.').bytes();
    }

    /**
     * Protocol 4 with FRAME, STACK_GLOBAL, MEMOIZE and BINGET: {"state_dict": OrderedDict{"p": Parameter(Long (1,)) over
     * storage "1", "q": Float (2,) over storage "0" at offset 4}, "epoch": 3}.
     */
    static byte[] protocol4() {
        Pickle b = new Pickle();
        b.op('}').op(0x94).op('(');                                                  // memo 0: the outer dict
        b.shortStr("state_dict").stackGlobal("collections", "OrderedDict").op(')').op('R').op(0x94).op('(');
        b.shortStr("p").stackGlobal("torch._utils", "_rebuild_parameter").stackGlobal("torch._utils", "_rebuild_tensor_v2");
        b.op('(').op('(').shortStr("storage").stackGlobal("torch", "LongStorage").shortStr("1").shortStr("cpu").small(1).op('t').op('Q');
        b.small(0).small(1).op(0x85).small(1).op(0x85).op(0x89).stackGlobal("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        b.op(0x88).stackGlobal("collections", "OrderedDict").op(')').op('R').op(0x87).op('R');
        b.shortStr("q").stackGlobal("torch._utils", "_rebuild_tensor_v2");
        b.op('(').op('(').shortStr("storage").stackGlobal("torch", "FloatStorage").shortStr("0").shortStr("cpu").small(6).op('t').op('Q');
        b.int32(4).small(2).op(0x85).small(1).op(0x85).op(0x89).op('h').op(0).op('t').op('R');
        b.op('u');                                                                    // the OrderedDict's items
        b.shortStr("epoch").small(3).op('u');                                         // the outer dict's items
        b.op('.');
        byte[] body = b.bytes();
        Pickle p = new Pickle().op(0x80).op(4).op(0x95);
        p.b.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(body.length).array());
        p.b.writeBytes(body);
        return p.bytes();
    }

    /** Plain data the unpickler must build: lists, tuples, every number and string opcode, bools, None, and no tensor. */
    static byte[] plainData() {
        Pickle p = new Pickle().op(0x80).op(2).op('}').op('(');
        p.shortStr("list").op(']').op('(').small(1).int32(-70000).op('M').op(0x34).op(0x12).op(0x8a).op(2).op(0xff).op(0x7f).op('e');
        p.shortStr("tuple").op(0x88).op(0x89).op('N').op(0x87);
        p.shortStr("double").op('G'); p.b.writeBytes(ByteBuffer.allocate(8).putDouble(0.125).array());
        p.shortStr("bytes").op('C').op(3).raw("abc").shortStr("legacy").op('U').op(2).raw("hi");
        p.shortStr("memo").op('r'); p.b.writeBytes(Pickle.le(7)); p.op('j'); p.b.writeBytes(Pickle.le(7));
        p.op('u').op('.');
        return p.bytes();
    }

    static void torch(Path dir) throws IOException {
        Path zip = dir.resolve("zip"), pickle = dir.resolve("pickle");
        Files.createDirectories(zip);
        Files.createDirectories(pickle);
        Files.write(pickle.resolve("protocol2.pkl"), protocol2());
        Files.write(pickle.resolve("protocol4.pkl"), protocol4());
        Files.write(pickle.resolve("plain.pkl"), plainData());
        Files.write(zip.resolve("protocol2.pt"), TorchCheckpointFuzzTest.checkpoint(protocol2()));
        Files.write(zip.resolve("protocol4.pt"), TorchCheckpointFuzzTest.checkpoint(protocol4()));
    }

    // ------------------------------------------------------------------ ONNX

    static void onnx(Path dir) throws IOException {
        Files.createDirectories(dir);
        var w = RandomModels.bert(1, 4, 1, 4, 8, 2, 26);
        var model = OnnxExporter.build(w);
        Files.write(dir.resolve("optin-config.onnx"), model.toByteArray());
        // without the optin.config metadata: the loader infers the config from the graph
        Files.write(dir.resolve("inferred.onnx"), model.toBuilder().clearMetadataProps().build().toByteArray());
    }

    // ------------------------------------------------------------------ IDX

    static void idx(Path dir) throws IOException {
        Path images = dir.resolve("images"), labels = dir.resolve("labels");
        Files.createDirectories(images);
        Files.createDirectories(labels);
        Files.write(images.resolve("raw"), IdxFuzzTest.images(2, 2, 2));
        Files.write(images.resolve("gzipped"), gzip(IdxFuzzTest.images(2, 2, 2)));
        Files.write(labels.resolve("raw"), IdxFuzzTest.labels(2));
        Files.write(labels.resolve("gzipped"), gzip(IdxFuzzTest.labels(2)));
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(o)) { z.write(b); }
        return o.toByteArray();
    }

    // ------------------------------------------------------------------ images

    static void images(Path dir) throws IOException {
        Path img = dir.resolve("image"), prep = dir.resolve("preprocessorConfig");
        Files.createDirectories(img);
        Files.createDirectories(prep);
        int[] types = {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_INDEXED,
                BufferedImage.TYPE_USHORT_GRAY};
        String[] names = {"gray.png", "rgb.png", "rgba.png", "indexed.png", "gray16.png"};
        for (int t = 0; t < types.length; t++) {
            BufferedImage b = new BufferedImage(3, 2, types[t]);
            for (int y = 0; y < 2; y++) for (int x = 0; x < 3; x++) b.setRGB(x, y, 0xff000000 | (x * 90 << 16) | (y * 120 << 8) | (x * y * 60));
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            ImageIO.write(b, "png", o);
            Files.write(img.resolve(names[t]), o.toByteArray());
        }
        BufferedImage j = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) j.setRGB(x, y, (x * 30 << 16) | (y * 30 << 8) | 77);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ImageIO.write(j, "jpeg", o);
        Files.write(img.resolve("rgb.jpg"), o.toByteArray());
        Files.writeString(prep.resolve("vit.json"), """
                {"do_resize": true, "size": {"height": 4, "width": 4}, "do_rescale": true, "rescale_factor": 0.00392156862745098,
                 "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2}
                """);
        Files.writeString(prep.resolve("scalar.json"), "{\"do_resize\": false, \"image_mean\": 0.45, \"image_std\": 0.22}\n");
    }

    // ------------------------------------------------------------------ config.json, model folders, vision state dicts

    static void configs(Path hf, Path loader) throws IOException {
        Files.createDirectories(hf);
        Path folder = loader.resolve("folder"), stateDict = loader.resolve("stateDict");
        Files.createDirectories(folder);
        Files.createDirectories(stateDict);
        Path tmp = Files.createTempDirectory("optin-seeds");
        HfCheckpointWriter.writeInto(RandomModels.bert(1, 4, 1, 4, 8, 2, 26), tmp, null);
        byte[] tiny = Files.readAllBytes(tmp.resolve("config.json"));
        Files.write(folder.resolve("tiny-bert.json"), tiny);
        Files.write(hf.resolve("tiny-bert.json"), tiny);
        Files.writeString(folder.resolve("vit.json"), """
                {"model_type": "vit", "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 4,
                 "image_size": 4, "patch_size": 2, "num_channels": 1, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
                 "id2label": {"0": "a", "1": "b"}}
                """);
        Files.writeString(hf.resolve("bert.json"), """
                {"model_type": "bert", "num_hidden_layers": 2, "hidden_size": 8, "num_attention_heads": 2, "intermediate_size": 16,
                 "vocab_size": 30, "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                 "hidden_act": "gelu", "position_embedding_type": "absolute", "num_labels": 3}
                """);
        Files.writeString(hf.resolve("distilbert.json"), """
                {"model_type": "distilbert", "n_layers": 2, "dim": 8, "n_heads": 2, "hidden_dim": 16, "vocab_size": 30,
                 "max_position_embeddings": 16, "activation": "gelu", "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}}
                """);
        Files.writeString(hf.resolve("roberta-pruned.json"), """
                {"model_type": "roberta", "num_hidden_layers": 2, "hidden_size": 8, "num_attention_heads": 2, "intermediate_size": 16,
                 "vocab_size": 30, "max_position_embeddings": 18, "pad_token_id": 1, "hidden_act": "gelu_new",
                 "attention_head_size": 4, "optin_heads_per_layer": [2, 1], "optin_intermediate_per_layer": [16, 0]}
                """);
        // tiny timm ViT: hidden 4, 1 channel, 4x4 image, 2x2 patches (4 + cls = 5 tokens), 1 block, FFN 4, 2 classes
        java.util.Random r = new java.util.Random(26);
        SafetensorsWriter w = new SafetensorsWriter()
                .add("patch_embed.proj.weight", rand(r, 4 * 1 * 2 * 2), 4, 1, 2, 2).add("patch_embed.proj.bias", rand(r, 4), 4)
                .add("cls_token", rand(r, 4), 1, 1, 4).add("pos_embed", rand(r, 5 * 4), 1, 5, 4)
                .add("blocks.0.norm1.weight", rand(r, 4), 4).add("blocks.0.norm1.bias", rand(r, 4), 4)
                .add("blocks.0.attn.qkv.weight", rand(r, 12 * 4), 12, 4).add("blocks.0.attn.qkv.bias", rand(r, 12), 12)
                .add("blocks.0.attn.proj.weight", rand(r, 16), 4, 4).add("blocks.0.attn.proj.bias", rand(r, 4), 4)
                .add("blocks.0.norm2.weight", rand(r, 4), 4).add("blocks.0.norm2.bias", rand(r, 4), 4)
                .add("blocks.0.mlp.fc1.weight", rand(r, 16), 4, 4).add("blocks.0.mlp.fc1.bias", rand(r, 4), 4)
                .add("blocks.0.mlp.fc2.weight", rand(r, 16), 4, 4).add("blocks.0.mlp.fc2.bias", rand(r, 4), 4)
                .add("norm.weight", rand(r, 4), 4).add("norm.bias", rand(r, 4), 4)
                .add("head.weight", rand(r, 8), 2, 4).add("head.bias", rand(r, 2), 2);
        w.write(stateDict.resolve("timm-vit.safetensors"));
        for (Path p : new Path[]{tmp.resolve("config.json"), tmp.resolve("model.safetensors"), tmp}) Files.deleteIfExists(p);
    }

    static float[] rand(java.util.Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 0.3f;
        return v;
    }
}
