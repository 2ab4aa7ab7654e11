package dev.optin.export;

import dev.optin.model.Activation;
import dev.optin.model.EncoderConfig;
import dev.optin.model.LayerWeights;
import dev.optin.model.Linear;
import dev.optin.model.Norm;

import static dev.optin.export.OnnxGraphBuilder.attr;

/**
 * One encoder layer as ONNX nodes, for every family; the norm placement is data:
 * post-LN (BERT) {@code h = LN1(x + Attn(x))}, {@code out = LN2(h + FFN(h))};
 * pre-LN (ViT) {@code h = x + Attn(LN1(x))}, {@code out = h + FFN(LN2(h))}.
 * Per-layer head counts and FFN widths may differ, also 0: a layer without heads reduces
 * attention to its output bias, one without neurons the FFN to its second bias (no 0-sized tensors
 * in the graph; pre-LN then skips the unused norm). Initializers carry the family's HF names
 * ({@link HfFamily}); a bias the family requires but the model lacks is written as zeros.
 * Attention: scores = Q·Kᵀ·scale (+ the additive padding mask when there is one), softmax, ·V.
 */
final class OnnxLayerEmitter {
    private final OnnxGraphBuilder g;
    private final EncoderConfig c;
    private final HfFamily names;
    private String scale;   // the 1/√dh initializer, made when the first layer with heads needs it

    OnnxLayerEmitter(OnnxGraphBuilder g, EncoderConfig c, HfFamily names) {
        this.g = g; this.c = c; this.names = names;
    }

    /** Layer l applied to x; mask4 is the additive [B,1,1,T] padding mask or null; output names the result, or null. */
    String layer(int l, LayerWeights lw, String x, String mask4, String output) {
        return ffn(l, lw, attention(l, lw, x, mask4), output);
    }

    /** The attention half of layer l (with its residual and norm). */
    String attention(int l, LayerWeights lw, String x, String mask4) {
        boolean pre = c.architecture().preNorm();
        HfFamily.Part outPart = HfFamily.Part.ATTN_OUT;
        String sum;
        if (lw.heads() > 0) {
            String in = pre ? layerNorm(x, lw.attnNorm(), names.layer(l, HfFamily.Part.ATTN_NORM), null) : x;
            sum = g.op("Add", new String[]{linear3(core(l, lw, in, mask4), lw.attnOut(), l, outPart), x});
        } else {
            sum = addBias(x, lw.attnOut(), outPart, l);
        }
        return pre ? sum : layerNorm(sum, lw.attnNorm(), names.layer(l, HfFamily.Part.ATTN_NORM), null);
    }

    /** The FFN half of layer l (with its residual and norm); output names the result, or null. */
    String ffn(int l, LayerWeights lw, String h, String output) {
        boolean pre = c.architecture().preNorm();
        HfFamily.Part outPart = HfFamily.Part.FFN_OUT;
        String sum;
        if (lw.intermediate() > 0) {
            String in = pre ? layerNorm(h, lw.ffnNorm(), names.layer(l, HfFamily.Part.FFN_NORM), null) : h;
            String act = activation(linear3(in, lw.ffnIn(), l, HfFamily.Part.FFN_IN), c.activation());
            sum = g.op("Add", new String[]{linear3(act, lw.ffnOut(), l, outPart), h});
        } else {
            sum = addBias(h, lw.ffnOut(), outPart, l);
        }
        if (!pre) return layerNorm(sum, lw.ffnNorm(), names.layer(l, HfFamily.Part.FFN_NORM), output);
        if (output != null) g.opTo("Identity", output, new String[]{sum});
        return output != null ? output : sum;
    }

    /** Multi-head attention context [B,T,H·dh] of layer l on input a (before the output projection). */
    private String core(int l, LayerWeights lw, String a, String mask4) {
        int dh = c.headSize(), H = lw.heads();
        String p = "layer." + l + ".";
        String heads4 = g.int64s(p + "heads_shape", new long[]{0, 0, H, dh}, 4);
        String q = splitHeads(linear3(a, lw.query(), l, HfFamily.Part.QUERY), heads4, 0, 2, 1, 3);
        String k = splitHeads(linear3(a, lw.key(), l, HfFamily.Part.KEY), heads4, 0, 2, 3, 1);
        String v = splitHeads(linear3(a, lw.value(), l, HfFamily.Part.VALUE), heads4, 0, 2, 1, 3);
        if (scale == null) scale = g.scalar("const.attention_scale", (float) (1.0 / Math.sqrt(dh)));
        String scores = g.op("Mul", new String[]{g.op("MatMul", new String[]{q, k}), scale});
        if (mask4 != null) scores = g.op("Add", new String[]{scores, mask4});
        String probs = g.op("Softmax", new String[]{scores}, attr("axis", -1L));
        String ctx = g.op("Transpose", new String[]{g.op("MatMul", new String[]{probs, v})}, attr("perm", 0L, 2L, 1L, 3L));
        return g.op("Reshape", new String[]{ctx, g.int64s(p + "merge_shape", new long[]{0, 0, (long) H * dh}, 3)});
    }

