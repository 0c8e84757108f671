package io.fusewire.perf.fusion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** What a query is: the tensor a worker contributes, and whether the reduced result is right. */
interface Workload
{
    ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * @param drawn the size drawn for a query.
     * @return the bytes of its tensor.
     */
    long bytes(long drawn);

    /**
     * Writes this worker's contribution, fp32.
     *
     * @param query  the query's number, the same on every worker.
     * @param tensor {@link #bytes} long, zeroed.
     */
    void fill(int query, MemorySegment tensor);

    /**
     * @param query  the query's number.
     * @param result the reduced tensor.
     * @return true if it is right (or not checked).
     */
    boolean check(int query, MemorySegment result);

    /** Small tensors of the drawn size; element 1 holds rank + 1, so the sum there is N(N+1)/2. */
    record Small(int rank, int workers) implements Workload
    {
        @Override
        public long bytes(final long drawn)
        {
            return drawn;
        }

        @Override
        public void fill(final int query, final MemorySegment tensor)
        {
            tensor.setAtIndex(FLOAT, 1, 1 + rank);
        }

        @Override
        public boolean check(final int query, final MemorySegment result)
        {
            return result.getAtIndex(FLOAT, 1) == workers * (workers + 1) / 2f;
        }
    }

    /**
     * A linear layer y = W x split by input features over the workers: this worker multiplies the
     * columns [from, to) of W by the same slice of each query's features; the AllReduce sums the
     * partial products. Every tenth query is checked against W x computed here in full. Each worker
     * keeps the whole of W for that check: it runs on the thread that completed the query (the
     * communicator's, for one collective per query), and computing W's elements anew in every check
     * (two integer divisions per multiply-add) took 39% of a worker's samples and held up the
     * collectives behind it.
     */
    final class LinearLayer implements Workload
    {
        private final int in;
        private final int out;
        private final int from;
        private final int to;
        /** W, row-major: out rows of in columns. */
        private final float[] whole;

        LinearLayer(final int rank, final int workers, final int in, final int out)
        {
            this.in = in;
            this.out = out;
            this.from = (int)((long)in * rank / workers);
            this.to = (int)((long)in * (rank + 1) / workers);
            this.whole = new float[out * in];
            for (int i = 0; i < out; i++)
            {
                for (int j = 0; j < in; j++)
                {
                    whole[i * in + j] = weight(i, j);
                }
            }
        }

        private static float weight(final int i, final int j)
        {
            return ((i * 31 + j * 17) % 101 - 50) / 512f;
        }

        /** @return features [from, to) of {@code query}. */
        private static float[] features(final int query, final int from, final int to)
        {
            final float[] x = new float[to - from];
            for (int j = from; j < to; j++)
            {
                x[j - from] = ((query * 7 + j * 13) % 61 - 30) / 64f;
            }
            return x;
        }

        @Override
        public long bytes(final long drawn)
        {
            return 4L * out;
        }

        @Override
        public void fill(final int query, final MemorySegment partial)
        {
            final float[] x = features(query, from, to);
            for (int i = 0; i < out; i++)
            {
                float sum = 0;
                for (int j = 0; j < x.length; j++)
                {
                    sum += whole[i * in + from + j] * x[j];
                }
                partial.setAtIndex(FLOAT, i, sum);
            }
        }

        @Override
        public boolean check(final int query, final MemorySegment result)
        {
            if (query % 10 != 0)
            {
                return true;
            }
            final float[] x = features(query, 0, in);
            for (int i = 0; i < out; i++)
            {
                double expected = 0;
                for (int j = 0; j < in; j++)
                {
                    expected += (double)whole[i * in + j] * x[j];
                }
                if (Math.abs(result.getAtIndex(FLOAT, i) - expected) > 1e-3 * (1 + Math.abs(expected)))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
