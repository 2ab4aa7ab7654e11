package dev.optin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.load.LoadedModel;
import dev.optin.load.ModelLoader;
import dev.optin.model.EncoderConfig;
import dev.optin.model.EncoderWeights;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.Masks;
import dev.optin.pruning.CostModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code optin inspect <model>}: architecture, parameters, MACs at a sequence length, per-layer
 * heads and FFN widths. MACs follow {@link CostModel} (attention and FFN of the encoder layers;
 * embeddings, norms, biases and the classifier are not counted), the measure prune budgets in.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show a model's architecture, parameter count, MACs and per-layer heads / FFN sizes.")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<model>", description = "Hugging Face folder, .onnx file, vision state dict (.pt, .pth, .safetensors) or 'minilm'")
    String model;

    @Option(names = "--seq", paramLabel = "T", defaultValue = "128", description = "sequence length for MACs (default: ${DEFAULT-VALUE})")
    int seq;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Option(names = "--image-size", paramLabel = "HxW", defaultValue = "224x224", description = "ResNets: the input size MACs are counted at (default: ${DEFAULT-VALUE})")
    String imageSize;

    @ArgGroup(exclusive = false, heading = "Vision checkpoints without a config (.pt, timm/lucidrains state dicts):%n")
    CheckpointCli checkpoint = new CheckpointCli();

    PrintStream out = System.out;

    @Override public Integer call() throws Exception {
        if (seq <= 0) throw new IllegalArgumentException("--seq must be positive, got " + seq);
        if (checkpoint == null) checkpoint = new CheckpointCli();
        try (LoadedModel m = ModelLoader.load(model, checkpoint.options())) {
            if (m.network() instanceof ResNetWeights r) {   // the convolutional family: blocks and channel widths instead of heads
                ResNetInspection.print(model, m.source(), r, ResNetInspection.size(imageSize), json, out);
                return 0;
            }
            EncoderWeights w = m.weights();
            EncoderConfig c = w.config();
            CostModel cost = new CostModel(c, seq);
            Masks full = Masks.ones(c);
            double[] layerMacs = new double[c.layers()];
            for (int l = 0; l < c.layers(); l++) layerMacs[l] = c.heads(l) * cost.macHead() + c.intermediate(l) * cost.macNeuron();
            double macs = cost.macs(full);
            if (json) printJson(m, c, w, macs, layerMacs);
            else printText(m, c, w, macs, layerMacs);
        }
        return 0;
    }

    private void printJson(LoadedModel m, EncoderConfig c, EncoderWeights w, double macs, double[] layerMacs) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode r = mapper.createObjectNode();
        r.put("model", model);
        r.put("source", m.source());
        r.put("architecture", c.architecture().name().toLowerCase(Locale.ROOT));
        r.put("layers", c.layers());
        r.put("hidden", c.hidden());
        r.put("head_size", c.headSize());
        r.put("activation", c.activation().name().toLowerCase(Locale.ROOT));
        r.put("vocab_size", c.vocabSize());
        r.put("max_positions", c.maxPositions());
        r.put("num_labels", w.hasClassifier() ? c.numLabels() : 0);
        if (!w.head().prediction().describe().isEmpty()) r.put("prediction", w.head().prediction().describe());
        ArrayNode labels = r.putArray("labels");
        c.labels().forEach(labels::add);
        r.put("parameters", w.parameters());
        r.put("layer_parameters", w.layerParameters());
        r.put("seq", seq);
        r.put("macs", Math.round(macs));
        r.put("uniform", c.isUniform());
        ArrayNode heads = r.putArray("heads"), inter = r.putArray("intermediate"), lm = r.putArray("layer_macs");
        for (int l = 0; l < c.layers(); l++) { heads.add(c.heads(l)); inter.add(c.intermediate(l)); lm.add(Math.round(layerMacs[l])); }
        out.println(mapper.writeValueAsString(r));
    }

    private void printText(LoadedModel m, EncoderConfig c, EncoderWeights w, double macs, double[] layerMacs) {
        String f = "%-14s %s%n";
        out.printf(Locale.ROOT, f, "model", model);
        out.printf(Locale.ROOT, f, "source", m.source());
        out.printf(Locale.ROOT, f, "architecture", String.format(Locale.ROOT, "%s, %d layers, hidden %d, head size %d, %s",
                c.architecture(), c.layers(), c.hidden(), c.headSize(), c.activation().name().toLowerCase(Locale.ROOT)));
        out.printf(Locale.ROOT, f, "vocabulary", c.vocabSize() + " tokens, " + (c.maxPositions() - c.positionOffset()) + " positions");
        out.printf(Locale.ROOT, f, "head", !w.hasClassifier() ? "none (sentence embeddings)"
                : c.numLabels() + " labels" + (w.head().prediction().describe().isEmpty() ? "" : " " + w.head().prediction().describe()) + (c.labels().isEmpty() ? "" : " (" + String.join(", ", c.labels()) + ")"));
        out.printf(Locale.ROOT, f, "parameters", String.format(Locale.ROOT, "%,d (%.1f M; encoder layers %,d)",
                w.parameters(), w.parameters() / 1e6, w.layerParameters()));
        out.printf(Locale.ROOT, f, "MACs @ T=" + seq, String.format(Locale.ROOT, "%,.0f (%.2f G; attention heads and FFN neurons)", macs, macs / 1e9));
        out.printf(Locale.ROOT, f, "heads", c.totalHeads() + " of size " + c.headSize() + (c.isUniform() ? "" : " (pruned: sizes differ per layer)"));
        out.println();
        out.printf(Locale.ROOT, "%5s %6s %12s %16s%n", "layer", "heads", "intermediate", "MACs");
        for (int l = 0; l < c.layers(); l++)
            out.printf(Locale.ROOT, "%5d %6d %12d %,16.0f%n", l, c.heads(l), c.intermediate(l), layerMacs[l]);
    }
}
