package dev.optin.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.SafetensorsWriter;
import dev.optin.model.EncoderWeights;

/**
 * What one Hugging Face model family names differently: its config.json keys and its state-dict
 * tensor names. One implementation per family ({@link HfTensorNames}: BERT, RoBERTa, DistilBERT;
 * {@link HfVitNames}: ViT, DeiT). The checkpoint writer and the ONNX emitter both name tensors
 * through it, so a model.safetensors and a model.onnx read back through the same name mapping.
 */
sealed interface HfFamily permits HfTensorNames, HfVitNames {
    /** The tensors of one encoder layer, in the order they are written. */
    enum Part { QUERY, KEY, VALUE, ATTN_OUT, ATTN_NORM, FFN_IN, FFN_OUT, FFN_NORM }

    static HfFamily of(EncoderWeights w) {
        return w.takesImages() ? new HfVitNames(w) : new HfTensorNames(w.config().architecture());
    }

    /** The module name of a layer part, e.g. "bert.encoder.layer.3.attention.self.query" (".weight"/".bias" appended by callers). */
    String layer(int l, Part p);

    /** Whether the family's layout requires this part's bias; a missing one is written as zeros (which changes nothing). */
    boolean biasRequired(Part p);

    /** Whether a source config.json is of this family, so that its extra keys are kept. */
    boolean sameFamily(JsonNode source);

    /** Writes the family's keys (architectures, model_type, sizes) into config.json; the per-layer keys follow. */
    void putConfig(ObjectNode j, EncoderWeights w, int numHeads, int ffn, String activation);

    /** A family condition (beyond uniform FFN widths and fitting heads) for stock transformers to load the folder. */
    boolean stockLoadable(EncoderWeights w);

    /** Tensors before the first layer (embeddings), in file order. */
    void stemTensors(SafetensorsWriter st, EncoderWeights w);

    /** Tensors after the last layer (final norm, pooler, classifiers), in file order. */
    void headTensors(SafetensorsWriter st, EncoderWeights w);
}
