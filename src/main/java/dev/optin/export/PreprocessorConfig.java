package dev.optin.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.optin.format.ImagePreprocessing;

/**
 * preprocessor_config.json of an image model: the file name, and a ViTImageProcessor config
 * equivalent to a model's {@link ImagePreprocessing} (for sources without one, e.g. a .pt
 * checkpoint given mean/std on the command line). Reading it back with
 * {@link ImagePreprocessing#fromPreprocessorConfig} gives the same preprocessing.
 */
public final class PreprocessorConfig {
    private PreprocessorConfig() {}

    public static final String FILE = "preprocessor_config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode of(ImagePreprocessing prep) {
        ObjectNode j = JSON.createObjectNode();
        j.put("image_processor_type", "ViTImageProcessor");
        j.put("do_resize", prep.resize());
        j.put("resample", 2);
        j.putObject("size").put("height", prep.height()).put("width", prep.width());
        j.put("do_rescale", prep.rescale() != 1f);
        j.put("rescale_factor", prep.rescale() == 1f ? 1 / 255.0 : prep.rescale());
        j.put("do_normalize", true);
        ArrayNode m = j.putArray("image_mean"), s = j.putArray("image_std");
        for (float v : prep.mean()) m.add(v);
        for (float v : prep.std()) s.add(v);
        return j;
    }
}
