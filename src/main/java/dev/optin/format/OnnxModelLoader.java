package dev.optin.format;

import ai.onnx.proto.OnnxMl.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.optin.model.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * Loads the weights of a BERT-family ONNX export (torch.onnx / optimum) into {@link EncoderWeights}.
 * Named initializers keep their PyTorch names. Anonymous MatMul weights ({@code onnx::MatMul_123})
 * are named after the module path in the consuming node's name
 * ({@code /encoder/layer.0/attention/self/query/MatMul} → {@code encoder.layer.0.attention.self.query.weight})
 * and transposed, since ONNX MatMul weights are [in][out]. The head size is read from the
 * attention Reshape shapes or the score scale constant.
 */
public final class OnnxModelLoader {
    private static final int FLOAT = 1, INT32 = 6, INT64 = 7, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;

    private OnnxModelLoader() {}

    public static EncoderWeights load(Path onnx) {
        String file = onnx.getFileName().toString();
        ModelProto model = parse(onnx);
        OptinExport optin = optinExport(model, file);
        if (optin != null) return load(optin);
        Graph graph = new Graph(model.getGraph(), file);
        GraphTensors src = new GraphTensors(graph, file);
        String prefix = HfCheckpointLoader.modelPrefix(src.names());
        if (prefix == null)
            throw new FormatException(file + ": not a BERT-family export: no embeddings.word_embeddings.weight initializer "
                    + "(found " + src.names().size() + " weights, e.g. " + src.names().stream().limit(3).toList() + ")");
        EncoderConfig config = inferConfig(graph, src, prefix, file);
        return HfCheckpointLoader.assemble(config, src, "the ONNX graph");
    }

    /** The text encoder of an optin export (config from its metadata, weights by their HF names). */
    public static EncoderWeights load(OptinExport optin) {
        if (optin.isVit())
            throw new FormatException(optin.file() + ": an optin export of a vision transformer (model_type "
                    + optin.config().path("model_type").asText() + "), not a text encoder");
        return HfCheckpointLoader.assemble(HfConfig.parse(optin.config(), optin.file() + " (" + OPTIN_CONFIG + ")"),
                optin.tensors(), optin.file() + " (" + OPTIN_CONFIG + ")");
    }

    /** Metadata key under which optin's exporter stores the model's config.json (per-layer widths included). */
    public static final String OPTIN_CONFIG = "optin.config";
    /** Metadata key under which optin's exporter stores an image model's preprocessor_config.json. */
    public static final String OPTIN_PREPROCESSOR = "optin.preprocessor";

    /**
     * An ONNX file optin wrote: its config.json (metadata {@value #OPTIN_CONFIG}), an image model's
     * preprocessor_config.json (metadata {@value #OPTIN_PREPROCESSOR}, or null) and its weights under
     * their Hugging Face state-dict names, [out][in] as PyTorch stores them.
     */
    public record OptinExport(String file, JsonNode config, String preprocessorJson, TensorSource tensors) {
        /** Whether the config is of a vision transformer (model_type vit or deit). */
        public boolean isVit() {
            String t = config.path("model_type").asText("");
            return t.equals("vit") || t.equals("deit");
        }
    }

    /** The export optin wrote, or null when the file has no {@value #OPTIN_CONFIG} metadata (e.g. from torch.onnx). */
    public static OptinExport optinExport(Path onnx) {
        return optinExport(parse(onnx), onnx.getFileName().toString());
    }

