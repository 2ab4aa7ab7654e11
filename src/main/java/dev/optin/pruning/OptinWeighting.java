package dev.optin.pruning;

/**
 * How OPTIN's head and neuron trajectory scores are put on one scale before the budgeted
 * selection adds them.
 *
 * <p>{@link #PUBLISHED}: heads ×0.5, units of the last layer ×0.5 more (the paper's defaults).
 * Raw trajectory damage is not in a common currency: a head costs ~66 neurons (MiniLM, T≈25)
 * but masking one neuron of 1536 barely moves the trajectory while masking one head of 12
 * does, so the raw or published scales let cheap neurons outbid heads and, at 40% FLOPs,
 * the search keeps far too few heads.
 *
 * <p>{@link #COST_NORMALIZED} (default): each unit type is rescaled so that its mean score
 * equals its unit cost, s'(u) = cost(type)·s(u)/mean_type(s). Then "a type's average unit is
 * worth what it costs", the selection compares units by importance relative to their own type,
 * per MAC, and neither type can collapse just because its damage is measured on another scale.
 * Ranking within a type is unchanged.
 *
 * <p>{@link #RAW}: the scores as measured.
 */
public enum OptinWeighting {
    COST_NORMALIZED, PUBLISHED, RAW;

    public UnitScores apply(UnitScores raw, UnitCosts.Linear costs) {
        return switch (this) {
            case RAW -> raw;
            case PUBLISHED -> {
                UnitScores s = raw.scaled(0.5, 1.0);
                int last = s.layers() - 1;
                for (int i = 0; i < s.head()[last].length; i++) s.head()[last][i] *= 0.5;
                for (int i = 0; i < s.neuron()[last].length; i++) s.neuron()[last][i] *= 0.5;
                yield s;
            }
            case COST_NORMALIZED -> {
                double hm = raw.headSum() / Math.max(1, raw.headCount()), nm = raw.neuronSum() / Math.max(1, raw.neuronCount());
                double hf = hm > 0 ? costs.headCost(0) / hm : 1, nf = nm > 0 ? costs.neuronCost(0) / nm : 1;
                yield raw.scaled(hf, nf);
            }
        };
    }
}