    /** x + the projection's bias (or zeros when the family requires one), or x itself. */
    private String addBias(String x, Linear lin, HfFamily.Part part, int l) {
        float[] b = bias(lin, part);
        return b == null ? x : g.op("Add", new String[]{x, g.floats(names.layer(l, part) + ".bias", b, lin.out)});
    }

    private float[] bias(Linear lin, HfFamily.Part part) {
        return lin.bias != null ? lin.bias : names.biasRequired(part) ? new float[lin.out] : null;
    }

    private String linear3(String x, Linear lin, int l, HfFamily.Part part) {
        return linear3(x, lin, names.layer(l, part), bias(lin, part));
    }

    /** x[B,T,in] · Wᵀ + b (W stored transposed, [in][out], for MatMul). */
    String linear3(String x, Linear lin, String name, float[] bias) {
        String y = g.op("MatMul", new String[]{x, g.transposed(name + ".weight", lin.weight, lin.out, lin.in)});
        return bias == null ? y : g.op("Add", new String[]{y, g.floats(name + ".bias", bias, lin.out)});
    }

    /** x[B,in] · Wᵀ + bias (none when null) as one Gemm; output names the result, or null. */
    String gemm(String x, Linear lin, String name, float[] bias, String output) {
        String out = output != null ? output : g.fresh("gemm");
        String[] in = bias == null
                ? new String[]{x, g.floats(name + ".weight", lin.weight, lin.out, lin.in)}
                : new String[]{x, g.floats(name + ".weight", lin.weight, lin.out, lin.in), g.floats(name + ".bias", bias, lin.out)};
        g.opTo("Gemm", out, in, attr("transB", 1L));
        return out;
    }

    /** [B,T,H·dh] → [B,T,H,dh] → transposed by perm. */
    private String splitHeads(String x, String shape4, long... perm) {
        return g.op("Transpose", new String[]{g.op("Reshape", new String[]{x, shape4})}, attr("perm", perm));
    }

    String layerNorm(String x, Norm n, String name, String output) {
        String out = output != null ? output : g.fresh("layernorm");
        g.opTo("LayerNormalization", out, new String[]{x, g.floats(name + ".weight", n.gamma(), n.gamma().length),
                g.floats(name + ".bias", n.beta(), n.beta().length)}, attr("axis", -1L), attr("epsilon", c.layerNormEps()));
        return out;
    }

    private String activation(String x, Activation a) {
        return switch (a) {
            case RELU -> g.op("Relu", new String[]{x});
            case GELU -> {   // 0.5·x·(1 + erf(x/√2))
                String erf = g.op("Erf", new String[]{g.op("Mul", new String[]{x, g.scalar(g.fresh("const.inv_sqrt2"), (float) (1 / Math.sqrt(2)))})});
                String onePlus = g.op("Add", new String[]{erf, g.scalar(g.fresh("const.one"), 1f)});
                yield g.op("Mul", new String[]{g.op("Mul", new String[]{x, onePlus}), g.scalar(g.fresh("const.half"), 0.5f)});
            }
            case GELU_TANH -> { // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                String x3 = g.op("Mul", new String[]{g.op("Mul", new String[]{x, x}), x});
                String inner = g.op("Add", new String[]{x, g.op("Mul", new String[]{x3, g.scalar(g.fresh("const.c"), 0.044715f)})});
                String t = g.op("Tanh", new String[]{g.op("Mul", new String[]{inner, g.scalar(g.fresh("const.k"), (float) Math.sqrt(2 / Math.PI))})});
                String onePlus = g.op("Add", new String[]{t, g.scalar(g.fresh("const.one"), 1f)});
                yield g.op("Mul", new String[]{g.op("Mul", new String[]{x, onePlus}), g.scalar(g.fresh("const.half"), 0.5f)});
            }
        };
    }
}
