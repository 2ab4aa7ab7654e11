package dev.optin.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, register-blocked SGEMM on the Vector API (loaded only when the module is present,
 * see {@link VectorSupport}). B is copied into KC×NR panels (shared by all tasks) so the
 * micro-kernel reads it sequentially; A into MR×KC strips per task, except that 8-row tiles
 * read untransposed A in place ({@link #readsAInPlace}); each panel and strip is an array of
 * its own (see {@link #AS}). The micro-kernel keeps an MR×NR
 * tile of C in 2·MR vector registers (8×32 with AVX-512, 5×16 with AVX2).
 * <p>
 * Determinism: every element of C is summed in the same order (k blocks of fixed size KC,
 * fixed order inside a block) whatever the tiling of rows and columns into tasks, so the
 * number of threads never changes a result.
 */
final class VectorGemm implements GemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /**
     * Tile of MR×NR, NR two vectors wide, 2·MR accumulators in registers. With 512-bit vectors
     * (AVX-512, 32 registers) 8×32: sixteen accumulators, 16 FMAs per 10 loads; products 3-10%
     * faster than 5×32 on a 2-core AVX-512 EPYC with JDK 17 and 25 (the 32×128 forward 4-6%).
     * With AVX2 (16 registers) 5×16: twelve accumulators (6×16, 4×24, 3×32) ran 2× slower there
     * on JDK 17 and 21+ (C2 schedules the loads early, runs out of registers and spills inside
     * the loop), and so did unrolling the k loop by two. {@code -Doptin.gemm.rows=5|8} forces
     * either kernel (the tests run both on every machine).
     */
    static final int MR = rows(), NR = 2 * L;
    /**
     * The wider tile of 8-row kernels: 8×48 with AVX-512 (24 accumulators, 3 B loads and 8 broadcasts per 24 FMAs against
     * 2 and 8 per 16): 9-13% more multiply-adds per second than 8×32 with A and B in L1 (2026-12-03, Intel Xeon, JDK 17;
     * 12×32 gained 5-8%, 6×64 2-5%, unrolling k by two lost). A product takes it when its columns pad no worse
     * ({@link #panelWidth}); each element is still one FMA per k step in k order, so the tile never changes a bit.
     */
    static final int NR_WIDE = 3 * L;
    /** B's index per unit of A's index in {@link #kernel8w} (NR_WIDE / 8). */
    private static final int WIDE_B_PER_A = NR_WIDE / 8;
    /**
     * Floats per k step in a packed A strip, and every strip and panel starts at index 0 of its
     * own array: then the kernel's one counter is A's index and B's is a constant multiple of it,
     * which x86 addressing scales for free. On AVX2 with JDK 17: MR = 5 values padded to 8, and C2
     * compiles the inner loop to 24 instructions per 10 FMAs, where offsets into one large array
     * made it recompute both indices every step (30 instructions; the front end, not the FMA
     * units, was the limit). A stride equal to NR (one index for both) gives 20 but doubles A's
     * cache traffic, which cost more than the four instructions on JDK 17; JDK 25 compiled the
     * scaled form badly there (products 1.5-2× slower), so with 5 rows other JDKs use NR. 8-row
     * strips are row-major instead, as A itself ({@link #packA}; AS = MR only sizes them): {@link #kernel8} reads
     * both alike, and reading A in place beat every interleaved stride (8, 16, 32) on JDK 17 and 25.
     */
    static final int AS = MR == 8 ? MR : L >= MR && Runtime.version().feature() == 17 ? L : NR;
    /** B's index per unit of A's index in the kernel (NR / AS). */
    private static final int B_PER_A = NR / AS;
    /**
     * k blocks make a B panel (KC×NR floats) of at most 32 KB, which stays in L1 while the A strips
     * of a row block pass it: 512 with AVX2 (3-7% faster products than 256: one pass over C instead
     * of two at k = 384), 256 with AVX-512 (512 there, a 64 KB panel, made k = 1536 products 4% slower).
     * Row blocks (MC rows) share each pass of B's panels: a product streams its packed B from memory once per row block,
     * so with weights larger than the cache fewer, taller blocks read them fewer times, as long as A's block (MC·KC floats)
     * stays in L2. 288 rows with 8-row tiles (A's block 196-295 KB at the k blocks of 48- and 32-column panels), and a
     * product of up to {@link #ONE_BLOCK} rows (a sequence group) runs as one block, so it streams each weight once;
     * taller blocks for every product made the pruning passes' many-row products slower. 144 with 5-row tiles, whose
     * k blocks of 512 make the block 2-3× larger per row. Row blocks only group tiles, so they never change a bit.
     */
    static final int KC = Math.min(512, 8192 / NR), MC = MR == 8 ? 288 : 144, ONE_BLOCK = MR == 8 ? 2 * MC : MC;

    /** Row blocks of a product with m rows: one up to {@link #ONE_BLOCK} rows, else blocks of at most {@link #MC}. */
    private static int rowBlocks(int m) { return m <= ONE_BLOCK ? 1 : (m + MC - 1) / MC; }

    /** Column panel width of products with n columns: {@link #NR_WIDE} where 8-row tiles run and it pads at most 4% more columns. */
    static int panelWidth(int n) {
        if (MR != 8) return NR;
        long narrow = roundUp(n, NR), wide = roundUp(n, NR_WIDE);
        return wide * 100 <= narrow * 104 ? NR_WIDE : NR;
    }

    /** k block size limit for panels nr wide: a panel of at most 32 KB stays in L1. */
    private static int kc(int nr) { return Math.min(512, 8192 / nr); }

    /** Packed op(B): panels nr wide, at kb·nPanels + jp. */
    private record PackedB(float[][] panels, int nr) {}
    /** Below this many multiply-adds a product runs as a single task (not handed to the workers). */
    static final long SERIAL_WORK = 1L << 20;

    private static int rows() {
        int rows = Integer.getInteger("optin.gemm.rows", L >= 16 ? 8 : 5);
        if (rows != 5 && rows != 8) throw new IllegalStateException("optin.gemm.rows must be 5 or 8, not " + rows);
        return rows;
    }

    private static final ThreadLocal<Panels> B_PACK = ThreadLocal.withInitial(Panels::new);
    private static final ThreadLocal<Panels> A_PACK = ThreadLocal.withInitial(Panels::new);
    private static final ThreadLocal<Panels> A_SHARED = ThreadLocal.withInitial(Panels::new);

    /** A reusable set of packed strips or panels, one array each. */
    private static final class Panels {
        private float[][] arrays = new float[0][];

        /** At least count arrays of at least length floats (contents undefined). */
        float[][] get(int count, int length) {
            if (arrays.length < count) arrays = java.util.Arrays.copyOf(arrays, count);
            for (int i = 0; i < count; i++) if (arrays[i] == null || arrays[i].length < length) arrays[i] = new float[length];
            return arrays;
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        if ((long) m * n * k < DIRECT_WORK) {
            SmallGemm.multiply(true, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
            return;
        }
        packed(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
    }

    /**
     * Products with fewer multiply-adds than this skip packing ({@link SmallGemm}): attention's per-head products on
     * short sequences (13×13×32 for an SST-2 sentence), where packing, the thread-local panels and a 32-column tile
     * for 13 columns cost more than the arithmetic.
     */
    static final long DIRECT_WORK = 1L << 15;

    /** {@link #gemm} through packed panels whatever the size (the tests compare it with {@link SmallGemm}). */
    static void packed(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        int nr = panelWidth(n);
        float[][] bp = B_PACK.get().get(panelCount(n, k, nr), kBlock(k, nr) * nr);
        pack(transB, n, k, b, bOff, ldb, bp, nr, isParallel(m, n, k));
        multiply(transA, m, n, k, a, aOff, lda, bp, nr, c, cOff, ldc, accumulate, bias, false, null);
    }

    /** {@link GemmKernels#PLAIN}'s arithmetic on the Vector API ({@link SmallGemm}): what products too small to pack run. */
    @Override
    public void gemmPlainBits(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate, float[] bias) {
        SmallGemm.multiply(false, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, bias);
    }

    @Override
    public Object prepack(boolean transB, int n, int k, float[] b, int bOff, int ldb) {
        int nr = panelWidth(n);
        // each column panel's k blocks allocated one after another (bp is indexed kb·nPanels + jp): a column share walks a
        // panel's k blocks in turn, and memory order lets the hardware prefetcher stream them as one
        int nPanels = columnPanels(n, nr), count = panelCount(n, k, nr), len = kBlock(k, nr) * nr;
        float[][] bp = new float[count][];
        for (int jp = 0; jp < nPanels; jp++) for (int i = jp; i < count; i += nPanels) bp[i] = new float[len];
        pack(transB, n, k, b, bOff, ldb, bp, nr, true);
        return new PackedB(bp, nr);
    }

    @Override
    public void gemmPrepacked(boolean transA, int m, int n, int k, float[] a, int aOff, int lda, Object packedB,
                              float[] c, int cOff, int ldc, boolean accumulate, float[] bias, boolean gelu, float[] gate) {
        PackedB p = (PackedB) packedB;
        multiply(transA, m, n, k, a, aOff, lda, p.panels, p.nr, c, cOff, ldc, accumulate, bias, gelu, gate);
    }

    @Override
    public void gemmPrepackedColumns(int m, int n, int k, float[] a, int aOff, int lda, Object packedB, float[] c, int cOff, int ldc,
                                     float[] bias, boolean gelu, float[] gate, int j0, int j1) {
        PackedB p = (PackedB) packedB;
        int nr = p.nr, nPanels = columnPanels(n, nr), kc = kBlock(k, nr), mc = roundUp((m + rowBlocks(m) - 1) / rowBlocks(m), MR);
        if (j0 < 0 || j1 > n || j0 % nr != 0 || (j1 % nr != 0 && j1 != n))
            throw new IllegalArgumentException("columns [" + j0 + ", " + j1 + ") of " + n + " are not aligned to panels of " + nr);
        if (m == 0 || j1 <= j0) return;
        // rows in MC blocks as the serial product walks them: A's block stays in L2 while the panels pass
        for (int i0 = 0; i0 < m; i0 += mc)
            if (MR == 8) columnShare(i0, Math.min(m, i0 + mc), j0 / nr, (j1 + nr - 1) / nr, n, k, kc, nPanels, nr, a, aOff, lda, p.panels,
                                     c, cOff, ldc, bias, gelu, gate);
            else block(false, i0, Math.min(m, i0 + mc), j0 / nr, (j1 + nr - 1) / nr, n, k, kc, nPanels, nr, a, aOff, lda, p.panels,
                       c, cOff, ldc, false, bias, null, 0, gelu, gate);
    }

    @Override
    public int columnAlignment(Object packedB) { return ((PackedB) packedB).nr; }

    /** Packed B panels: one per k block and nr columns, at kb·nPanels + jp. */
    private static int panelCount(int n, int k, int nr) { return kBlocks(k, nr) * columnPanels(n, nr); }

    private static int columnPanels(int n, int nr) { return (n + nr - 1) / nr; }

    private static int kBlocks(int k, int nr) { return (k + kBlock(k, nr) - 1) / kBlock(k, nr); }

    /**
     * k blocks of equal size, at most {@link #kc}: the block size depends on k and the panel width only. C is stored and
     * reloaded between blocks, which changes no bit: every element is one FMA per k step, in k order, from its start value.
     */
    private static int kBlock(int k, int nr) {
        int kBlocks = (k + kc(nr) - 1) / kc(nr);
        return (k + kBlocks - 1) / kBlocks;
    }

    private static boolean isParallel(int m, int n, int k) {
        return (long) m * n * k >= SERIAL_WORK && Parallel.threads() > 1;
    }

    /** Packs all of op(B) into bp (layout of {@link #packB}); the layout depends on n and k only. */
    private static void pack(boolean transB, int n, int k, float[] b, int bOff, int ldb, float[][] bp, int nr, boolean parallel) {
        int nPanels = columnPanels(n, nr), kc = kBlock(k, nr);
        if (parallel && (long) k * n >= 1 << 16 && Parallel.threads() > 1) {
            int groups = Math.min(nPanels, 4 * Parallel.threads());
            Parallel.forEach(groups, g -> {
                for (int jp = g; jp < nPanels; jp += groups) packB(transB, n, k, kc, nPanels, nr, b, bOff, ldb, bp, jp);
            });
        } else {
            for (int jp = 0; jp < nPanels; jp++) packB(transB, n, k, kc, nPanels, nr, b, bOff, ldb, bp, jp);
        }
    }

    /** C = op(A) · B (+ bias) (+ C) with B already packed. */
    private static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, int lda, float[][] bp, int nr,
                                 float[] c, int cOff, int ldc, boolean accumulate, float[] bias, boolean gelu, float[] gate) {
        int nPanels = columnPanels(n, nr), kc = kBlock(k, nr);
        boolean parallel = isParallel(m, n, k);
        int rowBlocks = rowBlocks(m), colBlocks = 1;
        if (parallel) {
            // several tasks per thread: on a busy machine a thread that falls behind is not left holding a quarter of the work
            int target = 8 * Parallel.threads();
            if (rowBlocks < target) colBlocks = Math.min(nPanels, (target + rowBlocks - 1) / rowBlocks);
        }
        int rb = rowBlocks, cb = colBlocks;
        int mc = roundUp((m + rb - 1) / rb, MR), panelsPerBlock = (nPanels + cb - 1) / cb;
        // Several tasks share each row block when rows are few: pack A once for all of them
        // (else each task would repack the same rows; with 1×128 inputs that was a quarter of the time).
        int strips = (m + MR - 1) / MR;
        float[][] sharedA = cb > 1 && !readsAInPlace(transA, nr) ? packAllA(transA, m, k, kc, strips, a, aOff, lda, nr) : null;
        IntTask task = t -> {
            int i0 = (t / cb) * mc, i1 = Math.min(m, i0 + mc);
            int jp0 = (t % cb) * panelsPerBlock, jp1 = Math.min(nPanels, jp0 + panelsPerBlock);
            if (i0 < i1 && jp0 < jp1)
                block(transA, i0, i1, jp0, jp1, n, k, kc, nPanels, nr, a, aOff, lda, bp, c, cOff, ldc, accumulate, bias, sharedA, strips, gelu, gate);
        };
        if (!parallel) for (int t = 0; t < rb * cb; t++) task.run(t); // serial still walks MC-row blocks: A stays in L2
        else Parallel.forEach(rb * cb, task::run);
    }

    /** All of op(A), packed in the layout of {@link #packA}: strip ir of k block kb at kb·strips + ir; strips packed in parallel. */
    private static float[][] packAllA(boolean transA, int m, int k, int kc, int strips, float[] a, int aOff, int lda, int nr) {
        float[][] ap = A_SHARED.get().get((k + kc - 1) / kc * strips, kc * AS);
        int groups = Math.min(strips, 2 * Parallel.threads());
        Parallel.forEach(groups, g -> {
            int s0 = g * strips / groups, s1 = (g + 1) * strips / groups;
            for (int p0 = 0; p0 < k; p0 += kc) {
                int kq = Math.min(kc, k - p0);
                packA(transA, s0 * MR, Math.min(m, s1 * MR), p0, kq, a, aOff, lda, ap, p0 / kc * strips + s0, nr == NR_WIDE);
            }
        });
        return ap;
    }

    /**
     * Whether the kernel reads op(A) where it lies (8-row tiles, A not transposed) instead of a packed copy: packing
     * was 8% of a 32×128 forward; without it products ran 3-10% faster on one thread (GemmBench; 128×384×384 on two
     * threads 1.7×, its shared packing gone) and the forward 2-17% (32×64 the most). 5-row tiles keep packing: under -XX:UseAVX=2 on the
     * AVX-512 machine reading in place was no faster on large products, and the AVX2 machine they were tuned on (front-end
     * bound: index arithmetic cost there) could not be measured.
     */
    private static boolean readsAInPlace(boolean transA, int nr) { return MR == 8 && !transA && nr != NR_WIDE; }

    private interface IntTask { void run(int t); }

    private static int roundUp(int x, int r) { return (x + r - 1) / r * r; }

    /** Packs column panel jp (NR wide) of op(B) for every k block kb: bp[kb·nPanels + jp][p·NR + jj]. */
    private static void packB(boolean transB, int n, int k, int kc, int nPanels, int pw, float[] b, int bOff, int ldb, float[][] bp, int jp) {
        int j0 = jp * pw, nr = Math.min(pw, n - j0);
        for (int p0 = 0; p0 < k; p0 += kc) {
            int kq = Math.min(kc, k - p0);
            float[] panel = bp[p0 / kc * nPanels + jp];
            if (transB) {
                for (int jj = 0; jj < nr; jj++) {
                    int src = bOff + (j0 + jj) * ldb + p0;
                    for (int p = 0; p < kq; p++) panel[p * pw + jj] = b[src + p];
                }
                if (nr < pw) for (int p = 0; p < kq; p++) for (int jj = nr; jj < pw; jj++) panel[p * pw + jj] = 0f;
            } else {
                for (int p = 0; p < kq; p++) {
                    int dst = p * pw;
                    System.arraycopy(b, bOff + (p0 + p) * ldb + j0, panel, dst, nr);
                    for (int jj = nr; jj < pw; jj++) panel[dst + jj] = 0f;
                }
            }
        }
    }

    /**
     * Packs rows [i0, i1) × [p0, p0+kq) of op(A) into MR-row strips: 5-row strips interleaved, ap[first + ir][p·AS + ii]
     * (lanes MR..AS-1 are padding the kernel never reads); 8-row strips row by row, ap[first + ir][ii·kq + p], the
     * layout {@link #kernel8} also reads A in place from. Rows past i1 in the last strip are zeros.
     */
    private static void packA(boolean transA, int i0, int i1, int p0, int kq, float[] a, int aOff, int lda, float[][] aps, int first,
                              boolean interleaved) {
        int rows = i1 - i0, strips = (rows + MR - 1) / MR;
        for (int ir = 0; ir < strips; ir++) {
            float[] ap = aps[first + ir];
            int r0 = i0 + ir * MR, mr = Math.min(MR, i1 - r0);
            if (interleaved) {   // 8-row strips of the wide kernel: ap[p·8 + ii]
                if (transA)
                    for (int p = 0; p < kq; p++) System.arraycopy(a, aOff + (p0 + p) * lda + r0, ap, p * MR, mr);
                else if (mr == MR) { // full strip: one pass over k, eight sequential reads, sequential stores
                    int s0 = aOff + r0 * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                    int s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda, s7 = s6 + lda;
                    for (int p = 0, dst = 0; p < kq; p++, dst += MR) {
                        ap[dst] = a[s0 + p]; ap[dst + 1] = a[s1 + p]; ap[dst + 2] = a[s2 + p]; ap[dst + 3] = a[s3 + p];
                        ap[dst + 4] = a[s4 + p]; ap[dst + 5] = a[s5 + p]; ap[dst + 6] = a[s6 + p]; ap[dst + 7] = a[s7 + p];
                    }
                } else
                    for (int ii = 0; ii < mr; ii++) {
                        int src = aOff + (r0 + ii) * lda + p0;
                        for (int p = 0; p < kq; p++) ap[p * MR + ii] = a[src + p];
                    }
                if (mr < MR) for (int p = 0; p < kq; p++) java.util.Arrays.fill(ap, p * MR + mr, p * MR + MR, 0f);
            } else if (MR == 8) {
                if (transA)
                    for (int p = 0; p < kq; p++) {
                        int src = aOff + (p0 + p) * lda + r0;
                        for (int ii = 0; ii < mr; ii++) ap[ii * kq + p] = a[src + ii];
                    }
                else for (int ii = 0; ii < mr; ii++) System.arraycopy(a, aOff + (r0 + ii) * lda + p0, ap, ii * kq, kq);
                java.util.Arrays.fill(ap, mr * kq, MR * kq, 0f);
            } else if (transA) {
                for (int p = 0; p < kq; p++) {
                    int src = aOff + (p0 + p) * lda + r0, dst = p * AS;
                    for (int ii = 0; ii < mr; ii++) ap[dst + ii] = a[src + ii];
                    for (int ii = mr; ii < MR; ii++) ap[dst + ii] = 0f;
                }
            } else if (mr == MR) { // full strip, written out for MR = 5: one pass over k, sequential stores
                int s0 = aOff + r0 * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda;
                for (int p = 0, dst = 0; p < kq; p++, dst += AS) {
                    ap[dst] = a[s0 + p]; ap[dst + 1] = a[s1 + p]; ap[dst + 2] = a[s2 + p];
                    ap[dst + 3] = a[s3 + p]; ap[dst + 4] = a[s4 + p];
                }
            } else {
                for (int ii = 0; ii < mr; ii++) {
                    int src = aOff + (r0 + ii) * lda + p0;
                    for (int p = 0; p < kq; p++) ap[p * AS + ii] = a[src + p];
                }
                for (int p = 0; p < kq; p++) for (int ii = mr; ii < MR; ii++) ap[p * AS + ii] = 0f;
            }
        }
    }

    /** The kernels always accumulate into C: rows [i0, i1), columns [jBegin, jEnd) of C start as the bias (or 0). */
    private static void startC(float[] c, int cOff, int ldc, int i0, int i1, int jBegin, int jEnd, float[] bias) {
        for (int r = i0; r < i1; r++) {
            int o = cOff + r * ldc;
            if (bias != null) System.arraycopy(bias, jBegin, c, o + jBegin, jEnd - jBegin);
            else java.util.Arrays.fill(c, o + jBegin, o + jEnd, 0f);
        }
    }

    /**
     * An edge tile (mr × nr of C at co, fewer than MR rows or pw columns) copied into a zero-padded MR × pw tile (tile,
     * or a new one when null), so that the kernels keep a single path; {@link #storeEdgeTile} writes it back.
     */
    private static float[] edgeTile(float[] tile, float[] c, int co, int ldc, int mr, int nr, int pw) {
        if (tile == null) tile = new float[MR * pw];
        else java.util.Arrays.fill(tile, 0f);
        for (int ii = 0; ii < mr; ii++) System.arraycopy(c, co + ii * ldc, tile, ii * pw, nr);
        return tile;
    }

    private static void storeEdgeTile(float[] tile, float[] c, int co, int ldc, int mr, int nr, int pw) {
        for (int ii = 0; ii < mr; ii++) System.arraycopy(tile, ii * pw, c, co + ii * ldc, nr);
    }

    /**
     * Rows [i0, i1) × column panels [jp0, jp1) of C = A·B (+ bias, then GELU·gate with gelu) for a thread's share of a
     * product's columns ({@link #gemmPrepackedColumns}), 8-row tiles. Each tile is computed whole in one kernel call that
     * walks its panel's k blocks with C in registers (a panel's k blocks, k×nr floats, stay in L2 while the strips pass)
     * instead of storing and reloading C once per block: at batch 1 every thread multiplies all rows (few) by a few
     * panels, and with k = 1536 that was ten round trips of each tile. A is read in place (each thread would otherwise
     * pack all of it), a last partial strip from a zero-padded copy of all of k. Same bits as {@link #block}: each
     * element is one FMA per k step, in k order, from its start value.
     */
    private static void columnShare(int i0, int i1, int jp0, int jp1, int n, int k, int kc, int nPanels, int pw, float[] a, int aOff, int lda,
                                    float[][] bp, float[] c, int cOff, int ldc, float[] bias, boolean gelu, float[] gate) {
        int rows = i1 - i0, strips = (rows + MR - 1) / MR, full = rows / MR;
        startC(c, cOff, ldc, i0, i1, jp0 * pw, Math.min(n, jp1 * pw), bias);
        float[][] part = full < strips ? A_PACK.get().get(1, MR * k) : null;
        if (part != null) packA(false, i0 + full * MR, i1, 0, k, a, aOff, lda, part, 0, false);
        float[] tile = null;
        boolean wide = pw == NR_WIDE;
        for (int jp = jp0; jp < jp1; jp++) {
            int j0 = jp * pw, nr = Math.min(pw, n - j0);
            for (int ir = 0; ir < strips; ir++) {
                int r0 = i0 + ir * MR, mr = Math.min(MR, i1 - r0), co = cOff + r0 * ldc + j0;
                float[] as = ir < full ? a : part[0];
                int ao = ir < full ? aOff + r0 * lda : 0, ald = ir < full ? lda : k;
                if (mr == MR && nr == pw) {
                    if (wide) kernel8wBlocks(k, kc, as, ao, ald, bp, jp, nPanels, c, co, ldc);
                    else kernel8Blocks(k, kc, as, ao, ald, bp, jp, nPanels, c, co, ldc);
                } else {
                    tile = edgeTile(tile, c, co, ldc, mr, nr, pw);
                    if (wide) kernel8wBlocks(k, kc, as, ao, ald, bp, jp, nPanels, tile, 0, pw);
                    else kernel8Blocks(k, kc, as, ao, ald, bp, jp, nPanels, tile, 0, pw);
                    storeEdgeTile(tile, c, co, ldc, mr, nr, pw);
                }
                if (gelu) Ops.geluTile(c, co, ldc, mr, gate, j0, nr);
            }
        }
    }

    private static void block(boolean transA, int i0, int i1, int jp0, int jp1, int n, int k, int kc, int nPanels, int pw,
                              float[] a, int aOff, int lda, float[][] bp, float[] c, int cOff, int ldc,
                              boolean accumulate, float[] bias, float[][] sharedA, int allStrips, boolean gelu, float[] gate) {
        int rows = i1 - i0, strips = (rows + MR - 1) / MR;
        if (!accumulate) startC(c, cOff, ldc, i0, i1, jp0 * pw, Math.min(n, jp1 * pw), bias);
        float[][] ap = sharedA != null ? sharedA : A_PACK.get().get(strips, Math.min(kc, k) * AS);
        float[] tile = null;
        boolean direct = readsAInPlace(transA, pw), wide = pw == NR_WIDE; // direct: only a last partial strip is packed
        int full = rows / MR;
        for (int p0 = 0; p0 < k; p0 += kc) {
            int kq = Math.min(kc, k - p0), first = 0;
            if (direct) { if (full < strips) packA(false, i0 + full * MR, i1, p0, kq, a, aOff, lda, ap, full, false); }
            else if (sharedA != null) first = p0 / kc * allStrips + i0 / MR; // i0 is a multiple of MR
            else packA(transA, i0, i1, p0, kq, a, aOff, lda, ap, 0, wide);
            boolean last = p0 + kq >= k;
            for (int jp = jp0; jp < jp1; jp++) {
                int j0 = jp * pw, nr = Math.min(pw, n - j0);
                float[] panel = bp[p0 / kc * nPanels + jp];
                for (int ir = 0; ir < strips; ir++) {
                    int r0 = i0 + ir * MR, mr = Math.min(MR, i1 - r0), co = cOff + r0 * ldc + j0;
                    // 8-row tiles read full strips of untransposed A in place, other strips from their packed copy
                    boolean inPlace = direct && mr == MR;
                    float[] as = inPlace ? a : ap[first + ir];
                    int ao = inPlace ? aOff + r0 * lda + p0 : 0, ald = inPlace ? lda : kq;
                    if (mr == MR && nr == pw) {
                        if (wide) kernel8w(kq, as, panel, c, co, ldc);
                        else if (MR == 8) kernel8(kq, as, ao, ald, panel, c, co, ldc);
                        else kernel5(kq, as, panel, c, co, ldc);
                    } else {
                        tile = edgeTile(tile, c, co, ldc, mr, nr, pw);
                        if (wide) kernel8w(kq, as, panel, tile, 0, pw);
                        else if (MR == 8) kernel8(kq, as, ao, ald, panel, tile, 0, pw);
                        else kernel5(kq, as, panel, tile, 0, pw);
                        storeEdgeTile(tile, c, co, ldc, mr, nr, pw);
                    }
                    if (gelu && last) Ops.geluTile(c, co, ldc, mr, gate, j0, nr); // fused activation: the tile is still in L1
                }
            }
        }
    }

    /**
     * The 5×NR tile: C tile += A strip · B strip. One method with one path on purpose: a helper the JIT
     * does not inline spills the accumulators to the heap, and every rarely taken branch (edge
     * tiles, bias, first k block) is an uncommon trap whose deoptimisation sends this method back
     * to interpreted/C1 code, where the Vector API is not intrinsified and runs ~100× slower; on a
     * busy machine the recompilations were observed to take minutes. Bias, zeroing and edges are
     * therefore handled by the caller.
     */
    private static void kernel5(int kq, float[] ap, float[] bp, float[] c, int co, int ldc) {
        int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0), c01 = FloatVector.fromArray(S, c, o0 + L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1), c11 = FloatVector.fromArray(S, c, o1 + L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2), c21 = FloatVector.fromArray(S, c, o2 + L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3), c31 = FloatVector.fromArray(S, c, o3 + L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4), c41 = FloatVector.fromArray(S, c, o4 + L);
        for (int a = 0, end = kq * AS; a < end; a += AS) {
            int b = a * B_PER_A;
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector av = FloatVector.broadcast(S, ap[a]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, ap[a + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, ap[a + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, ap[a + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, ap[a + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + L);
    }

    /**
     * The 8×NR tile (16 accumulators), for 512-bit vectors where 32 registers leave room; contract as {@link #kernel5},
     * but A's row r is read at a[ao + r·lda + p]: in place from the caller's matrix, or from a row-major packed strip.
     */
    static void kernel8(int kq, float[] a, int ao, int lda, float[] bp, float[] c, int co, int ldc) {
        int a0 = ao, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0), c01 = FloatVector.fromArray(S, c, o0 + L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1), c11 = FloatVector.fromArray(S, c, o1 + L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2), c21 = FloatVector.fromArray(S, c, o2 + L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3), c31 = FloatVector.fromArray(S, c, o3 + L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4), c41 = FloatVector.fromArray(S, c, o4 + L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5), c51 = FloatVector.fromArray(S, c, o5 + L);
        FloatVector c60 = FloatVector.fromArray(S, c, o6), c61 = FloatVector.fromArray(S, c, o6 + L);
        FloatVector c70 = FloatVector.fromArray(S, c, o7), c71 = FloatVector.fromArray(S, c, o7 + L);
        for (int p = 0; p < kq; p++) {
            int b = p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, a[a6 + p]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, a[a7 + p]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + L);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + L);
        c60.intoArray(c, o6); c61.intoArray(c, o6 + L);
        c70.intoArray(c, o7); c71.intoArray(c, o7 + L);
    }

    /**
     * {@link #kernel8} over all of k in blocks of kc, block b's B from panels[first + b·stride] (from its index 0), C in
     * registers throughout: {@link #columnShare}'s tile, a whole dot product across packed k blocks. A separate method
     * because the block switch costs {@link #kernel8}'s short attention products (k = 32) about 5% of an 8×128 forward.
     */
    private static void kernel8Blocks(int k, int kc, float[] a, int ao, int lda, float[][] panels, int first, int stride, float[] c, int co, int ldc) {
        int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0), c01 = FloatVector.fromArray(S, c, o0 + L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1), c11 = FloatVector.fromArray(S, c, o1 + L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2), c21 = FloatVector.fromArray(S, c, o2 + L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3), c31 = FloatVector.fromArray(S, c, o3 + L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4), c41 = FloatVector.fromArray(S, c, o4 + L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5), c51 = FloatVector.fromArray(S, c, o5 + L);
        FloatVector c60 = FloatVector.fromArray(S, c, o6), c61 = FloatVector.fromArray(S, c, o6 + L);
        FloatVector c70 = FloatVector.fromArray(S, c, o7), c71 = FloatVector.fromArray(S, c, o7 + L);
        int a0 = ao, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        float[] bp = panels[first];
        // one loop over all of k (nested loops made C2 box the accumulators on JDK 17): the next block's panel at each kc
        for (int p = 0, pi = first, next = Math.min(kc, k), b = 0; p < k; p++, b += NR) {
            if (p == next) { pi += stride; bp = panels[pi]; next = Math.min(next + kc, k); b = 0; }
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S, a[a6 + p]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S, a[a7 + p]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + L);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + L);
        c60.intoArray(c, o6); c61.intoArray(c, o6 + L);
        c70.intoArray(c, o7); c71.intoArray(c, o7 + L);
    }

    /**
     * The 8×48 tile (24 accumulators), {@link #NR_WIDE} wide, A from an interleaved strip (ap[p·8 + r], {@link #packA}):
     * one counter indexes both A and B (B's is a constant multiple), which ran 7-8% faster than reading A's eight rows
     * in place (L1-resident probe, 2026-12-03). Contract as {@link #kernel5}.
     */
    private static void kernel8w(int kq, float[] ap, float[] bp, float[] c, int co, int ldc) {
        int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0), c01 = FloatVector.fromArray(S, c, o0 + 1 * L), c02 = FloatVector.fromArray(S, c, o0 + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1), c11 = FloatVector.fromArray(S, c, o1 + 1 * L), c12 = FloatVector.fromArray(S, c, o1 + 2 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2), c21 = FloatVector.fromArray(S, c, o2 + 1 * L), c22 = FloatVector.fromArray(S, c, o2 + 2 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3), c31 = FloatVector.fromArray(S, c, o3 + 1 * L), c32 = FloatVector.fromArray(S, c, o3 + 2 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4), c41 = FloatVector.fromArray(S, c, o4 + 1 * L), c42 = FloatVector.fromArray(S, c, o4 + 2 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5), c51 = FloatVector.fromArray(S, c, o5 + 1 * L), c52 = FloatVector.fromArray(S, c, o5 + 2 * L);
        FloatVector c60 = FloatVector.fromArray(S, c, o6), c61 = FloatVector.fromArray(S, c, o6 + 1 * L), c62 = FloatVector.fromArray(S, c, o6 + 2 * L);
        FloatVector c70 = FloatVector.fromArray(S, c, o7), c71 = FloatVector.fromArray(S, c, o7 + 1 * L), c72 = FloatVector.fromArray(S, c, o7 + 2 * L);
        for (int a = 0, end = kq * MR; a < end; a += MR) {
            int b = a * WIDE_B_PER_A;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L), b2 = FloatVector.fromArray(S, bp, b + 2 * L);
            FloatVector av = FloatVector.broadcast(S, ap[a]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(S, ap[a + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(S, ap[a + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.broadcast(S, ap[a + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
            av = FloatVector.broadcast(S, ap[a + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42);
            av = FloatVector.broadcast(S, ap[a + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52);
            av = FloatVector.broadcast(S, ap[a + 6]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61); c62 = av.fma(b2, c62);
            av = FloatVector.broadcast(S, ap[a + 7]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71); c72 = av.fma(b2, c72);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + 1 * L); c02.intoArray(c, o0 + 2 * L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + 1 * L); c12.intoArray(c, o1 + 2 * L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + 1 * L); c22.intoArray(c, o2 + 2 * L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + 1 * L); c32.intoArray(c, o3 + 2 * L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + 1 * L); c42.intoArray(c, o4 + 2 * L);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + 1 * L); c52.intoArray(c, o5 + 2 * L);
        c60.intoArray(c, o6); c61.intoArray(c, o6 + 1 * L); c62.intoArray(c, o6 + 2 * L);
        c70.intoArray(c, o7); c71.intoArray(c, o7 + 1 * L); c72.intoArray(c, o7 + 2 * L);
    }

    /**
     * The 8×48 tile with A read as {@link #kernel8} reads it (rows at a[ao + r·lda + p]) and k in blocks of kc across
     * panels[first + b·stride], C in registers throughout, as {@link #kernel8Blocks}: {@link #columnShare}'s wide tile.
     */
    private static void kernel8wBlocks(int k, int kc, float[] a, int ao, int lda, float[][] panels, int first, int stride, float[] c, int co, int ldc) {
        int o0 = co, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc, o7 = o6 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0), c01 = FloatVector.fromArray(S, c, o0 + 1 * L), c02 = FloatVector.fromArray(S, c, o0 + 2 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1), c11 = FloatVector.fromArray(S, c, o1 + 1 * L), c12 = FloatVector.fromArray(S, c, o1 + 2 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2), c21 = FloatVector.fromArray(S, c, o2 + 1 * L), c22 = FloatVector.fromArray(S, c, o2 + 2 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3), c31 = FloatVector.fromArray(S, c, o3 + 1 * L), c32 = FloatVector.fromArray(S, c, o3 + 2 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4), c41 = FloatVector.fromArray(S, c, o4 + 1 * L), c42 = FloatVector.fromArray(S, c, o4 + 2 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5), c51 = FloatVector.fromArray(S, c, o5 + 1 * L), c52 = FloatVector.fromArray(S, c, o5 + 2 * L);
        FloatVector c60 = FloatVector.fromArray(S, c, o6), c61 = FloatVector.fromArray(S, c, o6 + 1 * L), c62 = FloatVector.fromArray(S, c, o6 + 2 * L);
        FloatVector c70 = FloatVector.fromArray(S, c, o7), c71 = FloatVector.fromArray(S, c, o7 + 1 * L), c72 = FloatVector.fromArray(S, c, o7 + 2 * L);
        int a0 = ao, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        float[] bp = panels[first];
        for (int p = 0, pi = first, next = Math.min(kc, k), b = 0; p < k; p++, b += NR_WIDE) {
            if (p == next) { pi += stride; bp = panels[pi]; next = Math.min(next + kc, k); b = 0; }
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L), b2 = FloatVector.fromArray(S, bp, b + 2 * L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + p]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01); c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(S, a[a1 + p]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11); c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(S, a[a2 + p]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21); c22 = av.fma(b2, c22);
            av = FloatVector.broadcast(S, a[a3 + p]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31); c32 = av.fma(b2, c32);
            av = FloatVector.broadcast(S, a[a4 + p]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41); c42 = av.fma(b2, c42);
            av = FloatVector.broadcast(S, a[a5 + p]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51); c52 = av.fma(b2, c52);
            av = FloatVector.broadcast(S, a[a6 + p]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61); c62 = av.fma(b2, c62);
            av = FloatVector.broadcast(S, a[a7 + p]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71); c72 = av.fma(b2, c72);
        }
        c00.intoArray(c, o0); c01.intoArray(c, o0 + 1 * L); c02.intoArray(c, o0 + 2 * L);
        c10.intoArray(c, o1); c11.intoArray(c, o1 + 1 * L); c12.intoArray(c, o1 + 2 * L);
        c20.intoArray(c, o2); c21.intoArray(c, o2 + 1 * L); c22.intoArray(c, o2 + 2 * L);
        c30.intoArray(c, o3); c31.intoArray(c, o3 + 1 * L); c32.intoArray(c, o3 + 2 * L);
        c40.intoArray(c, o4); c41.intoArray(c, o4 + 1 * L); c42.intoArray(c, o4 + 2 * L);
        c50.intoArray(c, o5); c51.intoArray(c, o5 + 1 * L); c52.intoArray(c, o5 + 2 * L);
        c60.intoArray(c, o6); c61.intoArray(c, o6 + 1 * L); c62.intoArray(c, o6 + 2 * L);
        c70.intoArray(c, o7); c71.intoArray(c, o7 + 1 * L); c72.intoArray(c, o7 + 2 * L);
    }
}