    private static OptinExport optinExport(ModelProto model, String file) {
        String config = null, prep = null;
        for (StringStringEntryProto p : model.getMetadataPropsList()) {
            if (p.getKey().equals(OPTIN_CONFIG)) config = p.getValue();
            if (p.getKey().equals(OPTIN_PREPROCESSOR)) prep = p.getValue();
        }
        if (config == null) return null;
        JsonNode json;
        try {
            json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new FormatException(file + ": the " + OPTIN_CONFIG + " metadata is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (json == null || !json.isObject()) throw new FormatException(file + ": the " + OPTIN_CONFIG + " metadata is not a JSON object");
        return new OptinExport(file, json, prep, new GraphTensors(new Graph(model.getGraph(), file), file));
    }

    /**
     * The graph's real inputs (not initializers) as "name [d0,d1,…]", a symbolic dimension by its
     * name: what a message says the file takes when it is not the model a command expects.
     */
    public static List<String> describeInputs(Path onnx) {
        GraphProto g = parse(onnx).getGraph();
        Set<String> weights = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) weights.add(t.getName());
        List<String> r = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (weights.contains(v.getName())) continue;
            List<String> dims = new ArrayList<>();
            if (v.getType().hasTensorType())
                for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList())
                    dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
            r.add(v.getName() + " [" + String.join(",", dims) + "]");
        }
        return r;
    }

    public static ModelProto parse(Path onnx) {
        String file = onnx.getFileName().toString();
        try {
            long size = Files.size(onnx);
            if (size >= Integer.MAX_VALUE)
                throw new FormatException(file + ": " + size + " bytes; ONNX files over 2 GB keep weights as external data, which is not supported");
            // mapped, and parsed with aliasing: the initializers' raw bytes stay views of the file
            // instead of heap copies, so loading needs the heap for the converted floats only
            try (FileChannel ch = FileChannel.open(onnx)) {
                ByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                CodedInputStream in = UnsafeByteOperations.unsafeWrap(mapped).newCodedInput();
                in.enableAliasing(true);
                ModelProto m = ModelProto.parseFrom(in);
                if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) throw new FormatException(file + ": not an ONNX model (no graph)");
                return m;
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new FormatException(file + ": not a valid ONNX protobuf: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + onnx + ": " + e.getMessage(), e);
        }
    }

    private static EncoderConfig inferConfig(Graph graph, GraphTensors src, String prefix, String file) {
        long[] word = src.shape(prefix + "embeddings.word_embeddings.weight");
        long[] pos = src.shape(prefix + "embeddings.position_embeddings.weight");
        long[] types = src.shape(prefix + "embeddings.token_type_embeddings.weight");
        if (word.length != 2 || word[0] <= 0 || word[1] <= 0 || word[0] > Integer.MAX_VALUE || word[1] > Integer.MAX_VALUE)
            throw new FormatException(file + ": word embeddings have shape " + Arrays.toString(word) + ", expected [vocabulary, hidden] with positive sizes");
        if (pos == null) throw new FormatException(file + ": not a BERT export: no " + prefix + "embeddings.position_embeddings.weight");
        if (pos.length != 2 || pos[0] <= 0 || pos[0] > Integer.MAX_VALUE)
            throw new FormatException(file + ": position embeddings have shape " + Arrays.toString(pos) + ", expected [positions, hidden]");
        if (types != null && (types.length != 2 || types[0] > Integer.MAX_VALUE))
            throw new FormatException(file + ": token type embeddings have shape " + Arrays.toString(types) + ", expected [types, hidden]");
        int hidden = (int) word[1];
        int layers = 0;
        while (layers < HfConfig.MAX_LAYERS && src.shape(prefix + "encoder.layer." + layers + ".attention.self.query.weight") != null) layers++;
        if (layers == 0)
            throw new FormatException(file + ": not a BERT export: no encoder.layer.0.attention.self.query weight (MatMul node /encoder/layer.0/attention/self/query/MatMul)");
        int headSize = graph.headSize(file);
        int[] heads = new int[layers], inter = new int[layers];
        for (int l = 0; l < layers; l++) {
            String p = prefix + "encoder.layer." + l + ".";
            long[] q = src.shape(p + "attention.self.query.weight");
            if (q.length != 2 || q[0] > Integer.MAX_VALUE)
                throw new FormatException(file + ": " + p + "attention.self.query.weight has shape " + Arrays.toString(q) + ", expected [width, hidden]");
            long a = q[0];
            if (a % headSize != 0)
                throw new FormatException(file + ": layer " + l + " attention width " + a + " is not a multiple of the head size " + headSize);
            heads[l] = (int) (a / headSize);
            long[] ffn = src.shape(p + "intermediate.dense.weight");
            if (ffn == null) throw new FormatException(file + ": missing " + p + "intermediate.dense.weight");
            if (ffn.length != 2 || ffn[0] > Integer.MAX_VALUE)
                throw new FormatException(file + ": " + p + "intermediate.dense.weight has shape " + Arrays.toString(ffn) + ", expected [width, hidden]");
            inter[l] = (int) ffn[0];
        }
        long[] cls = src.shape("classifier.weight");
        if (cls != null && (cls.length != 2 || cls[0] > Integer.MAX_VALUE))
            throw new FormatException(file + ": classifier.weight has shape " + Arrays.toString(cls) + ", expected [labels, hidden]");
        int labels = cls == null ? 0 : (int) cls[0];
        try {
            return new EncoderConfig(Architecture.BERT, layers, hidden, headSize, heads, inter, (int) word[0], (int) pos[0],
                    types == null ? 0 : (int) types[0], graph.layerNormEps(), graph.activation(), 0, labels, List.of());
        } catch (IllegalArgumentException e) {
            throw new FormatException(file + ": " + e.getMessage() + " (sizes read from the graph)", e);
        }
    }

    /** Index of the graph: initializers, constants and consumers. */
    static final class Graph {
        final GraphProto g;
        final String file;
        final Map<String, TensorProto> init = new LinkedHashMap<>();
        final Map<String, NodeProto> producer = new HashMap<>();
        final Map<String, List<NodeProto>> consumers = new HashMap<>();

        Graph(GraphProto g, String file) {
            this.g = g; this.file = file;
            for (TensorProto t : g.getInitializerList()) init.put(t.getName(), t);
            for (NodeProto n : g.getNodeList()) {
                for (String o : n.getOutputList()) producer.put(o, n);
                for (String i : n.getInputList()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
        }

        /** A constant tensor (initializer or Constant node output), or null. */
        TensorProto constant(String name) {
            TensorProto t = init.get(name);
            if (t != null) return t;
            NodeProto n = producer.get(name);
            if (n != null && n.getOpType().equals("Constant"))
                for (AttributeProto a : n.getAttributeList()) if (a.getName().equals("value")) return a.getT();
            return null;
        }

        /** Integer vector of a constant or of a Concat of constants; unknown parts are Long.MIN_VALUE. */
        long[] intVector(String name, int depth) {
            TensorProto t = constant(name);
            if (t != null) {
                if (t.getDataType() != INT64 && t.getDataType() != INT32) return null;
                float[] f = toFloats(t, file, name, false);
                long[] r = new long[f.length];
                for (int i = 0; i < r.length; i++) r[i] = (long) f[i];
                return r;
            }
            NodeProto n = producer.get(name);
            if (n == null || depth > 2) return null;
            if (n.getOpType().equals("Concat")) {
                List<Long> all = new ArrayList<>();
                for (String in : n.getInputList()) {
                    long[] v = intVector(in, depth + 1);
                    if (v == null) all.add(Long.MIN_VALUE); else for (long x : v) all.add(x);
                }
                return all.stream().mapToLong(Long::longValue).toArray();
            }
            return null;
        }

        int headSize(String file) {
            // 1) Reshape to [batch, seq, heads, headSize] inside self-attention
            for (NodeProto n : g.getNodeList()) {
                if (!n.getOpType().equals("Reshape") || !n.getName().contains("attention") || n.getInputCount() < 2) continue;
                long[] v = intVector(n.getInput(1), 0);
                if (v != null && v.length == 4 && v[2] > 0 && v[3] > 0 && v[3] <= 1 << 16) return (int) v[3];
            }
            // 2) the score scale: Div by sqrt(headSize) or Mul by 1/sqrt(headSize)
            for (NodeProto n : g.getNodeList()) {
                boolean div = n.getOpType().equals("Div"), mul = n.getOpType().equals("Mul");
                if (!(div || mul) || !n.getName().contains("attention/self") || n.getInputCount() < 2) continue;
                TensorProto c = constant(n.getInput(1));
                if (c == null || c.getDataType() != FLOAT) continue;
                float[] f = toFloats(c, file, n.getInput(1), false);
                if (f.length != 1 || !(f[0] > 0)) continue;
                double dh = div ? (double) f[0] * f[0] : 1.0 / ((double) f[0] * f[0]);
                long r = Math.round(dh);
                if (r >= 1 && r <= 1 << 16 && Math.abs(dh - r) < 1e-3 * r) return (int) r;
            }
            throw new FormatException(file + ": cannot find the number of attention heads: no self-attention Reshape to "
                    + "[batch, seq, heads, head_size] with constant sizes and no Div/Mul by sqrt(head_size) in the graph");
        }

        float layerNormEps() {
            for (NodeProto n : g.getNodeList()) {
                if (n.getOpType().equals("LayerNormalization"))
                    for (AttributeProto a : n.getAttributeList()) if (a.getName().equals("epsilon")) return a.getF();
                if (n.getOpType().equals("Add") && n.getName().contains("LayerNorm/Add") && n.getInputCount() == 2) {
                    TensorProto c = constant(n.getInput(1));
                    if (c != null && c.getDataType() == FLOAT) {
                        float[] f = toFloats(c, file, n.getInput(1), false);
                        if (f.length == 1 && f[0] > 0 && f[0] < 1e-2) return f[0];
                    }
                }
            }
            return 1e-12f;
        }

        Activation activation() {
            for (NodeProto n : g.getNodeList()) {
                if (!n.getName().contains("intermediate")) continue;
                switch (n.getOpType()) {
                    case "Erf", "Gelu": return Activation.GELU;
                    case "Tanh", "FastGelu": return Activation.GELU_TANH;
                    case "Relu": return Activation.RELU;
                    default: break;
                }
            }
            return Activation.GELU;
        }
    }

    /** The graph's weights under PyTorch names and layout, converted lazily. */
    static final class GraphTensors implements TensorSource {
        private record Ref(TensorProto t, boolean transpose, long[] shape) {}

        private final Map<String, Ref> refs = new LinkedHashMap<>();
        private final String file;

        GraphTensors(Graph graph, String file) {
            this.file = file;
            for (TensorProto t : graph.init.values()) {
                if (t.getDataType() != FLOAT && t.getDataType() != FLOAT16 && t.getDataType() != DOUBLE && t.getDataType() != BFLOAT16) continue;
                String name = t.getName();
                boolean transpose = false;
                for (NodeProto n : graph.consumers.getOrDefault(name, List.of())) {
                    boolean matmul = n.getOpType().equals("MatMul") && n.getInputCount() == 2 && n.getInput(1).equals(name);
                    boolean gemm = n.getOpType().equals("Gemm") && n.getInputCount() >= 2 && n.getInput(1).equals(name) && !transB(n);
                    if (!(matmul || gemm) || t.getDimsCount() != 2) continue;
                    transpose = true;
                    if (!name.endsWith(".weight")) {
                        String module = moduleOf(n.getName());
                        if (module != null) name = module + ".weight";
                    }
                    break;
                }
                long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
                if (transpose) dims = new long[]{dims[1], dims[0]};
                refs.put(name, new Ref(t, transpose, dims));
            }
        }

        private static boolean transB(NodeProto n) {
            for (AttributeProto a : n.getAttributeList()) if (a.getName().equals("transB")) return a.getI() != 0;
            return false;
        }

        /** "/encoder/layer.0/attention/self/query/MatMul" → "encoder.layer.0.attention.self.query". */
        static String moduleOf(String nodeName) {
            String[] parts = nodeName.split("/");
            List<String> keep = new ArrayList<>();
            for (int i = 0; i < parts.length - 1; i++) if (!parts[i].isEmpty()) keep.add(parts[i]);
            return keep.isEmpty() ? null : String.join(".", keep);
        }

        @Override public Set<String> names() { return Collections.unmodifiableSet(refs.keySet()); }

        @Override public long[] shape(String name) {
            Ref r = refs.get(name);
            return r == null ? null : r.shape.clone();
        }

        @Override public float[] floats(String name) {
            Ref r = refs.get(name);
            if (r == null) throw new FormatException(file + ": no weight " + name);
            float[] f = toFloats(r.t, file, name, true);
            if (!r.transpose) return f;
            int rows = (int) r.t.getDims(0), cols = (int) r.t.getDims(1);
            float[] t = new float[f.length];
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = f[i * cols + j];
            return t;
        }

        @Override public String fileOf(String name) { return file; }
    }

    /** Converts a tensor to fp32 after checking that its declared size is plausible and matches its data. */
    public static float[] toFloats(TensorProto t, String file, String name, boolean floatOnly) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL)
            throw new FormatException(file + ": initializer " + name + " uses external data, which is not supported");
        long count = 1;
        try {
            for (long d : t.getDimsList()) {
                if (d < 0) throw new FormatException(file + ": initializer " + name + " has a negative dimension " + t.getDimsList());
                count = Math.multiplyExact(count, d);
            }
        } catch (ArithmeticException e) {
            throw new FormatException(file + ": initializer " + name + " has an absurd shape " + t.getDimsList());
        }
        if (count > Integer.MAX_VALUE - 8) throw new FormatException(file + ": initializer " + name + " has " + count + " elements, too many for one array");
        int dt = t.getDataType();
        int esize = switch (dt) { case FLOAT, INT32 -> 4; case INT64, DOUBLE -> 8; case FLOAT16, BFLOAT16 -> 2; default -> -1; };
        if (esize < 0 || floatOnly && (dt == INT32 || dt == INT64))
            throw new FormatException(file + ": initializer " + name + " has unsupported data type " + dt);
        int n = (int) count;
        float[] out = new float[0];
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != count * esize)
                throw new FormatException(file + ": initializer " + name + " declares " + count + " elements but holds " + t.getRawData().size() + " bytes");
            out = new float[n];
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++)
                out[i] = switch (dt) {
                    case FLOAT -> b.getFloat(4 * i);
                    case INT32 -> b.getInt(4 * i);
                    case INT64 -> b.getLong(8 * i);
                    case DOUBLE -> (float) b.getDouble(8 * i);
                    case FLOAT16 -> Safetensors.halfToFloat(b.getShort(2 * i));
                    default -> Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                };
            return out;
        }
        int have = switch (dt) {
            case FLOAT -> t.getFloatDataCount();
            case INT64 -> t.getInt64DataCount();
            case DOUBLE -> t.getDoubleDataCount();
            default -> t.getInt32DataCount();
        };
        if (have != count)
            throw new FormatException(file + ": initializer " + name + " declares " + count + " elements but holds " + have);
        out = new float[n];
        for (int i = 0; i < n; i++)
            out[i] = switch (dt) {
                case FLOAT -> t.getFloatData(i);
                case INT64 -> t.getInt64Data(i);
                case DOUBLE -> (float) t.getDoubleData(i);
                case FLOAT16 -> Safetensors.halfToFloat((short) t.getInt32Data(i));
                case BFLOAT16 -> Float.intBitsToFloat((t.getInt32Data(i) & 0xffff) << 16);
                default -> t.getInt32Data(i);
            };
        return out;
    }
}
