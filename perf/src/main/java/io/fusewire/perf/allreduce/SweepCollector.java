package io.fusewire.perf.allreduce;

import io.fusewire.fusion.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Gathers the workers' result lines into rows: a size's row is ready when every rank reported it;
 * its time is the slowest rank's, its wrong count the sum over ranks. Rows come out in order.
 */
public final class SweepCollector
{
    private final int workers;
    private final int reporters;
    private final Consumer<Row> onRow;
    private final List<long[]> sizes = new ArrayList<>();
    private final List<double[]> times = new ArrayList<>();
    private final List<long[]> wrong = new ArrayList<>();
    private final int[] reported;
    private final List<Row> rows = new ArrayList<>();

    /**
     * @param workers N, each rank reporting.
     * @param onRow   receives each row once complete.
     */
    public SweepCollector(final int workers, final Consumer<Row> onRow)
    {
        this(workers, workers, onRow);
    }

    /**
     * @param reporters ranks that print results (1 for a peer whose rank 0 reports for all).
     * @param workers   N, for busbw.
     * @param onRow     receives each row once complete.
     */
    public SweepCollector(final int reporters, final int workers, final Consumer<Row> onRow)
    {
        this.workers = workers;
        this.reporters = reporters;
        this.onRow = onRow;
        this.reported = new int[reporters];
    }

    /**
     * @param rank   the reporting rank.
     * @param result "size count meanUs wrong", from its result line.
     */
    public synchronized void accept(final int rank, final String result)
    {
        final String[] fields = result.trim().split("\\s+");
        final int index = reported[rank]++;
        while (sizes.size() <= index)
        {
            sizes.add(new long[2]);
            times.add(new double[reporters]);
            wrong.add(new long[reporters]);
        }
        sizes.get(index)[0] = Long.parseLong(fields[0]);
        sizes.get(index)[1] = Long.parseLong(fields[1]);
        times.get(index)[rank] = Double.parseDouble(fields[2]);
        wrong.get(index)[rank] = Long.parseLong(fields[3]);
        while (rows.size() < sizes.size() && complete(rows.size()))
        {
            final int at = rows.size();
            double slowest = 0;
            long wrongSum = 0;
            for (int r = 0; r < reporters; r++)
            {
                slowest = Math.max(slowest, times.get(at)[r]);
                wrongSum = wrong.get(at)[r] < 0 || wrongSum < 0 ? -1 : wrongSum + wrong.get(at)[r];
            }
            final Row row = new Row(sizes.get(at)[0], sizes.get(at)[1], DataType.FLOAT32.ncclName(), "sum", slowest, workers, wrongSum);
            rows.add(row);
            onRow.accept(row);
        }
    }

    /** @return the rows complete so far. */
    public synchronized List<Row> rows()
    {
        return List.copyOf(rows);
    }

    private boolean complete(final int index)
    {
        for (int r = 0; r < reporters; r++)
        {
            if (reported[r] <= index)
            {
                return false;
            }
        }
        return true;
    }
}
