package dev.optin.model;

/** Activations of one layer saved during a forward pass, for the backward pass of mask gradients. */
final class LayerTrace {
    float[] input;      // [N×D] layer input
    float[] qkv;        // [N×3A] rows [query | key | value], as the layer's one product formed them
    float[] probs;      // attention probabilities, per sequence and head: len×len blocks
    int[] probOffsets;  // start of (sequence s, head h) block at probOffsets[s*H + h]
    float[] ctx;        // [N×A] context before the head mask
    float[] h1;         // [N×D] attention-block output (after its layer norm)
    float[] invStd1;
    float[] pre;        // [N×I] FFN pre-activation
    float[] act;        // [N×I] f(pre), before the neuron mask (also the FFN's second input when every gate is 1)
    float[] actAux;     // [N×I] what the activation's derivative reuses (Activation.applyKeeping), or null
    float[] out;        // [N×D] layer output
    float[] invStd2;
    float[] ln1, ln2;   // pre-LN only: outputs of the norms before attention and before the FFN
    int[] rows;         // null, or the only rows of out (and invStd2) computed: the rows the head reads (last layer)
}
