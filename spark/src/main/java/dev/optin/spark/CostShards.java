package dev.optin.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * Splits items (the chunks of a pass) into shards of about equal total cost: a unit of layer 0
 * re-runs every layer, one of the last layer almost none, so equal counts would leave the shards of
 * early layers running long after the others. Longest item first onto the lightest shard (ties by
 * index: the same costs give the same shards); each shard lists its items in ascending order, so a
 * task visits layers in order.
 */
final class CostShards {
    private CostShards() {}

    static int[][] balance(long[] costs, int shards) {
        if (shards <= 0) throw new IllegalArgumentException("shards must be positive, got " + shards);
        int n = Math.min(shards, Math.max(1, costs.length));
        Integer[] order = IntStream.range(0, costs.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> -costs[i]).thenComparingInt(i -> i));
        long[] load = new long[n];
        List<List<Integer>> items = new ArrayList<>();
        for (int s = 0; s < n; s++) items.add(new ArrayList<>());
        PriorityQueue<Integer> lightest = new PriorityQueue<>(Comparator.<Integer>comparingLong(s -> load[s]).thenComparingInt(s -> s));
        for (int s = 0; s < n; s++) lightest.add(s);
        for (int i : order) {
            int s = lightest.poll();
            items.get(s).add(i);
            load[s] += costs[i];
            lightest.add(s);
        }
        return items.stream().filter(l -> !l.isEmpty()).map(l -> l.stream().mapToInt(Integer::intValue).sorted().toArray()).toArray(int[][]::new);
    }

    /** The largest shard's cost over the mean: 1 is perfect balance. */
    static double imbalance(long[] costs, int[][] shards) {
        long max = 0, total = 0;
        for (int[] s : shards) {
            long c = 0;
            for (int i : s) c += costs[i];
            max = Math.max(max, c);
            total += c;
        }
        return total == 0 ? 1 : max * (double) shards.length / total;
    }
}
