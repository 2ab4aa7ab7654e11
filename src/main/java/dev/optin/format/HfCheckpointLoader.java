package dev.optin.format;

import dev.optin.model.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Loads a Hugging Face checkpoint folder (config.json + model.safetensors or a sharded
 * checkpoint) into {@link EncoderWeights}. Key layouts with or without the model prefix
 * ({@code bert.}, {@code roberta.}, {@code distilbert.}) are accepted; every tensor's shape is
 * checked against the config before use.
 *
 * <p>The checkpoint must hold exactly the config's layers: a config that declares more layers
 * than the checkpoint has, or a checkpoint tensor of a layer beyond the config's count, is an
 * error naming both, found before any per-layer allocation. Every weight read must be finite;
 * a NaN or infinity is refused naming the tensor.
 */
public final class HfCheckpointLoader {
    private HfCheckpointLoader() {}

    public static EncoderWeights load(Path folder) {
        if (!Files.isDirectory(folder)) throw new FormatException(folder + ": not a model folder");
        EncoderConfig config = HfConfig.read(folder.resolve("config.json"));
        Path single = folder.resolve("model.safetensors"), index = folder.resolve(ShardedSafetensors.INDEX);
        if (Files.isRegularFile(single)) {
            try (Safetensors st = Safetensors.open(single)) {
                return withDeclaredPooling(assemble(config, st, "config.json"), folder);
            }
        }
        if (Files.isRegularFile(index)) {
            try (ShardedSafetensors st = ShardedSafetensors.open(index)) {
                return withDeclaredPooling(assemble(config, st, "config.json"), folder);
            }
        }
        if (Files.exists(folder.resolve("pytorch_model.bin")))
            throw new FormatException(folder + ": only pytorch_model.bin found; convert it to model.safetensors (pickle files are not read)");
        throw new FormatException(folder + ": no model.safetensors or " + ShardedSafetensors.INDEX);
    }

    /** A bare encoder pools as its folder declares (sentence-transformers' Pooling module); other heads are returned as they are. */
    public static EncoderWeights withDeclaredPooling(EncoderWeights w, Path folder) {
        if (!(w.head() instanceof EncoderOutput)) return w;
        return new EncoderWeights(w.config(), w.stem(), w.layers(), new EncoderOutput(SentencePoolingConfig.read(folder, w.config().hidden())));
    }

    /** Builds the weights from named tensors; configSource names where the expected shapes come from. */
    public static EncoderWeights assemble(EncoderConfig config, TensorSource src, String configSource) {
        return new Reader(config, src, configSource).read();
    }

    /** The key prefix in front of "embeddings.word_embeddings.weight" ("" or e.g. "bert."), or null when absent. */
    public static String modelPrefix(Iterable<String> names) {
        String suffix = "embeddings.word_embeddings.weight";
        String best = null;
        for (String n : names)
            if (n.endsWith(suffix)) {
                String p = n.substring(0, n.length() - suffix.length());
                if (p.isEmpty() || p.endsWith(".")) if (best == null || p.length() < best.length()) best = p;
            }
        return best;
    }

    private static final class Reader {
        final EncoderConfig c;
        final TensorSource src;
        final String cfg;
        final java.util.Set<String> used = new java.util.HashSet<>();
        String prefix;

        Reader(EncoderConfig c, TensorSource src, String cfg) { this.c = c; this.src = src; this.cfg = cfg; }

