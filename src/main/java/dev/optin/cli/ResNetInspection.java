package dev.optin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.model.resnet.ResNetWeights;
import dev.optin.model.resnet.ResidualBlock;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/** What {@code optin inspect} prints for a ResNet: block type, stages, every block's widths, parameters and exact MACs at an image size. */
final class ResNetInspection {
    private ResNetInspection() {}

    static int[] size(String spec) {
        String[] p = spec.trim().toLowerCase(Locale.ROOT).split("x");
        try {
            int h = Integer.parseInt(p[0]), w = Integer.parseInt(p.length > 1 ? p[1] : p[0]);
            if (h <= 0 || w <= 0 || h > 4096 || w > 4096 || p.length > 2) throw new NumberFormatException();
            return new int[] {h, w};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--image-size must be HxW (or N) between 1 and 4096, got '" + spec + "'");
        }
    }

    static void print(String model, String source, ResNetWeights w, int[] hw, boolean json, PrintStream out) throws Exception {
        long macs = w.macs(hw[0], hw[1]);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode r = mapper.createObjectNode();
            r.put("model", model);
            r.put("source", source);
            r.put("architecture", "resnet");
            r.put("block", w.bottleneck() ? "Bottleneck" : "BasicBlock");
            ArrayNode st = r.putArray("stages");
            for (int s : w.stages()) st.add(s);
            r.put("channels", w.channels());
            r.put("num_labels", w.classes());
            r.put("parameters", w.parameters());
            r.put("image_size", hw[0] + "x" + hw[1]);
            r.put("macs", macs);
            ArrayNode blocks = r.putArray("blocks");
            for (int b = 0; b < w.blocks().length; b++) {
                ObjectNode o = blocks.addObject();
                o.put("name", w.name(b));
                ArrayNode widths = o.putArray("widths");
                for (var c : w.blocks()[b].convs()) widths.add(c.out());
                o.put("downsample", w.blocks()[b].downsample() != null);
            }
            out.println(mapper.writeValueAsString(r));
            return;
        }
        String f = "%-14s %s%n";
        out.printf(Locale.ROOT, f, "model", model);
        out.printf(Locale.ROOT, f, "source", source);
        out.printf(Locale.ROOT, f, "architecture", String.format(Locale.ROOT, "ResNet, %s, stages %s, %d input channels",
                w.bottleneck() ? "Bottleneck" : "BasicBlock", Arrays.toString(w.stages()), w.channels()));
        out.printf(Locale.ROOT, f, "head", w.classes() + " labels (fc on " + w.features() + " features)");
        out.printf(Locale.ROOT, f, "parameters", String.format(Locale.ROOT, "%,d (%.1f M)", w.parameters(), w.parameters() / 1e6));
        out.printf(Locale.ROOT, f, "MACs @ " + hw[0] + "x" + hw[1], String.format(Locale.ROOT, "%,d (%.3f G; every convolution and fc)", macs, macs / 1e9));
        out.println();
        out.printf(Locale.ROOT, "%-10s %-22s %s%n", "block", "widths (conv1, conv2…)", "shortcut");
        for (int b = 0; b < w.blocks().length; b++) {
            ResidualBlock blk = w.blocks()[b];
            out.printf(Locale.ROOT, "%-10s %-22s %s%n", w.name(b), Arrays.toString(blk.convs().stream().mapToInt(c -> c.out()).toArray()),
                    blk.downsample() == null ? "identity" : "downsample (1x1, stride " + blk.downsample().stride() + ")");
        }
    }
}