        EncoderWeights read() {
            prefix = modelPrefix(src.names());
            if (prefix == null)
                throw new FormatException(describeSource() + ": no embeddings.word_embeddings.weight tensor (with or without a model prefix); "
                        + "not a BERT-family checkpoint");
            int d = c.hidden();
            boolean distil = c.architecture() == Architecture.DISTILBERT;
            checkLayerCount(prefix + (distil ? "transformer.layer." : "encoder.layer."));
            TokenEmbeddings emb = new TokenEmbeddings(
                    tensor(prefix + "embeddings.word_embeddings.weight", c.vocabSize(), d),
                    tensor(prefix + "embeddings.position_embeddings.weight", c.maxPositions(), d),
                    distil || c.typeVocabSize() == 0 ? null : tensor(prefix + "embeddings.token_type_embeddings.weight", c.typeVocabSize(), d),
                    norm(prefix + "embeddings.LayerNorm", d));
            LayerWeights[] layers = new LayerWeights[c.layers()];
            for (int l = 0; l < c.layers(); l++) layers[l] = distil ? distilLayer(l) : bertLayer(l);
            Head head = head();
            EncoderConfig config = head instanceof EncoderOutput ? HfConfig.withLabels(c, 0, List.of()) : c;
            if (head instanceof ClassifierHead h && h.labels() != c.numLabels())
                throw new FormatException(src.fileOf("classifier") + ": classifier has " + h.labels() + " outputs, " + cfg + " says " + c.numLabels() + " labels");
            checkNothingLeftInTheEncoder(distil);
            return new EncoderWeights(config, emb, layers, head);
        }

        /**
         * Refuses encoder tensors the model would not use (e.g. relative position biases of a variant
         * this layout does not implement): running without them would give wrong outputs silently.
         * Heads, poolers and pre-training heads outside the encoder may be left unused.
         */
        void checkNothingLeftInTheEncoder(boolean distil) {
            String[] roots = {prefix + "embeddings.", prefix + (distil ? "transformer." : "encoder.")};
            java.util.List<String> unused = new java.util.ArrayList<>();
            for (String n : src.names())
                if (!used.contains(n) && !n.endsWith("position_ids") && (n.startsWith(roots[0]) || n.startsWith(roots[1]))) unused.add(n);
            if (unused.isEmpty()) return;
            java.util.Collections.sort(unused);
            throw new FormatException(src.fileOf(unused.get(0)) + ": " + unused.size() + " encoder tensor(s) the " + c.architecture()
                    + " layout does not use, e.g. " + unused.subList(0, Math.min(3, unused.size()))
                    + "; the checkpoint is a variant optin does not implement (its outputs would be wrong)");
        }

        /** Compares the config's layer count with the layer indices that checkpoint tensor names carry. */
        void checkLayerCount(String layerRoot) {
            int highest = -1;
            String example = null;
            for (String n : src.names()) {
                int l = layerIndex(n, layerRoot);
                if (l > highest) { highest = l; example = n; }
            }
            if (highest >= c.layers())
                throw new FormatException(src.fileOf(example) + ": holds " + example + " of layer " + highest + ", but " + cfg
                        + " declares " + c.layers() + " layers; the checkpoint has at least " + (highest + 1));
            if (highest + 1 < c.layers())
                throw new FormatException(describeSource() + ": " + cfg + " declares " + c.layers() + " layers, the checkpoint holds "
                        + (highest < 0 ? "none (no " + layerRoot + "N.* tensors)" : (highest + 1) + " (" + layerRoot + "0.." + highest + ")"));
        }

        /** The N of "root + N + '.' + rest", or -1 when the name is not of that form. */
        static int layerIndex(String name, String root) {
            if (!name.startsWith(root)) return -1;
            int i = root.length(), j = i;
            while (j < name.length() && Character.isDigit(name.charAt(j))) j++;
            if (j == i || j >= name.length() || name.charAt(j) != '.') return -1;
            return j - i > 9 ? Integer.MAX_VALUE : Integer.parseInt(name, i, j, 10);
        }

        LayerWeights bertLayer(int l) {
            String p = prefix + "encoder.layer." + l + ".";
            int d = c.hidden(), a = c.heads(l) * c.headSize(), n = c.intermediate(l);
            return new LayerWeights(c.heads(l), n,
                    linear(p + "attention.self.query", a, d), linear(p + "attention.self.key", a, d), linear(p + "attention.self.value", a, d),
                    linear(p + "attention.output.dense", d, a), norm(p + "attention.output.LayerNorm", d),
                    linear(p + "intermediate.dense", n, d), linear(p + "output.dense", d, n), norm(p + "output.LayerNorm", d));
        }

        LayerWeights distilLayer(int l) {
            String p = prefix + "transformer.layer." + l + ".";
            int d = c.hidden(), a = c.heads(l) * c.headSize(), n = c.intermediate(l);
            return new LayerWeights(c.heads(l), n,
                    linear(p + "attention.q_lin", a, d), linear(p + "attention.k_lin", a, d), linear(p + "attention.v_lin", a, d),
                    linear(p + "attention.out_lin", d, a), norm(p + "sa_layer_norm", d),
                    linear(p + "ffn.lin1", n, d), linear(p + "ffn.lin2", d, n), norm(p + "output_layer_norm", d));
        }

        /** The classifier the checkpoint has, or {@link EncoderOutput} for a bare encoder. */
        Head head() {
            int d = c.hidden(), k = c.numLabels();
            switch (c.architecture()) {
                case DISTILBERT -> {
                    if (!has("classifier.weight")) return new EncoderOutput();
                    Linear dense = has("pre_classifier.weight") ? linear("pre_classifier", d, d) : null;
                    return new ClassifierHead(dense, ClassifierHead.DenseActivation.RELU, linear("classifier", k, d));
                }
                case ROBERTA -> {
                    if (has("classifier.out_proj.weight"))
                        return new ClassifierHead(linear("classifier.dense", d, d), ClassifierHead.DenseActivation.TANH, linear("classifier.out_proj", k, d));
                    if (!has("classifier.weight")) return new EncoderOutput();
                    return new ClassifierHead(null, ClassifierHead.DenseActivation.TANH, linear("classifier", k, d));
                }
                default -> {
                    // A bare BertModel keeps its pooler but has no classifier: an embedding model, no head.
                    if (!has("classifier.weight")) return new EncoderOutput();
                    String pooler = prefix + "pooler.dense";
                    Linear dense = has(pooler + ".weight") ? linear(pooler, d, d) : null;
                    return new ClassifierHead(dense, ClassifierHead.DenseActivation.TANH, linear("classifier", k, d));
                }
            }
        }

        boolean has(String name) { return src.shape(name) != null; }

        Linear linear(String module, int out, int in) {
            float[] w = tensor(module + ".weight", out, in);
            float[] b = tensor(module + ".bias", out);
            return new Linear(out, in, w, b);
        }

        Norm norm(String module, int d) {
            boolean old = !has(module + ".weight") && has(module + ".gamma");
            return new Norm(tensor(module + (old ? ".gamma" : ".weight"), d), tensor(module + (old ? ".beta" : ".bias"), d));
        }

        float[] tensor(String name, long... expected) {
            long[] shape = src.shape(name);
            // a fully pruned layer may store its empty attention/FFN tensors or leave them out
            if (shape == null && Arrays.stream(expected).anyMatch(x -> x == 0)) return new float[0];
            if (shape == null) throw new FormatException(describeSource() + ": missing tensor " + name);
            used.add(name);
            if (!Arrays.equals(shape, expected))
                throw new FormatException(src.fileOf(name) + ": " + name + " has shape " + Arrays.toString(shape) + ", " + cfg
                        + " implies " + Arrays.toString(expected));
            return finite(src.floats(name), name);
        }

        float[] finite(float[] v, String name) {
            for (int i = 0; i < v.length; i++)
                if (!Float.isFinite(v[i]))
                    throw new FormatException(src.fileOf(name) + ": tensor " + name + " holds " + v[i] + " at index " + i
                            + "; weights must be finite (a diverged or corrupted checkpoint?)");
            return v;
        }

        String describeSource() {
            for (String n : src.names()) return src.fileOf(n);
            return "checkpoint";
        }
    }
}
